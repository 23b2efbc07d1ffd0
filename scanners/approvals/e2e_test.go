package approvals

import (
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
)

// evaluate runs the facts through the built-in policies in an environment.
func evaluate(t *testing.T, a *engine.Approvals, env, branch string) *engine.Decision {
	t.Helper()
	// These runs judge the approvals alone: that is the evidence they bring.
	evidence := map[string]any{"evidence": map[string]any{"scanners": []string{"approvals"}}}
	cfg := map[string]any{"defaults": evidence}
	eng, err := engine.New(context.Background(), engine.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	in := engine.NewInput()
	in.Approvals = a
	in.Scanners = []engine.ScannerRun{{Name: "approvals", Status: engine.StatusOK}}
	in.Release = engine.Release{Environment: env, Branch: branch, Tag: "v1.4.0", Version: "1.4.0",
		Time: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)}
	d, err := eng.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func ruleList(fs []engine.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	slices.Sort(out)
	return out
}

// TestPolicyOnReplayedPullRequest judges PR 42 as the replayed API tells
// it: bob's approval counts (his request for changes was taken back),
// alice's predates the last push, the branch protection wants two, there
// is no ticket, and the cart and docs owners did not approve.
func TestPolicyOnReplayedPullRequest(t *testing.T) {
	gh := newGitHub(t, nil)
	a, _, err := scan(t, Options{Dir: repoDir(t), Repository: "acme/shop", PullRequest: 42, APIURL: gh.URL, Token: fakeToken})
	if err != nil {
		t.Fatal(err)
	}
	d := evaluate(t, a, "production", "main")
	if got := strings.Join(ruleList(d.Violations), ","); got != "APR001,APR004,APR005,APR005" {
		t.Errorf("violations = %s", got)
	}
	if got := strings.Join(ruleList(d.Warnings), ","); got != "APR003" {
		t.Errorf("warnings = %s", got)
	}
	for _, f := range d.Violations {
		if f.Rule == "APR001" && !strings.Contains(f.Message, "has 1 valid approvals (bob), production needs 2; not counted: alice") {
			t.Errorf("APR001 message: %s", f.Message)
		}
		if f.Rule == "APR005" && (f.Location.Path != ".github/CODEOWNERS" || (f.Location.StartLine != 3 && f.Location.StartLine != 6)) {
			t.Errorf("APR005 location: %+v", f.Location)
		}
	}
	if d.Result != engine.ResultFail {
		t.Errorf("result = %s", d.Result)
	}

	// The same pull request with its ticket found by the pattern, in
	// staging, where no approval is required: it passes.
	a, _, err = scan(t, Options{Dir: repoDir(t), Repository: "acme/shop", PullRequest: 42, APIURL: gh.URL, Token: fakeToken, TicketPattern: `#[0-9]+`})
	if err != nil {
		t.Fatal(err)
	}
	if a.ChangeTicket != "#40" {
		t.Errorf("ticket from the body = %q", a.ChangeTicket)
	}
	if d := evaluate(t, a, "staging", "main"); d.Result != engine.ResultPass {
		t.Errorf("staging: %s %v %v", d.Result, ruleList(d.Violations), ruleList(d.Warnings))
	}
}

func TestPolicyOnChangeRecord(t *testing.T) {
	dir := t.TempDir()
	rec := writeFile(t, filepath.Join(dir, "change.yaml"), string(fixtureFile(t, "change-record.yaml")))
	a, _, err := scan(t, Options{Dir: dir, ChangeRecord: rec})
	if err != nil {
		t.Fatal(err)
	}
	if d := evaluate(t, a, "production", "main"); d.Result != engine.ResultPass {
		t.Errorf("approved change record: %s %v %v", d.Result, ruleList(d.Violations), ruleList(d.Warnings))
	}

	self := writeFile(t, filepath.Join(dir, "self.yaml"), "ticket: CHG-9\nauthor: dave\napprovers:\n  - name: dave\n    at: 2026-11-19T10:00:00Z\n")
	a, _, err = scan(t, Options{Dir: dir, ChangeRecord: self})
	if err != nil {
		t.Fatal(err)
	}
	d := evaluate(t, a, "production", "main")
	if got := strings.Join(ruleList(d.Violations), ","); got != "APR001,APR002,APR009" {
		t.Errorf("self-approved record without rollback plan: %s", got)
	}
	if d := evaluate(t, a, "production", "hotfix/pay"); strings.Join(ruleList(d.Warnings), ",") != "APR006" {
		t.Errorf("hotfix warnings: %v", ruleList(d.Warnings))
	}
}

func fixtureFile(t *testing.T, name string) []byte {
	t.Helper()
	return fixture(filepath.Join("..", name))
}
