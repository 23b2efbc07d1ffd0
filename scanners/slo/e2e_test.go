package slo

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/engine"
)

// judge measures the objectives against the test Prometheus and runs the
// facts through the built-in policies.
func judge(t *testing.T, cfg *config.Config, o Options, rel engine.Release) *engine.Decision {
	t.Helper()
	o.Now = T0
	in := engine.NewInput()
	if _, err := New(o).Scan(context.Background(), in); err != nil {
		t.Fatal(err)
	}
	rel.Time = T0
	in.Release = rel
	// These runs judge the SLOs alone: that is the evidence they bring.
	in.Scanners = []engine.ScannerRun{{Name: "slo", Status: engine.StatusOK}}
	if cfg == nil {
		cfg = &config.Config{}
	}
	if cfg.Defaults == nil {
		cfg.Defaults = &config.Settings{}
	}
	cfg.Defaults.Evidence = &config.EvidenceSettings{Scanners: []string{"slo"}}
	opts := engine.Options{Config: cfg}
	eng, err := engine.New(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	d, err := eng.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func findings(fs []engine.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule+" "+f.Message)
	}
	slices.Sort(out)
	return out
}

var featureRelease = engine.Release{Environment: "production", Branch: "main", Tag: "v2.1.0", Version: "2.1.0",
	Commits: []engine.Commit{{SHA: "a1", Subject: "feat(search): facets", Type: "feat"}}}

// TestBudgetPolicyEndToEnd: real measurements, real policies. Search has
// spent its budget and payments burns fast: a feature release is denied
// on both, a fix release only warned; an unmeasurable objective fails
// closed in production.
func TestBudgetPolicyEndToEnd(t *testing.T) {
	url := needPrometheus(t)
	objs := []Objective{ratio("checkout", 0.999), ratio("search", 0.999), ratio("payments", 0.999)}
	d := judge(t, nil, Options{Prometheus: url, Objectives: objs}, featureRelease)
	got := findings(d.Violations)
	want := []string{
		"SLO001 the error budget of search/search-availability is exhausted",
		"SLO002 payments/payments-availability burns its error budget",
	}
	if len(got) != 2 || !strings.HasPrefix(got[0], want[0]) || !strings.HasPrefix(got[1], want[1]) || d.Result != engine.ResultFail {
		t.Fatalf("feature release: %s\n%s", d.Result, strings.Join(got, "\n"))
	}

	fix := featureRelease
	fix.Commits = []engine.Commit{{SHA: "b2", Subject: "fix(search): timeouts", Type: "fix"}}
	d = judge(t, nil, Options{Prometheus: url, Objectives: objs}, fix)
	if len(d.Violations) != 0 || len(d.Warnings) != 2 || d.Result != engine.ResultWarn {
		t.Fatalf("fix release: %s %v %v", d.Result, findings(d.Violations), findings(d.Warnings))
	}

	d = judge(t, nil, Options{Prometheus: url, Objectives: []Objective{ratio("checkout", 0.999)}}, featureRelease)
	if d.Result != engine.ResultPass {
		t.Fatalf("healthy: %s %v %v", d.Result, findings(d.Violations), findings(d.Warnings))
	}

	addr, _ := freePort()
	d = judge(t, nil, Options{Prometheus: "http://" + addr, Objectives: []Objective{ratio("checkout", 0.999)}}, featureRelease)
	if got := findings(d.Violations); len(got) != 1 || !strings.Contains(got[0], "SLO003 objective checkout/checkout-availability could not be measured") {
		t.Fatalf("prometheus down: %v", got)
	}
	dev := featureRelease
	dev.Environment = "dev"
	d = judge(t, nil, Options{Prometheus: "http://" + addr, Objectives: []Objective{ratio("checkout", 0.999)}}, dev)
	if d.Result != engine.ResultWarn {
		t.Fatalf("prometheus down in dev: %s", d.Result)
	}
}

// TestVerifyEndToEnd: after deploying cart v1.4.0 its error rate and p99
// latency trip the rollback triggers; v1.3.0 verifies clean.
func TestVerifyEndToEnd(t *testing.T) {
	url := needPrometheus(t)
	cfg := &config.Config{SLO: &config.SLOConfig{Rollback: "kubectl argo rollouts undo cart"}}
	rel := engine.Release{Environment: "production", Stage: "verify", Version: "1.4.0"}
	objs := []Objective{cartAvailability(), cartLatency()}
	d := judge(t, cfg, Options{Prometheus: url, Objectives: objs, Verify: true, Vars: map[string]string{"version": "1.4.0"}}, rel)
	got := findings(d.Violations)
	if len(got) != 2 || d.Result != engine.ResultFail {
		t.Fatalf("v1.4.0: %s %v", d.Result, got)
	}
	for _, f := range got {
		if !strings.HasPrefix(f, "SLO004 cart/cart-") || !strings.HasSuffix(f, "— roll back: kubectl argo rollouts undo cart") {
			t.Errorf("finding: %s", f)
		}
	}
	if !strings.Contains(got[0], "its error rate is 4% over the last 10m") || !strings.Contains(got[1], "fails the objective's lte 0.3") {
		t.Errorf("findings:\n%s", strings.Join(got, "\n"))
	}

	d = judge(t, cfg, Options{Prometheus: url, Objectives: objs, Verify: true, Vars: map[string]string{"version": "1.3.0"}}, rel)
	if d.Result != engine.ResultPass {
		t.Fatalf("v1.3.0: %s %v %v", d.Result, findings(d.Violations), findings(d.Warnings))
	}
}
