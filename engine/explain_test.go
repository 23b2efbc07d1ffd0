package engine_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

func TestExplain(t *testing.T) {
	e := newEngine(t, engine.Options{})
	explain := func(in *engine.Input, rule string) string {
		t.Helper()
		var out bytes.Buffer
		if err := e.Explain(context.Background(), in, rule, &out); err != nil {
			t.Fatal(err)
		}
		return out.String()
	}

	fired := explain(releaseInput("production", "feature/x", "", ""), "REL001")
	for _, want := range []string{
		"REL001 — Release from a branch or tag that may not release here",
		"relgate.rules.release.deny rule at rules/release.rego:",
		"FIRED: the body held 1 time(s)",
		"trace (this rule's lines):",
		"decision: REL001 high violation",
	} {
		if !strings.Contains(fired, want) {
			t.Errorf("fired explanation lacks %q:\n%s", want, fired)
		}
	}

	quiet := explain(releaseInput("production", "main", "v1.2.3", "1.2.3"), "REL001")
	for _, want := range []string{"DID NOT FIRE", ": not data.relgate.rules.release.from_allowed_tag", "decision: no finding of this rule"} {
		if !strings.Contains(quiet, want) {
			t.Errorf("quiet explanation lacks %q:\n%s", want, quiet)
		}
	}

	// SCN001 is two rules, deny and warn: both are explained.
	in := releaseInput("staging", "main", "v1.2.3", "1.2.3")
	in.Scanners = []engine.ScannerRun{{Name: "deps", Status: "error", Error: "no database"}}
	both := explain(in, "SCN001")
	if strings.Count(both, "rule at rules/scanners.rego") != 2 || !strings.Contains(both, "decision: SCN001 medium warning") {
		t.Errorf("SCN001 explanation:\n%s", both)
	}

	if path := explain(releaseInput("dev", "main", "", ""), "relgate.rules.release.deny"); strings.Count(path, "relgate.rules.release.deny rule at") < 3 {
		t.Errorf("explaining by path covers every deny of the package:\n%s", path)
	}

	var ee *engine.ExplainError
	if err := e.Explain(context.Background(), releaseInput("dev", "main", "", ""), "NOPE001", &bytes.Buffer{}); !errors.As(err, &ee) {
		t.Errorf("unknown rule: err = %v", err)
	}
}
