package engine_test

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

// TestWriteLintText: problems by file:line, sorted, then the count; and a
// clean run says how many files it checked.
func TestWriteLintText(t *testing.T) {
	dir := t.TempDir()
	writePolicy(t, filepath.Join(dir, "b.rego"), "package relgate.rules.b\n\n"+
		"# METADATA\n# title: B\n# custom:\n#   id: ACME002\n#   severity: high\n"+
		"deny contains {\"msg\": \"x\"} if input.b\n") // line 8: POL012 on the package line 1, POL013 here
	writePolicy(t, filepath.Join(dir, "a.rego"), "package relgate.rules.a\n\ndeny contains \"x\" if input.a\n") // POL002, POL009, POL012
	wb, err := engine.LoadWorkbench(context.Background(), engine.WorkbenchOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := engine.WriteLintText(&out, wb.Lint(engine.LintOptions{Prefixes: []string{"ACME"}}), wb.LintScope()); err != nil {
		t.Fatal(err)
	}
	a, b := filepath.Join(dir, "a.rego"), filepath.Join(dir, "b.rego")
	want := strings.Join([]string{
		a + ":1: POL012 medium: a.rego has no a_test.rego beside it",
		a + ":3: POL002 high: deny rule: no METADATA block",
		a + ":3: POL009 medium: deny rule: the result is a plain string; build it with lib.finding so it carries the rule's id, severity, location and fingerprint",
		b + ":1: POL012 medium: b.rego has no b_test.rego beside it",
		b + ":8: POL013 low: deny rule ACME002: METADATA has no custom.remediation",
		"",
		"5 problems in 2 files",
		"METADATA of the deny and warn rules: 1 rule-scope, 0 package-scope",
		"",
	}, "\n")
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}

	clean, err := engine.LoadWorkbench(context.Background(), engine.WorkbenchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if err := engine.WriteLintText(&out, clean.Lint(engine.LintOptions{}), clean.LintScope()); err != nil {
		t.Fatal(err)
	}
	if got := out.String(); !strings.HasPrefix(got, "no problems in ") || clean.LintScope().Files < 10 || !strings.HasSuffix(got, " rule-scope, 0 package-scope\n") {
		t.Errorf("clean run: %q (%+v)", got, clean.LintScope())
	}
}
