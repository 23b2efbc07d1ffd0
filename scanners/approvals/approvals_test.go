package approvals

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/gittest"
)

const codeOwnersFile = `# Owners of the shop.
*               @acme/platform
/cart/          @alice @carol
payments/       @acme/payments
docs/*
*.md            @carol @acme/writers  # docs are reviewed by writing
`

// repoDir is a checkout with a CODEOWNERS file.
func repoDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ".github", "CODEOWNERS"), codeOwnersFile)
	return dir
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func scan(t *testing.T, o Options) (*engine.Approvals, engine.ScannerRun, error) {
	t.Helper()
	if o.Getenv == nil {
		o.Getenv = envOf(nil)
	}
	in := engine.NewInput()
	run, err := New(o).Scan(context.Background(), in)
	if err == nil {
		if _, err := in.Canonical(); err != nil {
			t.Fatal(err)
		}
	}
	return in.Approvals, run, err
}

func TestPullRequestFacts(t *testing.T) {
	gh := newGitHub(t, nil)
	a, run, err := scan(t, Options{Dir: repoDir(t), Repository: "acme/shop", PullRequest: 42, APIURL: gh.URL, Token: fakeToken})
	if err != nil {
		t.Fatal(err)
	}
	var reviews []string
	for _, r := range a.Reviews {
		reviews = append(reviews, fmt.Sprintf("%s %s %s %.7s %s", r.At.Format(time.RFC3339), r.User, r.State, r.CommitID, r.Source))
	}
	want := []string{
		"2026-11-18T15:02:10Z alice APPROVED 0ddba11 github",
		"2026-11-18T16:30:00Z bob CHANGES_REQUESTED 0ddba11 github",
		"2026-11-19T09:00:00Z dave COMMENTED c0ffee1 github",
		"2026-11-19T11:15:00Z Bob APPROVED c0ffee1 github",
		"2026-11-19T12:00:00Z carol COMMENTED c0ffee1 github",
	}
	if strings.Join(reviews, "\n") != strings.Join(want, "\n") {
		t.Errorf("reviews (pending erin left out, three pages read):\n%s\nwant:\n%s", strings.Join(reviews, "\n"), strings.Join(want, "\n"))
	}
	checks := map[string][2]any{
		"sources":   {strings.Join(a.Sources, ","), "github"},
		"repo":      {a.Repository, "acme/shop"},
		"pr":        {a.PullRequest, 42},
		"url":       {a.URL, "https://github.com/acme/shop/pull/42"},
		"author":    {a.Author, "dave"},
		"head":      {a.HeadBranch, "feature/group-discounts"},
		"base":      {a.BaseBranch, "main"},
		"sha":       {a.HeadSHA, "c0ffee1234567890abcdef1234567890abcdef12"},
		"push":      {a.LastPushAt.Format(time.RFC3339), "2026-11-19T08:58:02Z"},
		"required":  {a.Required, 2},
		"requested": {strings.Join(a.RequestedReviewers, ","), "@acme/security,@grace"},
		"files":     {a.ChangedFiles, 3},
		"owners":    {a.CodeOwnersFile, ".github/CODEOWNERS"},
		"api":       {run.Database, gh.URL + "/"},
	}
	for name, c := range checks {
		if fmt.Sprint(c[0]) != fmt.Sprint(c[1]) {
			t.Errorf("%s = %v, want %v", name, c[0], c[1])
		}
	}
	var owners []string
	for _, co := range a.CodeOwners {
		owners = append(owners, fmt.Sprintf("%s %v %d", co.Path, co.Owners, co.Line))
	}
	wantOwners := "cart/discount.go [@alice @carol] 3\ndocs/discounts.md [@carol @acme/writers] 6\npayments/charge.go [@acme/payments] 4"
	if got := strings.Join(owners, "\n"); got != wantOwners {
		t.Errorf("code owners:\n%s\nwant:\n%s", got, wantOwners)
	}
	if m := a.Teams["@acme/payments"]; strings.Join(m.Members, ",") != "bob,frank" || m.Error != "" {
		t.Errorf("payments team = %+v", m)
	}
	if m := a.Teams["@acme/writers"]; len(m.Members) != 0 || !strings.Contains(m.Error, "not readable with this token (404)") {
		t.Errorf("writers team = %+v", m)
	}
	if _, ok := a.Teams["@acme/platform"]; ok {
		t.Error("a team owning no changed file was looked up")
	}
	if n := gh.hitCount("/repos/acme/shop/pulls/42/reviews"); n != 3 {
		t.Errorf("read %d pages of reviews, want 3", n)
	}
	if run.Stats[StatAPIRequests] != 10 || run.Stats[StatReviews] != 5 || run.Stats[StatFiles] != 3 {
		t.Errorf("stats = %v", run.Stats)
	}
}

func TestPullRequestFromActionsEvent(t *testing.T) {
	gh := newGitHub(t, nil)
	event := writeFile(t, filepath.Join(t.TempDir(), "event.json"), `{"action":"synchronize","number":42,"pull_request":{"number":42,"head":{"ref":"feature/group-discounts"}}}`)
	env := map[string]string{
		"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_EVENT_PATH": event,
		"GITHUB_TOKEN": fakeToken, "GITHUB_API_URL": gh.URL,
	}
	a, _, err := scan(t, Options{Dir: repoDir(t), Getenv: envOf(env)})
	if err != nil {
		t.Fatal(err)
	}
	if a.PullRequest != 42 || a.Author != "dave" || len(a.Reviews) != 5 {
		t.Fatalf("pr %d author %s reviews %d", a.PullRequest, a.Author, len(a.Reviews))
	}
}

func TestPullRequestEventWithoutTokenIsSkipped(t *testing.T) {
	event := writeFile(t, filepath.Join(t.TempDir(), "event.json"), `{"pull_request":{"number":42}}`)
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_EVENT_PATH": event}
	a, run, err := scan(t, Options{Dir: t.TempDir(), Getenv: envOf(env)})
	if err != nil || run.Status != engine.StatusSkipped || a != nil {
		t.Fatalf("err %v status %s approvals %v", err, run.Status, a)
	}
}

func TestPushEventWithoutConfigIsSkipped(t *testing.T) {
	event := writeFile(t, filepath.Join(t.TempDir(), "event.json"), `{"ref":"refs/heads/main","after":"9f1c2ab7e3d0c4b5a6f7e8d9c0b1a2f3e4d5c6b7"}`)
	env := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_EVENT_PATH": event}
	a, run, err := scan(t, Options{Dir: t.TempDir(), Getenv: envOf(env)})
	if err != nil || run.Status != engine.StatusSkipped || a != nil {
		t.Fatalf("err %v status %s approvals %v", err, run.Status, a)
	}
}

func TestPullRequestOfMergedCommit(t *testing.T) {
	gh := newGitHub(t, nil)
	env := map[string]string{"GITHUB_SHA": "9f1c2ab7e3d0c4b5a6f7e8d9c0b1a2f3e4d5c6b7", "GITHUB_REPOSITORY": "acme/shop", "GITHUB_TOKEN": fakeToken}
	a, _, err := scan(t, Options{Dir: repoDir(t), GitHub: true, APIURL: gh.URL, Getenv: envOf(env)})
	if err != nil {
		t.Fatal(err)
	}
	if a.PullRequest != 42 || a.Commit != env["GITHUB_SHA"] {
		t.Fatalf("found pr %d for commit %s", a.PullRequest, a.Commit)
	}
}

func TestCommitPushedWithoutPullRequest(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	r.Write("main.go", "package main\n")
	r.Commit("fix: direct push")
	// The commit is looked up from HEAD of the local repository.
	gh := newGitHub(t, map[string]reply{"/repos/acme/shop/commits/" + r.Head() + "/pulls": {pages: []string{""}}})
	a, _, err := scan(t, Options{Dir: r.Dir, GitHub: true, Repository: "acme/shop", APIURL: gh.URL, Token: fakeToken})
	if err != nil {
		t.Fatal(err)
	}
	if a.PullRequest != 0 || a.Commit != r.Head() || len(a.Reviews) != 0 || strings.Join(a.Sources, ",") != "github" {
		t.Fatalf("approvals = %+v", a)
	}
}

func TestGitHubErrors(t *testing.T) {
	reset := time.Unix(1795000000, 0).UTC().Format(time.RFC3339)
	tests := []struct {
		name      string
		overrides map[string]reply
		opts      Options
		sentinel  error
		want      string
	}{
		{"expired token", nil, Options{Token: "ghs_expiredTokenMadeUpForTheTest00000000"}, ErrUnauthorized,
			"read pull request acme/shop#42: GitHub rejected the token (401)"},
		{"rate limited", map[string]reply{"/repos/acme/shop/pulls/42/reviews": {status: 403, file: "error-403-rate-limit.json",
			headers: map[string]string{"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "1795000000"}}}, Options{}, ErrRateLimited,
			"list reviews of pull request acme/shop#42: GitHub API rate limit exhausted (5000 requests an hour); it resets at " + reset},
		{"secondary rate limit", map[string]reply{"/repos/acme/shop/pulls/42/files": {status: 403, headers: map[string]string{"Retry-After": "60"},
			file: "error-403-secondary.json"}}, Options{}, ErrRateLimited, "retry in 1m0s"},
		{"pull request not found", nil, Options{PullRequest: 404}, ErrNotFound, "read pull request acme/shop#404: not found on GitHub (404)"},
		{"forbidden", map[string]reply{"/repos/acme/shop/pulls/42": {status: 403, file: "error-403-forbidden.json"}}, Options{}, ErrForbidden,
			"Resource not accessible by integration"},
		{"server error", map[string]reply{"/repos/acme/shop/git/commits/c0ffee1234567890abcdef1234567890abcdef12": {status: 502, file: "error-404.json"}},
			Options{}, nil, "read head commit of pull request acme/shop#42: GitHub answered 502"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gh := newGitHub(t, tt.overrides)
			o := tt.opts
			o.Dir, o.Repository, o.APIURL = repoDir(t), "acme/shop", gh.URL
			if o.PullRequest == 0 {
				o.PullRequest = 42
			}
			if o.Token == "" {
				o.Token = fakeToken
			}
			_, _, err := scan(t, o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.sentinel)
			}
			if strings.Contains(err.Error(), o.Token) || strings.Contains(err.Error(), "ghs_") {
				t.Fatalf("the token leaked into the error: %v", err)
			}
		})
	}
}

func TestProtectionUnreadableIsNotAnError(t *testing.T) {
	gh := newGitHub(t, map[string]reply{
		"/repos/acme/shop/branches/main/protection/required_pull_request_reviews": {status: 403, file: "error-403-forbidden.json"},
	})
	a, _, err := scan(t, Options{Dir: repoDir(t), Repository: "acme/shop", PullRequest: 42, APIURL: gh.URL, Token: fakeToken})
	if err != nil || a.Required != 0 {
		t.Fatalf("err %v required %d", err, a.Required)
	}
}

func TestMissingTokenAndRepository(t *testing.T) {
	_, _, err := scan(t, Options{Repository: "acme/shop", PullRequest: 42})
	if !errors.Is(err, ErrNoToken) || !strings.Contains(err.Error(), "set GITHUB_TOKEN") {
		t.Fatalf("err = %v", err)
	}
	_, _, err = scan(t, Options{GitHub: true, PullRequest: 42, Token: fakeToken})
	if err == nil || !strings.Contains(err.Error(), "no repository") {
		t.Fatalf("err = %v", err)
	}
	_, _, err = scan(t, Options{Repository: "not a repo", PullRequest: 1, Token: fakeToken})
	if err == nil || !strings.Contains(err.Error(), "not OWNER/NAME") {
		t.Fatalf("err = %v", err)
	}
	event := writeFile(t, filepath.Join(t.TempDir(), "event.json"), `{"pull_request": `)
	_, _, err = scan(t, Options{Getenv: envOf(map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_EVENT_PATH": event})})
	if err == nil || !strings.Contains(err.Error(), "parse GitHub event") {
		t.Fatalf("err = %v", err)
	}
}

func TestNothingConfiguredIsSkipped(t *testing.T) {
	a, run, err := scan(t, Options{Dir: t.TempDir()})
	if err != nil || run.Status != engine.StatusSkipped || a != nil {
		t.Fatalf("err %v status %s", err, run.Status)
	}
}

func TestChangeRecordWithPullRequest(t *testing.T) {
	gh := newGitHub(t, nil)
	dir := repoDir(t)
	writeFile(t, filepath.Join(dir, "change.yaml"), "ticket: CHG-1234\nauthor: someone-else\nrisk: High\nrollback_plan: https://wiki.example.com/shop/rollback\napprovers:\n  - name: cab-chair\n    at: 2026-11-19T14:00:00+01:00\n    role: change-manager\n")
	a, _, err := scan(t, Options{Dir: dir, ChangeRecord: "change.yaml", Repository: "acme/shop", PullRequest: 42, APIURL: gh.URL, Token: fakeToken})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(a.Sources, ",") != "change-record,github" || a.Author != "dave" || a.ChangeTicket != "CHG-1234" || a.Risk != "high" ||
		a.Location.Path != "change.yaml" || strings.Join(a.Approvers, ",") != "cab-chair" || len(a.Reviews) != 6 {
		t.Fatalf("approvals = %+v", a)
	}
	r := a.Reviews[5]
	if r.User != "cab-chair" || r.Source != "change-record" || r.At.Format(time.RFC3339) != "2026-11-19T13:00:00Z" || r.Role != "change-manager" {
		t.Fatalf("change record review = %+v", r)
	}
}
