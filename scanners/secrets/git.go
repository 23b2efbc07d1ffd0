package secrets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/gitleaks/go-gitdiff/gitdiff"
	"github.com/mholt/archives"
	"github.com/zricethezav/gitleaks/v8/cmd/scm"
	"github.com/zricethezav/gitleaks/v8/sources"
	"golang.org/x/sync/errgroup"

	"github.com/relgate/relgate/internal/gitsafe"
)

// checkGit verifies, before any scan, what the mode needs from git: for
// --staged and --base a git work tree (and a base that is a commit); for a
// tree scan with history, only whether there is history to scan.
func (s *Scanner) checkGit(ctx context.Context) error {
	needsRepo := s.opts.Staged || s.opts.Base != ""
	flag := "--staged"
	if !s.opts.Staged {
		flag = "--base"
	}
	if _, err := exec.LookPath("git"); err != nil {
		switch {
		case needsRepo:
			return usagef("%s needs git: %v", flag, errGitMissing)
		case s.opts.History != HistoryNone && hasDotGit(s.dir):
			return usagef("scanning the history of %s needs git: %v (set secrets.history: none to scan only the working tree)", s.dir, errGitMissing)
		}
		return nil
	}
	if _, err := s.git(ctx, "rev-parse", "--is-inside-work-tree"); err != nil {
		if needsRepo {
			return usagef("%s needs a git repository: %s is not in one", flag, s.opts.Dir)
		}
		return nil
	}
	if s.opts.Staged {
		return nil
	}
	if _, err := s.git(ctx, "rev-parse", "--verify", "--quiet", "HEAD^{commit}"); err != nil {
		if s.opts.Base != "" {
			return usagef("--base needs a commit to compare with: %s has no commits", s.opts.Dir)
		}
		return nil
	}
	s.repo = true
	if s.opts.Base != "" {
		sha, err := s.git(ctx, "rev-parse", "--verify", "--quiet", "--end-of-options", s.opts.Base+"^{commit}")
		if err != nil || sha == "" {
			return usagef("--base %s: no such commit in %s", s.opts.Base, s.opts.Dir)
		}
		s.base = sha
	}
	return nil
}

// hasDotGit reports whether dir or one of its parents holds a .git entry.
func hasDotGit(dir string) bool {
	for {
		if _, err := os.Lstat(filepath.Join(dir, ".git")); err == nil {
			return true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return false
		}
		dir = parent
	}
}

// git runs a git command in the target and returns its trimmed output. Its
// error carries git's standard error, which names refs and paths only.
func (s *Scanner) git(ctx context.Context, args ...string) (string, error) {
	if err := gitsafe.Harden(ctx, s.dir); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", s.dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return strings.TrimSpace(stdout.String()), nil
}

var noRemote = &sources.RemoteInfo{Platform: scm.NoPlatform}

// scanStaged scans what `git diff --staged` adds: the pre-commit path.
func (s *Scanner) scanStaged(ctx context.Context, c *collector) error {
	cmd, err := sources.NewGitDiffCmdContext(ctx, s.dir, true)
	if err != nil {
		return fmt.Errorf("run git diff --staged: %w", err)
	}
	return s.scanGit(ctx, c, cmd, func(string) string { return WhereChange })
}

// scanRange scans the commits of the change (Base..HEAD) and of the
// history setting, with one `git log -p` over their union; each finding is
// "change" when its commit is in Base..HEAD and "history" otherwise.
func (s *Scanner) scanRange(ctx context.Context, c *collector) error {
	if !s.repo {
		return nil
	}
	opts, err := s.logOpts(ctx)
	if err != nil || opts == nil {
		return err
	}
	change := map[string]bool{}
	if s.base != "" {
		out, err := s.git(ctx, "rev-list", s.base+"..HEAD")
		if err != nil {
			return fmt.Errorf("list the commits of the change: %w", err)
		}
		for _, sha := range strings.Fields(out) {
			change[sha] = true
		}
	}
	logOpts := strings.Join(opts, " ")
	slog.Debug("scanning git history", "log_opts", logOpts, "change_commits", len(change))
	cmd, err := sources.NewGitLogCmdContext(ctx, s.dir, logOpts)
	if err != nil {
		return fmt.Errorf("run git log: %w", err)
	}
	return s.scanGit(ctx, c, cmd, func(sha string) string {
		if change[sha] {
			return WhereChange
		}
		return WhereHistory
	})
}

// logOpts are the `git log` arguments (gitleaks' --log-opts) covering the
// change and the history setting; nil when there is nothing to scan. Refs
// are passed resolved, so nothing the user typed reaches git's options.
func (s *Scanner) logOpts(ctx context.Context) ([]string, error) {
	switch s.opts.History {
	case HistoryAll:
		// gitleaks' own default: every commit of every ref.
		return []string{"--full-history", "--all", "--diff-filter=tuxdb"}, nil
	case HistoryNone:
		if s.base == "" {
			return nil, nil
		}
		return []string{s.base + "..HEAD"}, nil
	}
	tag, err := s.previousTag(ctx)
	if err != nil {
		return nil, err
	}
	switch {
	case tag == "":
		return []string{"HEAD"}, nil
	case s.base == "":
		return []string{tag + "..HEAD"}, nil
	}
	// The union of tag..HEAD and base..HEAD: HEAD less what both the tag
	// and the base reach.
	out, err := s.git(ctx, "merge-base", "--all", tag, s.base)
	if err != nil {
		if out == "" {
			return []string{"HEAD"}, nil // unrelated histories
		}
		return nil, fmt.Errorf("find the merge base of the last tag and --base: %w", err)
	}
	return append([]string{"HEAD", "--not"}, strings.Fields(out)...), nil
}

// previousTag is the commit of the tag before the release: the nearest tag
// reachable from HEAD, or from HEAD's first parent when HEAD itself is
// tagged (a release being gated from its own tag). Empty when there is none.
func (s *Scanner) previousTag(ctx context.Context) (string, error) {
	from := "HEAD"
	if at, _ := s.git(ctx, "tag", "--points-at", "HEAD"); at != "" {
		if _, err := s.git(ctx, "rev-parse", "--verify", "--quiet", "HEAD^"); err != nil {
			return "", nil // a tagged root commit: nothing before it
		}
		from = "HEAD^"
	}
	tag, err := s.git(ctx, "describe", "--tags", "--abbrev=0", from)
	if err != nil || tag == "" {
		return "", nil // no tag
	}
	return s.git(ctx, "rev-parse", "--verify", "--end-of-options", "refs/tags/"+tag+"^{commit}")
}

// scanGit reads a `git log -p` / `git diff` as gitleaks' git source does,
// but counts the files it passes over (binary, over the size limit,
// archives it may not open) and fails on an error from git instead of
// logging it: a scan that did not see everything is not reported as one
// that did.
func (s *Scanner) scanGit(ctx context.Context, c *collector, cmd *sources.GitCmd, where func(sha string) string) (err error) {
	files, errs := cmd.DiffFilesCh(), cmd.ErrCh()
	defer func() {
		// Drain what is left so that the parser and git can exit.
		go func() {
			for range files {
			}
		}()
		if werr := cmd.Wait(); werr != nil && err == nil && ctx.Err() == nil {
			err = fmt.Errorf("git: %w", werr)
		}
	}()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(workers)
	var gitErr error
	for files != nil || errs != nil {
		select {
		case <-ctx.Done():
			_ = g.Wait()
			return ctx.Err()
		case f, ok := <-files:
			if !ok {
				files = nil
				continue
			}
			if f.IsDelete {
				continue
			}
			if err := s.gitFile(gctx, c, g, cmd, f, where); err != nil {
				_ = g.Wait()
				return err
			}
		case e, ok := <-errs:
			if !ok {
				errs = nil
				continue
			}
			gitErr = e
		}
	}
	if err := g.Wait(); err != nil {
		return err
	}
	if gitErr != nil {
		msg := gitStderr.takeGitLines()
		if msg == "" {
			msg = gitErr.Error()
		}
		return fmt.Errorf("read git history: %s", msg)
	}
	return nil
}

// gitFile schedules the scan of one file of one commit (or of the index).
func (s *Scanner) gitFile(ctx context.Context, c *collector, g *errgroup.Group, cmd *sources.GitCmd, f *gitdiff.File, where func(string) string) error {
	var sha string
	var info *sources.CommitInfo
	if h := f.PatchHeader; h != nil {
		sha = h.SHA
		info = &sources.CommitInfo{
			Date:    h.AuthorDate.UTC().Format("2006-01-02T15:04:05Z07:00"),
			Message: h.Message(),
			SHA:     sha,
			// No links to a forge: relgate reports paths and commits.
			Remote: noRemote,
		}
		if h.Author != nil {
			info.AuthorName, info.AuthorEmail = h.Author.Name, h.Author.Email
		}
	}
	at := where(sha)
	if s.opts.Skip.File(f.NewName) {
		c.count(statSkipped)
		return nil
	}
	if f.IsBinary {
		format, _, err := archives.Identify(ctx, f.NewName, nil)
		if err != nil || format == nil {
			c.count(statBinary)
			return nil
		}
		if s.opts.Archives == 0 || sha == "" {
			// The staged index has no commit to read the blob from.
			c.count(statArchive)
			return nil
		}
		g.Go(func() error { return s.gitArchive(ctx, c, cmd, f.NewName, sha, info, at) })
		return nil
	}
	raws := make([]string, len(f.TextFragments))
	var size int64
	for i, tf := range f.TextFragments {
		if tf != nil {
			raws[i] = tf.Raw(gitdiff.OpAdd)
			size += int64(len(raws[i]))
		}
	}
	if s.maxSize > 0 && size > s.maxSize {
		c.count(statSize)
		slog.Debug("skipping a change over the size limit", "path", cleanPath(f.NewName), "commit", sha, "size", size, "limit", s.maxSize)
		return nil
	}
	if sha == "" {
		c.count(statFiles)
	}
	g.Go(func() error {
		for i, tf := range f.TextFragments {
			if tf == nil {
				break
			}
			c.fragment(ctx, sources.Fragment{
				CommitSHA:  sha,
				FilePath:   f.NewName,
				Raw:        raws[i],
				StartLine:  int(tf.NewPosition),
				CommitInfo: info,
			}, at)
		}
		return nil
	})
	return nil
}

// gitArchive scans an archive added in a commit, read from its blob.
func (s *Scanner) gitArchive(ctx context.Context, c *collector, cmd *sources.GitCmd, name, sha string, info *sources.CommitInfo, at string) error {
	blob, err := cmd.NewBlobReaderContext(ctx, sha, name)
	if err != nil {
		return fmt.Errorf("read %s at %s: %w", cleanPath(name), sha, err)
	}
	file := sources.File{Content: blob, Path: name, Config: &s.cfg, MaxArchiveDepth: s.opts.Archives}
	err = file.Fragments(ctx, func(fr sources.Fragment, err error) error {
		if err != nil {
			c.count(statUnreadable)
			slog.Warn("cannot read an archive in the history", "path", cleanPath(name), "commit", sha, "error", err)
			return nil
		}
		fr.CommitSHA, fr.CommitInfo = sha, info
		c.fragment(ctx, fr, at)
		return nil
	})
	if cerr := blob.Close(); err == nil && cerr != nil && !errors.Is(cerr, context.Canceled) {
		slog.Debug("closing an archive blob", "path", cleanPath(name), "error", cerr)
	}
	return err
}
