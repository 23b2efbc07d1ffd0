// Package release gathers the release facts from git: branch, tag, commit,
// the previous release tag, the base commit and the commits since, each
// read as a Conventional Commit.
//
// It runs the git CLI (never a shell) and parses only NUL-separated or
// fixed-format output, so user configuration and odd commit messages
// cannot shift a field. It judges nothing: whether a version must be
// SemVer, or a breaking change needs a major bump, is for policy.
package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/relgate/relgate/engine"
)

// DefaultMaxCommits bounds the commits listed in the document; the run's
// stats say how many more the range held.
const DefaultMaxCommits = 1000

// Options say which repository and range to read.
type Options struct {
	// Dir is a directory inside the repository; empty means the current
	// directory.
	Dir string
	// Base is the --base REF: when set, the commits are Base..HEAD instead
	// of previous-release..HEAD.
	Base string
	// MaxCommits bounds the commits listed; zero means DefaultMaxCommits.
	MaxCommits int
	// Getenv reads the CI environment for the branch of a detached HEAD;
	// nil means os.Getenv.
	Getenv func(string) string
}

// Scanner reads release facts from a git repository.
type Scanner struct{ opts Options }

// New returns a release scanner.
func New(opts Options) *Scanner {
	if opts.Dir == "" {
		opts.Dir = "."
	}
	if opts.MaxCommits <= 0 {
		opts.MaxCommits = DefaultMaxCommits
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	return &Scanner{opts: opts}
}

// Stats keys of the run record.
const (
	// StatCommits is how many commits the range holds.
	StatCommits = "commits"
	// StatCommitsTruncated is how many of them were left out of the list.
	StatCommitsTruncated = "commits_truncated"
	// StatTagsAtHead is how many tags point at HEAD (one is reported).
	StatTagsAtHead = "tags_at_head"
	// StatShallow is 1 in a shallow clone, where tags and the previous
	// release may be missing.
	StatShallow = "shallow"
	// StatBranchFromEnv is 1 when the branch came from CI variables
	// because HEAD is detached.
	StatBranchFromEnv = "branch_from_env"
)

// Scan fills out.Release. A directory outside any git repository is not an
// error: the run is skipped, since a plain directory can still be gated on
// other facts. A repository without commits yields only its branch.
func (s *Scanner) Scan(ctx context.Context, out *engine.Input) (engine.ScannerRun, error) {
	run := engine.ScannerRun{Stats: map[string]int64{}}
	version, err := gitVersion(ctx)
	if err != nil {
		return run, err
	}
	run.Version = version
	dir := s.opts.Dir
	shallow, err := isShallow(ctx, dir)
	if errors.Is(err, ErrNotRepo) {
		slog.Info("release: skipped, not a git repository", "dir", dir)
		run.Status, run.Reason = engine.StatusSkipped, engine.ReasonNotRepo
		return run, nil
	}
	if err != nil {
		return run, err
	}
	run.Stats[StatShallow] = b2i(shallow)

	rel := &out.Release
	branch, fromEnv, err := s.branch(ctx)
	if err != nil {
		return run, err
	}
	rel.Branch = branch
	run.Stats[StatBranchFromEnv] = b2i(fromEnv)

	head, err := headCommit(ctx, dir)
	if err != nil {
		return run, err
	}
	if s.opts.Base != "" {
		base, err := resolveCommit(ctx, dir, s.opts.Base)
		if err != nil {
			return run, fmt.Errorf("resolve base: %w", err)
		}
		rel.BaseCommit = base
	}
	run.Stats[StatCommits], run.Stats[StatCommitsTruncated], run.Stats[StatTagsAtHead] = 0, 0, 0
	if head == "" {
		return run, nil // unborn branch: nothing committed yet
	}
	rel.Commit = head

	tags, err := reachableTags(ctx, dir, head)
	if err != nil {
		return run, err
	}
	cur, n, tagged := currentTag(tags, head)
	run.Stats[StatTagsAtHead] = int64(n)
	if tagged {
		rel.Tag, rel.Version = cur.name, versionOf(cur)
	}
	var since string
	if prev, ok := previousTag(tags, head, cur.ver); ok {
		rel.PreviousTag, rel.PreviousVersion = prev.name, versionOf(prev)
		since = prev.commit
	}
	if rel.BaseCommit != "" {
		since = rel.BaseCommit
	}

	revs := head
	if since != "" {
		revs = since + ".." + head
	}
	total, err := countCommits(ctx, dir, revs)
	if err != nil {
		return run, err
	}
	commits, err := logCommits(ctx, dir, revs, s.opts.MaxCommits)
	if err != nil {
		return run, err
	}
	rel.Commits = commits
	run.Stats[StatCommits] = total
	run.Stats[StatCommitsTruncated] = max(total-int64(len(commits)), 0)
	return run, nil
}

// branch returns the checked-out branch. With a detached HEAD (the usual
// checkout in GitHub Actions) it falls back to the workflow's variables:
// GITHUB_HEAD_REF (a pull request's source branch), else GITHUB_REF_NAME
// when GITHUB_REF_TYPE is "branch". They are read only when GITHUB_ACTIONS
// is "true", so stale variables in a local shell cannot name a branch.
// Otherwise a detached HEAD has no branch.
func (s *Scanner) branch(ctx context.Context) (name string, fromEnv bool, err error) {
	out, err := git(ctx, s.opts.Dir, "symbolic-ref", "--quiet", "HEAD")
	if err == nil {
		ref := strings.TrimSpace(string(out))
		return strings.TrimPrefix(ref, "refs/heads/"), false, nil
	}
	if exitCode(err) != 1 { // 1 is "HEAD is detached"
		return "", false, fmt.Errorf("read branch: %w", err)
	}
	env := s.opts.Getenv
	if env("GITHUB_ACTIONS") != "true" {
		return "", false, nil
	}
	if b := env("GITHUB_HEAD_REF"); b != "" {
		return b, true, nil
	}
	if env("GITHUB_REF_TYPE") == "branch" {
		if b := env("GITHUB_REF_NAME"); b != "" {
			return b, true, nil
		}
	}
	return "", false, nil
}

// headCommit returns HEAD's commit id, or "" on an unborn branch.
func headCommit(ctx context.Context, dir string) (string, error) {
	out, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	if err != nil {
		if exitCode(err) == 1 {
			return "", nil
		}
		return "", fmt.Errorf("resolve HEAD: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

func countCommits(ctx context.Context, dir, revs string) (int64, error) {
	out, err := git(ctx, dir, "rev-list", "--count", revs, "--")
	if err != nil {
		return 0, fmt.Errorf("count commits: %w", err)
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("count commits: %w", err)
	}
	return n, nil
}

// logFields is the git log format: id, author name, author time (Unix),
// subject and body, each NUL-terminated (-z ends each record with one
// more NUL). A message cannot contain NUL, so fields cannot run together.
const (
	logFormat = "--format=%H%x00%an%x00%at%x00%s%x00%b"
	logFields = 5
)

// logCommits lists up to limit commits of revs, newest first as git log
// orders them.
func logCommits(ctx context.Context, dir, revs string, limit int) ([]engine.Commit, error) {
	out, err := git(ctx, dir, "log", "-z", "--no-color", "--no-show-signature", "--no-decorate",
		"--encoding=UTF-8", "-n", strconv.Itoa(limit), logFormat, revs, "--")
	if err != nil {
		return nil, fmt.Errorf("list commits: %w", err)
	}
	commits, err := parseLog(out)
	if err != nil {
		return nil, fmt.Errorf("list commits: %w", err)
	}
	return commits, nil
}

// parseLog reads the output of logFormat with -z.
func parseLog(out []byte) ([]engine.Commit, error) {
	if len(out) == 0 {
		return nil, nil
	}
	out = bytes.TrimSuffix(out, []byte{0})
	f := bytes.Split(out, []byte{0})
	if len(f)%logFields != 0 {
		return nil, fmt.Errorf("parse git log: %d fields is not a multiple of %d", len(f), logFields)
	}
	commits := make([]engine.Commit, 0, len(f)/logFields)
	for i := 0; i < len(f); i += logFields {
		sha := string(f[i])
		if !isCommitID(sha) {
			return nil, fmt.Errorf("parse git log: bad commit id %q", truncate(sha, 80))
		}
		secs, err := strconv.ParseInt(string(f[i+2]), 10, 64)
		if err != nil {
			return nil, fmt.Errorf("parse git log: commit %s: bad time: %w", sha, err)
		}
		subject := clean(string(f[i+3]))
		conv := ParseCommitMessage(subject, clean(string(f[i+4])))
		commits = append(commits, engine.Commit{
			SHA:      sha,
			Subject:  subject,
			Author:   clean(string(f[i+1])),
			Time:     time.Unix(secs, 0).UTC(),
			Type:     conv.Type,
			Scope:    conv.Scope,
			Breaking: conv.Breaking,
		})
	}
	return commits, nil
}

// isCommitID accepts SHA-1 and SHA-256 object ids.
func isCommitID(s string) bool {
	if len(s) != 40 && len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !('0' <= s[i] && s[i] <= '9' || 'a' <= s[i] && s[i] <= 'f') {
			return false
		}
	}
	return true
}

// clean makes text from a commit valid UTF-8: a message in another
// encoding must not break the JSON document or the policies reading it.
func clean(s string) string { return strings.ToValidUTF8(s, "\uFFFD") }

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}
