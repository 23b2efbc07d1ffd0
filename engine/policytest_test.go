package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

// userPolicy is a security team's rule with its tests, written to dir.
func userPolicy(t *testing.T, dir string, failing bool) string {
	t.Helper()
	write := func(name, src string) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("acme.rego", `# METADATA
# title: ACME release rules
package relgate.rules.acme

import data.relgate.lib

# METADATA
# title: Release without a change ticket
# description: Every production release names its change ticket.
# custom:
#   id: ACME001
#   severity: high
#   remediation: Add the ticket to the release labels.
deny contains v if {
	lib.is_production
	not ticket
	v := lib.finding(rego.metadata.rule(), {"msg": "no change ticket", "fingerprint": "ACME001"})
}

ticket if {
	some l in input.release.labels
	startswith(l, "CHG-")
}

unused_helper(x) := x * 2
`)
	want := 1
	if failing {
		want = 2
	}
	write("acme_test.rego", `package relgate.rules.acme_test

import data.relgate.rules.acme

test_release_without_ticket_denied if {
	ds := acme.deny with input as {"release": {"environment": "production", "labels": []}}
	print("denies:", count(ds))
	count(ds) == `+itoa(want)+`
}

test_release_with_ticket_passes if {
	count(acme.deny) == 0 with input as {"release": {"environment": "production", "labels": ["CHG-1"]}}
}
`)
	return dir
}

func itoa(n int) string { return string(rune('0' + n)) }

func TestPolicyTest(t *testing.T) {
	dir := userPolicy(t, filepath.Join(t.TempDir(), "acme"), false)
	wb, err := engine.LoadWorkbench(context.Background(), engine.WorkbenchOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sum, err := wb.Test(context.Background(), engine.TestOptions{Out: &out, Coverage: true})
	if err != nil {
		t.Fatal(err)
	}
	// The author's two tests alone: the built-in policies are compiled as
	// the library, their tests are not run.
	if sum.Failed() || sum.Pass != 2 || sum.Skip+sum.Error != 0 {
		t.Fatalf("summary %+v, want the user's 2 tests alone\n%s", sum, out.String())
	}
	// unused_helper is never evaluated: coverage of the user's policy only.
	if sum.Coverage == nil || *sum.Coverage >= 100 || *sum.Coverage < 50 {
		t.Errorf("coverage = %v, want the user's file alone, below 100\n%s", *sum.Coverage, out.String())
	}
	if !strings.Contains(out.String(), "acme.rego: ") || strings.Contains(out.String(), "policies/rules/secrets.rego") {
		t.Errorf("coverage lists other files than the user's:\n%s", out.String())
	}

	// --all adds the built-in suite.
	out.Reset()
	sum, err = wb.Test(context.Background(), engine.TestOptions{Out: &out, All: true, Verbose: true})
	if err != nil || sum.Failed() || sum.Pass < 50 {
		t.Fatalf("--all: %+v, %v\n%s", sum, err, out.String())
	}
	for _, want := range []string{"data.relgate.rules.acme_test.test_release_with_ticket_passes", "data.relgate.rules.secrets_test."} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("--all does not run %s:\n%s", want, out.String())
		}
	}

	// --run narrows the tests by full name.
	out.Reset()
	sum, err = wb.Test(context.Background(), engine.TestOptions{Out: &out, Run: `acme_test\.test_release_with_ticket`, Verbose: true})
	if err != nil || sum.Pass != 1 || sum.Fail != 0 {
		t.Fatalf("--run: %+v, %v\n%s", sum, err, out.String())
	}
	if _, err := wb.Test(context.Background(), engine.TestOptions{Out: &out, Run: "("}); err == nil {
		t.Error("a bad --run regex is accepted")
	}
}

// TestPolicyTestFailure: the failing expression, its values and the test's
// print output are reported.
func TestPolicyTestFailure(t *testing.T) {
	dir := userPolicy(t, filepath.Join(t.TempDir(), "acme"), true)
	wb, err := engine.LoadWorkbench(context.Background(), engine.WorkbenchOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sum, err := wb.Test(context.Background(), engine.TestOptions{Out: &out, Run: "acme"})
	if err != nil {
		t.Fatal(err)
	}
	if sum.Fail != 1 || sum.Pass != 1 {
		t.Fatalf("summary %+v\n%s", sum, out.String())
	}
	for _, want := range []string{
		"data.relgate.rules.acme_test.test_release_without_ticket_denied: FAIL",
		"denies: 1",         // print output
		"acme_test.rego:8:", // the failing expression's line
		"count(ds) == 2",    // the failing expression
		"FAIL: 1/2",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}

	out.Reset()
	if _, err := wb.Test(context.Background(), engine.TestOptions{Out: &out, Run: "acme", JSON: true}); err != nil {
		t.Fatal(err)
	}
	var results []map[string]any
	if err := json.Unmarshal(out.Bytes(), &results); err != nil || len(results) != 2 {
		t.Fatalf("json report: %v\n%s", err, out.String())
	}
}

// TestPolicyTestBuiltin: with no user policies the subject is the
// built-in library, and its suite runs.
func TestPolicyTestBuiltin(t *testing.T) {
	wb, err := engine.LoadWorkbench(context.Background(), engine.WorkbenchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sum, err := wb.Test(context.Background(), engine.TestOptions{Out: &out, Run: `rules\.secrets_test\.`})
	if err != nil || sum.Failed() || sum.Pass == 0 {
		t.Fatalf("built-in suite: %+v, %v\n%s", sum, err, out.String())
	}
}

func TestPolicyTestCompileError(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "x_test.rego"), []byte("package x_test\n\ntest_x if {\n\ty == 1\n}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	wb, err := engine.LoadWorkbench(context.Background(), engine.WorkbenchOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = wb.Test(context.Background(), engine.TestOptions{Out: &bytes.Buffer{}})
	var pe *engine.PolicyError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "x_test.rego:4") {
		t.Fatalf("err = %v, want a located *PolicyError", err)
	}
}
