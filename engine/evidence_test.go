package engine_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
)

// withEvidence gives in every piece of evidence production requires: each
// scanner ran or was skipped because its area does not apply, the release
// facts, and a reviewed pull request. Tests of other rules start from it.
func withEvidence(in *engine.Input) *engine.Input {
	n := engine.ReasonNoLockfiles
	in.Scanners = []engine.ScannerRun{
		{Name: "release", Status: engine.StatusOK},
		{Name: "secrets", Status: engine.StatusOK, Stats: map[string]int64{"rules": 200}},
		{Name: "migrations", Status: engine.StatusSkipped, Reason: engine.ReasonNoMigrations},
		{Name: "deps", Status: engine.StatusSkipped, Reason: n},
		{Name: "containers", Status: engine.StatusSkipped, Reason: engine.ReasonNoImages},
		{Name: "iac", Status: engine.StatusOK},
		{Name: "tests", Status: engine.StatusSkipped, Reason: engine.ReasonNoTests},
		{Name: "approvals", Status: engine.StatusOK},
		{Name: "slo", Status: engine.StatusSkipped, Reason: engine.ReasonNoSLO},
	}
	at := time.Date(2026, 11, 19, 10, 0, 0, 0, time.UTC)
	in.Approvals = &engine.Approvals{
		Sources: []string{"github"}, Repository: "acme/shop", PullRequest: 42, Author: "dave", HeadSHA: "head",
		Reviews:        []engine.Review{{User: "alice", State: "APPROVED", At: at, CommitID: "head", Source: "github"}},
		ChangeTicket:   "CHG-1",
		CodeOwnersFile: ".github/CODEOWNERS",
		CodeOwners:     []engine.CodeOwnership{{Path: "cart/a.go", Owners: []string{"@alice"}, Line: 3}},
	}
	return in
}

func ruleCounts(d *engine.Decision) map[string]int {
	out := map[string]int{}
	for _, f := range append(append([]engine.Finding{}, d.Violations...), d.Warnings...) {
		out[f.Rule]++
	}
	return out
}

// TestMissingEvidenceFailsProduction: the cases, end to end through
// the engine: no facts, no release facts, no approval facts.
func TestMissingEvidenceFailsProduction(t *testing.T) {
	e := newEngine(t, engine.Options{})
	ctx := context.Background()
	empty := engine.NewInput()
	empty.Release.Time = time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)
	d, err := e.Evaluate(ctx, empty)
	if err != nil {
		t.Fatal(err)
	}
	if d.Result != engine.ResultFail || ruleCounts(d)["SCN002"] != 9 {
		t.Errorf("empty input: result %s, rules %v; want fail with 9 SCN002", d.Result, ruleCounts(d))
	}

	notRepo := withEvidence(releaseInput("production", "", "", ""))
	notRepo.Release.Commit = ""
	notRepo.Scanners[0] = engine.ScannerRun{Name: "release", Status: engine.StatusSkipped, Reason: engine.ReasonNotRepo}
	if d, err = e.Evaluate(ctx, notRepo); err != nil {
		t.Fatal(err)
	}
	if d.Result != engine.ResultFail || len(d.Violations) != 1 || !strings.Contains(d.Violations[0].Message, "not a git repository") {
		t.Errorf("not a git repository: result %s, violations %+v", d.Result, d.Violations)
	}

	noApprovals := withEvidence(releaseInput("production", "main", "v1.2.3", "1.2.3"))
	noApprovals.Approvals = nil
	noApprovals.Scanners[7] = engine.ScannerRun{Name: "approvals", Status: engine.StatusSkipped, Reason: engine.ReasonNoApprovals}
	if d, err = e.Evaluate(ctx, noApprovals); err != nil {
		t.Fatal(err)
	}
	if d.Result != engine.ResultFail || ruleCounts(d)["SCN002"] != 1 {
		t.Errorf("no approvals: result %s, rules %v", d.Result, ruleCounts(d))
	}
	lowered := newEngine(t, engine.Options{Config: map[string]any{"environments": map[string]any{"production": map[string]any{"approvals": map[string]any{"required": 0}}}}})
	if d, err = lowered.Evaluate(ctx, noApprovals); err != nil {
		t.Fatal(err)
	}
	if d.Failed() || ruleCounts(d)["SCN003"] != 1 {
		t.Errorf("approvals.required 0: result %s, rules %v; want not failed, SCN003 saying so", d.Result, ruleCounts(d))
	}

	staging := withEvidence(releaseInput("staging", "main", "v1.2.3", "1.2.3"))
	staging.Approvals = nil
	staging.Scanners[7] = engine.ScannerRun{Name: "approvals", Status: engine.StatusSkipped, Reason: engine.ReasonNoApprovals}
	if d, err = e.Evaluate(ctx, staging); err != nil {
		t.Fatal(err)
	}
	if d.Result != engine.ResultWarn || ruleCounts(d)["SCN002"] != 1 {
		t.Errorf("staging without approvals: result %s, rules %v; want a SCN002 warning", d.Result, ruleCounts(d))
	}
}
