package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

// TestLintBuiltinPoliciesClean: the built-in policies keep the contract
// they ask of users.
func TestLintBuiltinPoliciesClean(t *testing.T) {
	wb, err := engine.LoadWorkbench(context.Background(), engine.WorkbenchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	d := wb.Lint(engine.LintOptions{})
	for _, f := range append(d.Violations, d.Warnings...) {
		t.Errorf("%s:%d: %s %s", f.Location.Path, f.Location.StartLine, f.Rule, f.Message)
	}
}

func writePolicy(t *testing.T, path, src string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLintContract: each contract check fires on a rule that breaks it,
// and only there.
func TestLintContract(t *testing.T) {
	dir := t.TempDir()
	md := func(id, sev, title, rem string) string {
		s := "# METADATA\n"
		if title != "" {
			s += "# title: " + title + "\n"
		}
		s += "# custom:\n"
		if id != "" {
			s += "#   id: " + id + "\n"
		}
		if sev != "" {
			s += "#   severity: " + sev + "\n"
		}
		if rem != "" {
			s += "#   remediation: " + rem + "\n"
		}
		return s
	}
	good := func(id string) string {
		return md(id, "high", "Good", "Fix it.") + "deny contains v if {\n\tinput.x\n\tv := lib.finding(rego.metadata.rule(), {\"msg\": \"x\"})\n}\n"
	}
	writePolicy(t, filepath.Join(dir, "acme.rego"), "package relgate.rules.acme\n\nimport data.relgate.lib\n\n"+
		good("ACME001")+"\n"+ // line 5: clean
		"deny contains \"no metadata\" if input.a\n\n"+ // line 11: POL002, POL009
		md("", "high", "No id", "r")+"deny contains v if {\n\tinput.b\n\tv := lib.finding(rego.metadata.rule(), {\"msg\": \"x\"})\n}\n\n"+ // POL003
		md("ACME003", "severe", "Bad severity", "r")+"warn contains {\"msg\": \"x\"} if input.c\n\n"+ // POL004
		md("ACME004", "low", "", "r")+"warn contains {\"text\": \"x\"} if input.d\n\n"+ // POL005, POL009
		md("acme-5", "low", "Bad id", "r")+"warn contains {\"msg\": \"x\"} if input.e\n\n"+ // POL006
		md("XYZ006", "low", "Unknown prefix", "r")+"warn contains {\"msg\": \"x\"} if input.f\n\n"+ // POL006
		md("SEC001", "low", "Collides", "r")+"warn contains {\"msg\": \"x\"} if input.g\n\n"+ // POL008
		md("ACME009", "low", "Sprintf", "r")+"warn contains m if {\n\tsome x in input.h\n\tm := sprintf(\"%v\", [x])\n}\n\n"+ // POL009
		md("ACME011", "low", "No remediation", "")+"warn contains {\"msg\": \"x\"} if input.j\n\n"+ // POL013
		md("ACME012", "low", "Unused variable", "r")+"warn contains {\"msg\": \"x\"} if {\n\ty := input.k\n}\n") // POL001
	writePolicy(t, filepath.Join(dir, "acme_test.rego"), "package relgate.rules.acme_test\n\nimport data.relgate.rules.acme\n\ntest_x if count(acme.deny) == 0\n")
	writePolicy(t, filepath.Join(dir, "other", "other.rego"), "package relgate.rules.other\n\nimport data.relgate.lib\n\n"+good("ACME001"))           // POL007, POL012
	writePolicy(t, filepath.Join(dir, "boolean.rego"), "package relgate.rules.boolean\n\n"+md("ACME010", "high", "Boolean", "r")+"deny if input.i\n") // POL010
	writePolicy(t, filepath.Join(dir, "boolean_test.rego"), "package relgate.rules.boolean_test\n\nimport data.relgate.rules.boolean\n\ntest_x if not boolean.deny\n")
	writePolicy(t, filepath.Join(dir, "conftest.rego"), "package main\n\nimport data.relgate.lib\n\n"+good("ACME020")) // POL011

	wb, err := engine.LoadWorkbench(context.Background(), engine.WorkbenchOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	d := wb.Lint(engine.LintOptions{Prefixes: []string{"acme"}})
	got := map[string][]string{}
	for _, f := range append(d.Violations, d.Warnings...) {
		if strings.HasPrefix(f.Location.Path, "policies/") {
			t.Errorf("a built-in file is linted: %+v", f)
		}
		t.Logf("%s:%d: %s %s", filepath.Base(f.Location.Path), f.Location.StartLine, f.Rule, f.Message)
		got[f.Rule] = append(got[f.Rule], f.Message)
	}
	want := map[string]int{"POL001": 1, "POL002": 1, "POL003": 1, "POL004": 1, "POL005": 1, "POL006": 2, "POL007": 1,
		"POL008": 1, "POL009": 3, "POL010": 1, "POL011": 1, "POL012": 1, "POL013": 1}
	for id, n := range want {
		if len(got[id]) != n {
			t.Errorf("%s: %d findings, want %d: %v", id, len(got[id]), n, got[id])
		}
	}
	for id := range got {
		if want[id] == 0 {
			t.Errorf("unexpected %s: %v", id, got[id])
		}
	}
	if d.Result != engine.ResultFail {
		t.Errorf("result = %s, want fail", d.Result)
	}
	for _, f := range d.Violations {
		if f.Rule == "POL001" && !strings.Contains(f.Message, "assigned var y unused") {
			t.Errorf("POL001 = %s, want the unused variable", f.Message)
		}
		if f.Rule == "POL007" && !strings.Contains(f.Message, "relgate.rules.acme") {
			t.Errorf("POL007 does not name the other package: %s", f.Message)
		}
		if f.Location.StartLine == 0 {
			t.Errorf("%s has no line", f.Rule)
		}
	}
	rules := map[string]bool{}
	for _, r := range engine.LintRules {
		rules[r.ID] = true
	}
	if len(rules) != len(want) || !slices.Equal(slices.Sorted(func(yield func(string) bool) {
		for id := range rules {
			if !yield(id) {
				return
			}
		}
	}), slices.Sorted(func(yield func(string) bool) {
		for id := range want {
			if !yield(id) {
				return
			}
		}
	})) {
		t.Errorf("every lint rule is tested once: rules %v", rules)
	}
}
