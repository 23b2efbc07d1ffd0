package approvals

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/go-github/v62/github"

	"github.com/relgate/relgate/engine"
)

// DefaultAPIURL is github.com's REST API.
const DefaultAPIURL = "https://api.github.com/"

// maxPages bounds every listing: GitHub itself lists at most 3000 files
// of a pull request, 30 pages of 100.
const maxPages = 50

// Errors of the GitHub API, for callers that tell them apart.
var (
	ErrNoToken      = errors.New("no GitHub token")
	ErrUnauthorized = errors.New("GitHub rejected the token (401): it is expired, revoked or mistyped")
	ErrRateLimited  = errors.New("GitHub API rate limit exhausted")
	ErrForbidden    = errors.New("GitHub refused the request (403)")
	ErrNotFound     = errors.New("not found on GitHub (404), or not visible to the token")
)

// target is the pull request (or commit) to read, and how.
type target struct {
	apiURL      string
	owner, repo string
	pr          int
	commit      string
	token       string
}

var repoRE = regexp.MustCompile(`^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$`)

// githubTarget resolves the GitHub source from the options and the GitHub
// Actions environment; nil means the source is off.
func (s *Scanner) githubTarget(ctx context.Context) (*target, error) {
	env := s.opts.Getenv
	inActions := env("GITHUB_ACTIONS") == "true"
	explicit := s.opts.GitHub || s.opts.Repository != "" || s.opts.PullRequest != 0
	if !explicit && !inActions {
		return nil, nil
	}
	eventPR := 0
	if p := env("GITHUB_EVENT_PATH"); p != "" {
		n, err := prFromEvent(p)
		if err != nil {
			return nil, err
		}
		eventPR = n
	}
	// In Actions without configuration, only a pull request event with a
	// token turns the source on: a push has no review to read unless asked
	// for, and a workflow that passes no token has not opted in.
	if !explicit && (eventPR == 0 || cmpOr(s.opts.Token, env("GITHUB_TOKEN"), env("GH_TOKEN")) == "") {
		if eventPR != 0 {
			slog.Info("approvals: pull request event without GITHUB_TOKEN: reviews not read")
		}
		return nil, nil
	}
	t := &target{pr: s.opts.PullRequest}
	if t.pr == 0 {
		t.pr = eventPR
	}
	repo := s.opts.Repository
	if repo == "" {
		repo = env("GITHUB_REPOSITORY")
	}
	if repo == "" {
		return nil, errors.New("read pull request: no repository: pass --github-repo OWNER/NAME or set GITHUB_REPOSITORY")
	}
	if !repoRE.MatchString(repo) {
		return nil, fmt.Errorf("read pull request: repository %q is not OWNER/NAME", repo)
	}
	t.owner, t.repo, _ = strings.Cut(repo, "/")
	t.token = cmpOr(s.opts.Token, env("GITHUB_TOKEN"), env("GH_TOKEN"))
	if t.token == "" {
		return nil, fmt.Errorf("read pull request of %s: %w: set GITHUB_TOKEN (in a workflow: env GITHUB_TOKEN: ${{ secrets.GITHUB_TOKEN }} with permissions pull-requests: read)", repo, ErrNoToken)
	}
	t.apiURL = cmpOr(s.opts.APIURL, env("GITHUB_API_URL"), DefaultAPIURL)
	if !strings.HasSuffix(t.apiURL, "/") {
		t.apiURL += "/"
	}
	if u, err := url.Parse(t.apiURL); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return nil, fmt.Errorf("read pull request: API URL %q is not an http(s) URL", t.apiURL)
	}
	if t.pr == 0 {
		t.commit = cmpOr(s.opts.Commit, env("GITHUB_SHA"))
		if t.commit == "" {
			out, err := exec.CommandContext(ctx, "git", "-C", s.opts.Dir, "rev-parse", "--verify", "HEAD^{commit}").Output()
			if err != nil {
				return nil, fmt.Errorf("read pull request: no pull request number and no commit to look one up (pass --github-pr N): %w", err)
			}
			t.commit = strings.TrimSpace(string(out))
		}
	}
	return t, nil
}

// prFromEvent reads the pull request number of a GitHub Actions event, 0
// for events without one.
func prFromEvent(path string) (int, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return 0, fmt.Errorf("read GitHub event %s: %w", path, unwrapPath(err))
	}
	var ev struct {
		PullRequest *struct {
			Number int `json:"number"`
		} `json:"pull_request"`
	}
	if err := json.Unmarshal(data, &ev); err != nil {
		return 0, fmt.Errorf("parse GitHub event %s: %w", path, err)
	}
	if ev.PullRequest == nil {
		return 0, nil
	}
	return ev.PullRequest.Number, nil
}

// client is one scan's GitHub client.
type client struct {
	gh      *github.Client
	counter *atomic.Int64
	files   []string
	ticket  *regexp.Regexp
}

func (s *Scanner) client(t *target) (*client, error) {
	hc := s.opts.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	counted := *hc
	counter := new(atomic.Int64)
	base := counted.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	counted.Transport = countingTransport{base: base, n: counter}
	gh := github.NewClient(&counted).WithAuthToken(t.token)
	u, err := url.Parse(t.apiURL)
	if err != nil {
		return nil, fmt.Errorf("parse API URL: %w", err)
	}
	gh.BaseURL = u
	c := &client{gh: gh, counter: counter}
	if s.opts.TicketPattern != "" {
		if c.ticket, err = regexp.Compile(s.opts.TicketPattern); err != nil {
			return nil, fmt.Errorf("compile ticket pattern: %w", err)
		}
	}
	return c, nil
}

type countingTransport struct {
	base http.RoundTripper
	n    *atomic.Int64
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n.Add(1)
	return c.base.RoundTrip(r)
}

// gather reads the pull request's facts into a.
func (c *client) gather(ctx context.Context, t *target, a *engine.Approvals) error {
	a.Sources = append(a.Sources, SourceGitHub)
	a.Repository = t.owner + "/" + t.repo
	if t.pr == 0 {
		a.Commit = t.commit
		n, err := c.findPR(ctx, t)
		if err != nil || n == 0 {
			return err // no pull request: the commit was pushed unreviewed
		}
		t.pr = n
	}
	what := fmt.Sprintf("pull request %s#%d", a.Repository, t.pr)
	pr, _, err := c.gh.PullRequests.Get(ctx, t.owner, t.repo, t.pr)
	if err != nil {
		return apiError("read "+what, err)
	}
	a.PullRequest = t.pr
	a.URL = pr.GetHTMLURL()
	a.Author = pr.GetUser().GetLogin()
	a.HeadBranch, a.BaseBranch = pr.GetHead().GetRef(), pr.GetBase().GetRef()
	a.HeadSHA = pr.GetHead().GetSHA()
	if a.ChangeTicket == "" && c.ticket != nil {
		for _, text := range []string{pr.GetTitle(), a.HeadBranch, pr.GetBody()} {
			if m := c.ticket.FindString(text); m != "" {
				a.ChangeTicket = m
				break
			}
		}
	}
	for _, u := range pr.RequestedReviewers {
		a.RequestedReviewers = append(a.RequestedReviewers, "@"+u.GetLogin())
	}
	for _, tm := range pr.RequestedTeams {
		a.RequestedReviewers = append(a.RequestedReviewers, "@"+t.owner+"/"+tm.GetSlug())
	}

	reviews, err := paginate(ctx, func(o *github.ListOptions) ([]*github.PullRequestReview, *github.Response, error) {
		return c.gh.PullRequests.ListReviews(ctx, t.owner, t.repo, t.pr, o)
	})
	if err != nil {
		return apiError("list reviews of "+what, err)
	}
	for _, r := range reviews {
		if r.GetState() == "PENDING" || r.SubmittedAt == nil {
			continue // a draft review, visible only to its author
		}
		a.Reviews = append(a.Reviews, engine.Review{
			User: r.GetUser().GetLogin(), State: r.GetState(), At: r.GetSubmittedAt().UTC(),
			CommitID: r.GetCommitID(), Source: SourceGitHub,
		})
	}

	if a.HeadSHA != "" {
		commit, _, err := c.gh.Git.GetCommit(ctx, t.owner, t.repo, a.HeadSHA)
		switch {
		case err == nil && commit.GetCommitter().Date != nil:
			at := commit.GetCommitter().GetDate().UTC()
			a.LastPushAt = &at
		case err != nil && !isStatus(err, http.StatusNotFound):
			return apiError("read head commit of "+what, err)
		}
	}

	files, err := paginate(ctx, func(o *github.ListOptions) ([]*github.CommitFile, *github.Response, error) {
		return c.gh.PullRequests.ListFiles(ctx, t.owner, t.repo, t.pr, o)
	})
	if err != nil {
		return apiError("list files of "+what, err)
	}
	for _, f := range files {
		c.files = append(c.files, f.GetFilename())
	}
	a.ChangedFiles = len(files)

	// Branch protection needs admin rights to read; without them the
	// required count is unknown (0), which is a fact, not an error.
	if a.BaseBranch != "" {
		p, _, err := c.gh.Repositories.GetPullRequestReviewEnforcement(ctx, t.owner, t.repo, a.BaseBranch)
		switch {
		case err == nil:
			a.Required = p.RequiredApprovingReviewCount
		case isStatus(err, http.StatusNotFound), isStatus(err, http.StatusForbidden) && !isRateLimit(err):
		default:
			return apiError("read branch protection of "+a.BaseBranch, err)
		}
	}
	return nil
}

// findPR returns the pull request that brought the commit in: the merged
// one whose merge commit it is, else the first merged, else the first open.
func (c *client) findPR(ctx context.Context, t *target) (int, error) {
	prs, err := paginate(ctx, func(o *github.ListOptions) ([]*github.PullRequest, *github.Response, error) {
		return c.gh.PullRequests.ListPullRequestsWithCommit(ctx, t.owner, t.repo, t.commit, o)
	})
	if err != nil {
		return 0, apiError(fmt.Sprintf("find the pull request of commit %s", short(t.commit)), err)
	}
	best := 0
	for _, pr := range prs {
		switch {
		case pr.MergedAt != nil && pr.GetMergeCommitSHA() == t.commit:
			return pr.GetNumber(), nil
		case pr.MergedAt != nil && best == 0:
			best = pr.GetNumber()
		}
	}
	if best == 0 && len(prs) > 0 {
		best = prs[0].GetNumber()
	}
	return best, nil
}

// teams reads the members of every team owning a changed file.
func (c *client) teams(ctx context.Context, a *engine.Approvals) error {
	for _, co := range a.CodeOwners {
		for _, o := range co.Owners {
			org, slug, ok := strings.Cut(strings.TrimPrefix(o, "@"), "/")
			if !ok || !strings.HasPrefix(o, "@") {
				continue
			}
			if _, done := a.Teams[o]; done {
				continue
			}
			if a.Teams == nil {
				a.Teams = map[string]engine.Team{}
			}
			users, err := paginate(ctx, func(lo *github.ListOptions) ([]*github.User, *github.Response, error) {
				return c.gh.Teams.ListTeamMembersBySlug(ctx, org, slug, &github.TeamListTeamMembersOptions{ListOptions: *lo})
			})
			team := engine.Team{Members: []string{}}
			switch {
			case err == nil:
				for _, u := range users {
					team.Members = append(team.Members, u.GetLogin())
				}
			case isStatus(err, http.StatusNotFound), isStatus(err, http.StatusForbidden) && !isRateLimit(err):
				// The default workflow token cannot read organisation teams.
				team.Error = fmt.Sprintf("members of %s not readable with this token (%d): grant it read:org", o, statusOf(err))
			default:
				return apiError("list members of "+o, err)
			}
			a.Teams[o] = team
		}
	}
	return nil
}

// paginate follows GitHub's Link headers, 100 items a page.
func paginate[T any](ctx context.Context, fetch func(*github.ListOptions) ([]T, *github.Response, error)) ([]T, error) {
	var all []T
	opts := &github.ListOptions{PerPage: 100}
	for range maxPages {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		items, resp, err := fetch(opts)
		if err != nil {
			return nil, err
		}
		all = append(all, items...)
		if resp == nil || resp.NextPage == 0 {
			return all, nil
		}
		opts.Page = resp.NextPage
	}
	return all, nil
}

// apiError says what went wrong in terms a user can act on. GitHub's own
// message is kept; the token never appears in either.
func apiError(what string, err error) error {
	var rl *github.RateLimitError
	var ab *github.AbuseRateLimitError
	switch {
	case errors.As(err, &rl):
		return fmt.Errorf("%s: %w (%d requests an hour); it resets at %s", what, ErrRateLimited,
			rl.Rate.Limit, rl.Rate.Reset.UTC().Format(time.RFC3339))
	case errors.As(err, &ab):
		retry := "later"
		if ab.RetryAfter != nil {
			retry = "in " + ab.RetryAfter.String()
		}
		return fmt.Errorf("%s: %w (secondary limit: %s); retry %s", what, ErrRateLimited, ab.Message, retry)
	}
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		switch er.Response.StatusCode {
		case http.StatusUnauthorized:
			return fmt.Errorf("%s: %w", what, ErrUnauthorized)
		case http.StatusForbidden:
			return fmt.Errorf("%s: %w: %s (the token needs pull-requests: read and contents: read)", what, ErrForbidden, er.Message)
		case http.StatusNotFound:
			return fmt.Errorf("%s: %w", what, ErrNotFound)
		}
		return fmt.Errorf("%s: GitHub answered %d: %s", what, er.Response.StatusCode, er.Message)
	}
	return fmt.Errorf("%s: %w", what, err)
}

func statusOf(err error) int {
	var er *github.ErrorResponse
	if errors.As(err, &er) && er.Response != nil {
		return er.Response.StatusCode
	}
	return 0
}

func isStatus(err error, code int) bool { return statusOf(err) == code }

func isRateLimit(err error) bool {
	var rl *github.RateLimitError
	var ab *github.AbuseRateLimitError
	return errors.As(err, &rl) || errors.As(err, &ab)
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}

func cmpOr(vals ...string) string {
	for _, v := range vals {
		if v != "" {
			return v
		}
	}
	return ""
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
