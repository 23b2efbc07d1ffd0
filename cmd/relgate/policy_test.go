package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// acmePolicy is what a security team writes: a rule under relgate.rules
// with METADATA, and its test.
const acmePolicy = `# METADATA
# title: ACME release rules
# description: What ACME asks of every production release.
package relgate.rules.acme

import data.relgate.lib

# METADATA
# title: Release without a change ticket
# description: Every production release names its change ticket in a label.
# custom:
#   id: ACME001
#   severity: high
#   remediation: Label the release with its ticket, e.g. CHG-1234.
deny contains v if {
	lib.is_production
	not ticket
	v := lib.finding(rego.metadata.rule(), {
		"msg": "production release without a CHG- label",
		"location": {"path": "", "start_line": 0, "end_line": 0},
		"fingerprint": crypto.sha256("ACME001"),
	})
}

ticket if {
	some l in input.release.labels
	startswith(l, "CHG-")
}
`

const acmeTest = `package relgate.rules.acme_test

import data.relgate.rules.acme

test_release_without_ticket_denied if {
	ds := acme.deny with input as {"release": {"environment": "production", "labels": []}}
	print("denies:", count(ds))
	count(ds) == WANT
}

test_release_with_ticket_passes if {
	count(acme.deny) == 0 with input as {"release": {"environment": "production", "labels": ["CHG-1"]}}
}
`

func acmeDir(t *testing.T, want string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "acme")
	writeFile(t, filepath.Join(dir, "acme.rego"), acmePolicy)
	writeFile(t, filepath.Join(dir, "acme_test.rego"), strings.Replace(acmeTest, "WANT", want, 1))
	return dir
}

// TestPolicyWorkbench walks the security team's path: write a rule and its
// test, test it, lint it, document it, gate with it, waive its finding and
// watch the waiver expire into a violation.
func TestPolicyWorkbench(t *testing.T) {
	dir := acmeDir(t, "1")
	code, out, stderr := cli(t, "policy", "test", dir, "--run", "acme", "-v")
	if code != 0 || !strings.Contains(out, "PASS: 2/2") {
		t.Fatalf("policy test: exit %d\n%s\n%s", code, out, stderr)
	}

	code, out, stderr = cli(t, "policy", "lint", dir, "--prefix", "ACME", "--format", "json")
	if code != 0 || decisionOf(t, out).Result != "pass" {
		t.Fatalf("policy lint: exit %d\n%s\n%s", code, out, stderr)
	}

	code, out, stderr = cli(t, "policy", "doc", dir)
	if code != 0 || !strings.Contains(out, "### ACME001") || !strings.Contains(out, "Label the release with its ticket") || strings.Contains(out, "SEC001") {
		t.Fatalf("policy doc: exit %d\n%s\n%s", code, out, stderr)
	}

	r := releaseRepo(t)
	code, out, stderr = cli(t, "check", r.Dir, "--scanners", "release", "--config", releaseOnly(t), "--policy", dir, "--format", "json")
	if code != exitFail {
		t.Fatalf("check with the team's policy: exit %d\n%s\n%s", code, out, stderr)
	}
	if got := ruleIDs(decisionOf(t, out).Violations); strings.Join(got, ",") != "ACME001" {
		t.Fatalf("violations %v, want ACME001", got)
	}

	expires := time.Now().UTC().AddDate(0, 0, 20).Format(time.DateOnly)
	writeFile(t, filepath.Join(r.Dir, ".relgate-waivers.yaml"), "waivers:\n  - rule: ACME001\n    scope: {path: '**'}\n"+
		"    reason: ticketing system migration\n    approver: carol\n    expires: "+expires+"\n")
	saved := filepath.Join(t.TempDir(), "in.json")
	code, out, stderr = cli(t, "check", r.Dir, "--scanners", "release", "--config", releaseOnly(t), "--policy", dir, "--format", "json", "--save-input", saved)
	if code != exitPass || len(decisionOf(t, out).Waived) != 1 {
		t.Fatalf("waived: exit %d\n%s\n%s", code, out, stderr)
	}

	var in map[string]any
	if err := json.Unmarshal([]byte(mustRead(t, saved)), &in); err != nil {
		t.Fatal(err)
	}
	in["release"].(map[string]any)["time"] = time.Now().UTC().AddDate(0, 0, 21).Format(time.RFC3339)
	data, _ := json.Marshal(in)
	later := writeFile(t, filepath.Join(t.TempDir(), "later.json"), string(data))
	code, out, stderr = cli(t, "eval", "--input", later, "--config", releaseOnly(t), "--policy", dir, "--format", "json")
	if code != exitFail {
		t.Fatalf("expired: exit %d\n%s\n%s", code, out, stderr)
	}
	if got := ruleIDs(decisionOf(t, out).Violations); strings.Join(got, ",") != "ACME001,WVR001" {
		t.Errorf("expired: violations %v, want ACME001 and WVR001", got)
	}
}

// TestPolicyTestExitCodes: as opa test — 0 pass, 2 a failing test or low
// coverage, 1 policies that do not load or compile.
func TestPolicyTestExitCodes(t *testing.T) {
	failing := acmeDir(t, "2")
	broken := writeFile(t, filepath.Join(t.TempDir(), "b", "b_test.rego"), "package b_test\n\ntest_b if {\n\tundefined_thing == 1\n}\n")
	syntax := writeFile(t, filepath.Join(t.TempDir(), "s", "s.rego"), "package s\n\nx if {\n")
	tests := []struct {
		name   string
		args   []string
		exit   int
		stdout string
		stderr string
	}{
		{"the dir's tests only", []string{"policy", "test", acmeDir(t, "1")}, 0, "PASS: 2/2", ""},
		{"all adds the built-in suite", []string{"policy", "test", acmeDir(t, "1"), "--all", "-v", "--run", `acme|secrets_test\.`}, 0, "data.relgate.rules.secrets_test.", ""},
		{"failing test", []string{"policy", "test", failing, "--run", "acme"}, 2, "count(ds) == 2", "1 of 2 policy tests failed"},
		{"print output shown", []string{"policy", "test", failing, "--run", "without_ticket"}, 2, "denies: 1", ""},
		{"coverage below threshold", []string{"policy", "test", acmeDir(t, "1"), "--threshold", "100", "--run", "with_ticket_passes$"}, 2, "COVERAGE:", "below the threshold 100%"},
		{"coverage above threshold", []string{"policy", "test", acmeDir(t, "1"), "--threshold", "50"}, 0, "COVERAGE: 100.0%", ""},
		{"compile error", []string{"policy", "test", filepath.Dir(broken)}, 1, "", "b_test.rego:4"},
		{"syntax error", []string{"policy", "test", filepath.Dir(syntax)}, 1, "", "s.rego:4: rego_parse_error"},
		{"json format", []string{"policy", "test", acmeDir(t, "1"), "--format", "json", "--run", "acme"}, 0, `"package": "data.relgate.rules.acme_test"`, ""},
		{"bad regex", []string{"policy", "test", "--run", "("}, exitUsage, "", "--run"},
		{"bad threshold", []string{"policy", "test", "--threshold", "120"}, exitUsage, "", "--threshold"},
		{"missing dir", []string{"policy", "test", filepath.Join(t.TempDir(), "none")}, 1, "", "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tt.args...)
			if code != tt.exit || !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit %d (want %d)\nstdout:\n%s\nstderr:\n%s", code, tt.exit, stdout, stderr)
			}
		})
	}
}

// TestPolicyLintReports: lint findings come in the report formats, SARIF
// with its rules, and unparsable policies are findings too.
func TestPolicyLintReports(t *testing.T) {
	dir := acmeDir(t, "1")
	out := t.TempDir()
	code, stdout, stderr := cli(t, "policy", "lint", dir, "--report", "sarif="+filepath.Join(out, "lint.sarif"))
	want := filepath.Join(dir, "acme.rego") + ":15: POL006 high: rule id ACME001: prefix ACME is not known"
	if code != exitFail || !strings.HasPrefix(stdout, want) || !strings.HasSuffix(stdout, "\n\n1 problem in 1 file\nMETADATA of the deny and warn rules: 1 rule-scope, 0 package-scope\n") || strings.Contains(stdout, "score") {
		t.Fatalf("unregistered prefix: exit %d, want 1 and %q\n%s\n%s", code, want, stdout, stderr)
	}
	var sarif struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						Region struct {
							StartLine int `json:"startLine"`
						} `json:"region"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(mustRead(t, filepath.Join(out, "lint.sarif"))), &sarif); err != nil {
		t.Fatal(err)
	}
	res := sarif.Runs[0].Results
	if len(res) != 1 || res[0].RuleID != "POL006" || res[0].Locations[0].PhysicalLocation.Region.StartLine != 15 {
		t.Errorf("sarif results = %+v", res)
	}

	// The team registers its prefix in the config.
	cfg := writeFile(t, filepath.Join(t.TempDir(), "relgate.yaml"), "policy:\n  id_prefixes: [ACME]\n")
	if code, stdout, _ := cli(t, "policy", "lint", dir, "--config", cfg); code != 0 || stdout != "no problems in 2 files\nMETADATA of the deny and warn rules: 1 rule-scope, 0 package-scope\n" {
		t.Errorf("registered prefix: exit %d\n%s", code, stdout)
	}

	// A low-severity problem is a problem too: exit 1.
	low := acmeDir(t, "1")
	writeFile(t, filepath.Join(low, "acme.rego"), strings.Replace(acmePolicy, "#   remediation: Label the release with its ticket, e.g. CHG-1234.\n", "", 1))
	if code, stdout, _ := cli(t, "policy", "lint", low, "--prefix", "ACME"); code != exitFail || !strings.Contains(stdout, "POL013 low") {
		t.Errorf("low-severity problem: exit %d\n%s", code, stdout)
	}

	syntax := writeFile(t, filepath.Join(t.TempDir(), "s", "s.rego"), "package relgate.rules.s\n\ndeny contains x if {\n")
	code, stdout, _ = cli(t, "policy", "lint", filepath.Dir(syntax), "--format", "json")
	if code != exitFail {
		t.Fatalf("syntax error: exit %d\n%s", code, stdout)
	}
	if v := decisionOf(t, stdout).Violations; len(v) == 0 || v[0].Rule != "POL001" || v[0].Location.StartLine == 0 {
		t.Errorf("syntax error as a finding: %+v", v)
	}
}

// TestPolicyDocIsTheCommittedCatalogue: docs/policies.md is what
// `relgate policy doc` writes.
func TestPolicyDocIsTheCommittedCatalogue(t *testing.T) {
	root := repoRoot(t)
	t.Chdir(t.TempDir()) // no .relgate.yaml: the built-in policies only
	code, stdout, stderr := cli(t, "policy", "doc")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	want, err := os.ReadFile(filepath.Join(root, "docs", "policies.md"))
	if err != nil {
		t.Fatal(err)
	}
	if stdout != string(want) {
		t.Fatal("docs/policies.md is stale. Run: go test ./engine -run Golden -update")
	}
	code, stdout, _ = cli(t, "policy", "doc", "--format", "json")
	var doc struct {
		Packages []struct {
			Package string `json:"package"`
		} `json:"packages"`
	}
	if code != 0 || json.Unmarshal([]byte(stdout), &doc) != nil || len(doc.Packages) < 5 {
		t.Errorf("json catalogue: exit %d\n%.300s", code, stdout)
	}
	if code, _, stderr := cli(t, "policy", "doc", "--format", "pdf"); code != exitUsage || !strings.Contains(stderr, "pdf") {
		t.Errorf("unknown format: exit %d %s", code, stderr)
	}
}

func repoRoot(t *testing.T) string {
	t.Helper()
	wd, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return wd
}

// TestEvalExplain: eval --explain tells why a rule fired, for a saved input.
func TestEvalExplain(t *testing.T) {
	dir := acmeDir(t, "1")
	in := writeFile(t, filepath.Join(t.TempDir(), "in.json"),
		`{"apiVersion":"relgate.dev/v1","kind":"ReleaseInput","secrets":[],"vulnerabilities":[],"containers":[],"misconfigurations":[],"migrations":[],"slo":[],"waivers":[],"scanners":[],"release":{"environment":"production","time":"2026-11-20T00:00:00Z","labels":["CHG-7"]}}`)
	code, stdout, stderr := cli(t, "eval", "--input", in, "--policy", dir, "--explain", "ACME001")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"ACME001 — Release without a change ticket", "DID NOT FIRE", "acme.rego:17: not data.relgate.rules.acme.ticket", "decision: no finding of this rule"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("explanation lacks %q:\n%s", want, stdout)
		}
	}
	if code, _, stderr := cli(t, "eval", "--input", in, "--explain", "ACME999"); code != exitUsage || !strings.Contains(stderr, "ACME999") {
		t.Errorf("unknown rule: exit %d %s", code, stderr)
	}
}
