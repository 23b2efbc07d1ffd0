// Package approvals gathers who approved the change being released: the
// reviews of its GitHub pull request (through the REST API with go-github:
// author, reviews with state, time and commit, the head commit's time,
// requested reviewers, branch protection's required count, and the
// CODEOWNERS of every changed file), and a change record file for teams
// not on GitHub (ticket, approvers with time, risk, rollback plan).
//
// It judges nothing: which approvals count (not the author's, not older
// than the last push) and how many are needed is for
// policies/rules/approvals.rego. The GitHub token is only ever sent to the
// API; no message, log or fact carries it.
package approvals

import (
	"cmp"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/relgate/relgate/engine"
)

// Sources of approval facts.
const (
	SourceGitHub       = "github"
	SourceChangeRecord = "change-record"
)

// Options say where the approvals are.
type Options struct {
	// Dir is the repository root: the change record's path and CODEOWNERS
	// are relative to it.
	Dir string
	// ChangeRecord is a change record file (YAML).
	ChangeRecord string
	// GitHub turns the GitHub source on explicitly (a flag or the config).
	// Without it, the source is on only inside a GitHub Actions run for a
	// pull request event.
	GitHub bool
	// Repository (owner/name) and PullRequest default to the GitHub
	// Actions environment (GITHUB_REPOSITORY, the event at
	// GITHUB_EVENT_PATH). Without a pull request, the one containing Commit
	// (default GITHUB_SHA, else HEAD) is looked up.
	Repository  string
	PullRequest int
	Commit      string
	// APIURL defaults to GITHUB_API_URL, else https://api.github.com/.
	APIURL string
	// Token defaults to GITHUB_TOKEN, else GH_TOKEN.
	Token string
	// TicketPattern is a regular expression for change tickets (e.g.
	// `\b(?:SHOP|OPS)-[0-9]+\b`): the first match in the pull request's
	// title, head branch or body is its change ticket, unless a change
	// record names one.
	TicketPattern string
	// CodeOwners is the CODEOWNERS file, relative to Dir; empty means
	// GitHub's search order (.github/, the root, docs/).
	CodeOwners string
	// HTTPClient defaults to a client with a 30 s timeout.
	HTTPClient *http.Client
	// Getenv defaults to os.Getenv.
	Getenv func(string) string
}

// Scanner gathers approval facts.
type Scanner struct{ opts Options }

// New returns an approvals scanner.
func New(opts Options) *Scanner {
	if opts.Dir == "" {
		opts.Dir = "."
	}
	if opts.Getenv == nil {
		opts.Getenv = os.Getenv
	}
	return &Scanner{opts: opts}
}

// Stats keys of the run record.
const (
	StatAPIRequests = "api_requests"
	StatReviews     = "reviews"
	StatFiles       = "changed_files"
)

// Scan fills out.Approvals from the change record and the pull request.
// With neither configured the run is skipped.
func (s *Scanner) Scan(ctx context.Context, out *engine.Input) (engine.ScannerRun, error) {
	run := engine.ScannerRun{Stats: map[string]int64{}}
	gh, err := s.githubTarget(ctx)
	if err != nil {
		return run, err
	}
	if s.opts.ChangeRecord == "" && gh == nil {
		run.Status, run.Reason = engine.StatusSkipped, engine.ReasonNoApprovals
		return run, nil
	}
	a := &engine.Approvals{Sources: []string{}, Reviews: []engine.Review{}}
	if s.opts.ChangeRecord != "" {
		path := s.opts.ChangeRecord
		if !filepath.IsAbs(path) {
			path = filepath.Join(s.opts.Dir, path)
		}
		rec, err := readChangeRecord(path)
		if err != nil {
			return run, err
		}
		rec.apply(a)
		a.Location = engine.Location{Path: relPath(s.opts.Dir, path)}
	}
	if gh != nil {
		run.Database = gh.apiURL
		c, err := s.client(gh)
		if err != nil {
			return run, err
		}
		err = c.gather(ctx, gh, a)
		if err == nil {
			err = s.codeOwners(a, c)
		}
		if err == nil {
			err = c.teams(ctx, a)
		}
		run.Stats[StatAPIRequests] = c.counter.Load()
		if err != nil {
			return run, err
		}
	}
	normalise(a)
	run.Stats[StatReviews] = int64(len(a.Reviews))
	run.Stats[StatFiles] = int64(a.ChangedFiles)
	out.Approvals = a
	return run, nil
}

// codeOwners maps the changed files onto the CODEOWNERS file, if there is one.
func (s *Scanner) codeOwners(a *engine.Approvals, c *client) error {
	path, err := findCodeOwners(s.opts.Dir, s.opts.CodeOwners)
	if err != nil || path == "" {
		return err
	}
	co, err := readCodeOwners(path)
	if err != nil {
		return err
	}
	a.CodeOwnersFile = relPath(s.opts.Dir, path)
	for _, f := range c.files {
		owners, line := co.owners(f)
		a.CodeOwners = append(a.CodeOwners, engine.CodeOwnership{Path: f, Owners: owners, Line: line})
	}
	return nil
}

// normalise sorts every list so the same approvals give the same bytes.
func normalise(a *engine.Approvals) {
	slices.Sort(a.Sources)
	a.Sources = slices.Compact(a.Sources)
	slices.SortStableFunc(a.Reviews, func(x, y engine.Review) int {
		return cmp.Or(x.At.Compare(y.At), cmp.Compare(x.Source, y.Source), cmp.Compare(x.User, y.User), cmp.Compare(x.State, y.State))
	})
	slices.Sort(a.Approvers)
	a.Approvers = slices.Compact(a.Approvers)
	slices.Sort(a.RequestedReviewers)
	slices.SortFunc(a.CodeOwners, func(x, y engine.CodeOwnership) int { return cmp.Compare(x.Path, y.Path) })
	for i := range a.CodeOwners {
		if a.CodeOwners[i].Owners == nil {
			a.CodeOwners[i].Owners = []string{}
		}
	}
	for k, t := range a.Teams {
		slices.Sort(t.Members)
		if t.Members == nil {
			t.Members = []string{}
		}
		a.Teams[k] = t
	}
}

// relPath is path relative to dir with forward slashes, or the path itself
// when it lies outside.
func relPath(dir, path string) string {
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return filepath.ToSlash(path)
	}
	r, err := filepath.Rel(d, p)
	if err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(r)
}
