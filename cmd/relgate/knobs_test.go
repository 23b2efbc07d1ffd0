package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

// TestKnobsReproduceInEval: --severity and --ignore-unfixed go into the
// input document (options), so eval of the saved input decides the same;
// on the demo --severity critical leaves only critical findings (and
// scanner health). What --ignore-unfixed does to a decision (VUL003's deny
// becomes VUL009's warning) is pinned by the policy tests
// (policies/rules/vulnerabilities_test.rego): the demo has no unfixed
// vulnerability.
func TestKnobsReproduceInEval(t *testing.T) {
	t.Chdir(repoRoot(t))
	dir := t.TempDir()
	rules := func(d engine.Decision) (deny, warn map[string]int) {
		deny, warn = map[string]int{}, map[string]int{}
		for _, f := range d.Violations {
			deny[f.Rule]++
		}
		for _, f := range d.Warnings {
			warn[f.Rule]++
		}
		return deny, warn
	}
	check := func(name string, flags ...string) (engine.Decision, engine.Decision) {
		t.Helper()
		saved := filepath.Join(dir, name+".json")
		args := append([]string{"check", "testdata/demo", "--offline", "-f", "json", "--save-input", saved}, flags...)
		code, out, stderr := cli(t, args...)
		if code != exitFail && code != exitPass {
			t.Fatalf("%v: exit %d\n%s", flags, code, stderr)
		}
		code, evalOut, stderr := cli(t, "eval", "--input", saved, "--config", "testdata/demo/.relgate.yaml", "-f", "json")
		if code != exitFail && code != exitPass {
			t.Fatalf("eval %s: exit %d\n%s", name, code, stderr)
		}
		return decisionOf(t, out), decisionOf(t, evalOut)
	}

	plain, _ := check("plain")

	crit, critEval := check("critical", "--severity", "critical")
	for _, f := range append(crit.Violations, crit.Warnings...) {
		if f.Severity != "critical" && !strings.HasPrefix(f.Rule, "SCN") {
			t.Errorf("--severity critical reported %s (%s)", f.Rule, f.Severity)
		}
	}
	if len(crit.Violations) == 0 || len(crit.Violations)+len(crit.Warnings) >= len(plain.Violations)+len(plain.Warnings) {
		t.Errorf("--severity critical: %d findings of %d", len(crit.Violations)+len(crit.Warnings), len(plain.Violations)+len(plain.Warnings))
	}

	unfixed, unfixedEval := check("unfixed", "--ignore-unfixed")
	saved := mustRead(t, filepath.Join(dir, "unfixed.json"))
	if !strings.Contains(saved, `"ignore_unfixed": true`) || !strings.Contains(mustRead(t, filepath.Join(dir, "critical.json")), `"severities": [`) {
		t.Errorf("the knobs are not in the saved input's options")
	}

	for _, pair := range [][2]engine.Decision{{crit, critEval}, {unfixed, unfixedEval}} {
		d1, w1 := rules(pair[0])
		d2, w2 := rules(pair[1])
		if pair[0].Result != pair[1].Result || len(d1) != len(d2) || len(w1) != len(w2) {
			t.Errorf("eval of the saved input decides otherwise: %s %v %v, eval %s %v %v", pair[0].Result, d1, w1, pair[1].Result, d2, w2)
		}
		for k, n := range d1 {
			if d2[k] != n {
				t.Errorf("eval: %s denies %d, check %d", k, d2[k], n)
			}
		}
		for k, n := range w1 {
			if w2[k] != n {
				t.Errorf("eval: %s warns %d, check %d", k, w2[k], n)
			}
		}
	}
}
