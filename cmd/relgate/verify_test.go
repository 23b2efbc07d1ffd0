package main

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/promtest"
)

// TestCheckStageVerify runs `relgate check --stage verify` against a real
// Prometheus whose history ends now: cart v1.4.0, deployed 15 minutes ago,
// fails on its error rate and latency with rollback advice; v1.3.0 passes.
func TestCheckStageVerify(t *testing.T) {
	srv, err := promtest.StartAt(time.Now().UTC().Truncate(time.Second))
	url := promtest.Need(t, srv, err)
	t.Cleanup(srv.Stop)

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, ".relgate.yaml"), `slo:
  prometheus: `+url+`
  rollback: kubectl argo rollouts undo cart
  objectives:
    - name: cart-availability
      service: cart
      target: 0.999
      window: 7d
      good: http_requests_total{service="cart",version="{{.version}}",code!~"5.."}
      total: http_requests_total{service="cart",version="{{.version}}"}
    - name: cart-latency
      service: cart
      target: 0.99
      window: 1d
      query: histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="cart",version="{{.version}}"}[{{.window}}])))
      op: lte
      threshold: 0.3
`)
	code, out, stderr := cli(t, "check", dir, "--stage", "verify", "--slo-var", "version=1.4.0", "--format", "json")
	if code != exitFail {
		t.Fatalf("v1.4.0: exit %d, want %d\n%s\n%s", code, exitFail, out, stderr)
	}
	d := decisionOf(t, out)
	if len(d.Violations) != 2 {
		t.Fatalf("violations: %+v", d.Violations)
	}
	for _, v := range d.Violations {
		if v.Rule != "SLO004" || !strings.HasSuffix(v.Message, "roll back: kubectl argo rollouts undo cart") {
			t.Errorf("violation %s: %s", v.Rule, v.Message)
		}
	}
	var ran []string
	for _, s := range d.Scanners {
		if s.Status != engine.StatusSkipped || s.Reason != engine.ReasonNotSelected {
			ran = append(ran, s.Name)
		}
	}
	if len(ran) != 1 || ran[0] != "slo" {
		t.Errorf("verify ran %v, want the slo scanner only (the others recorded as not selected)", ran)
	}

	code, out, stderr = cli(t, "check", dir, "--stage", "verify", "--slo-var", "version=1.3.0")
	if code != exitPass || !strings.Contains(out, "PASS") {
		t.Fatalf("v1.3.0: exit %d\n%s\n%s", code, out, stderr)
	}

	for _, args := range [][]string{{"--stage", "deploy"}, {"--slo-var", "version"}, {"--slo-var", "window=1h"}} {
		code, _, stderr := cli(t, append([]string{"check", dir}, args...)...)
		if code != exitUsage {
			t.Errorf("%v: exit %d, want %d: %s", args, code, exitUsage, stderr)
		}
	}
}
