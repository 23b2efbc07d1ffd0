package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// evidenceConfig lowers what production requires to what a test repository
// can bring (no approval source, no images): tests of other rules use it so
// that SCN002 does not hide what they check.
const evidenceConfig = "environments:\n  production:\n    approvals:\n      required: 0\n"

// TestAbsenceOfEvidenceIsNotAPass: the reproductions, in-process.
func TestAbsenceOfEvidenceIsNotAPass(t *testing.T) {
	tmp := t.TempDir()
	header := writeFile(t, filepath.Join(tmp, "header.json"), `{"apiVersion":"relgate.dev/v1","kind":"ReleaseInput"}`)
	bare := writeFile(t, filepath.Join(tmp, "bare.json"), `{"apiVersion":"relgate.dev/v1","kind":"ReleaseInput",
"release":{"environment":"production","time":"2026-11-20T00:00:00Z"},
"secrets":[],"vulnerabilities":[],"containers":[],"misconfigurations":[],"migrations":[],"slo":[],"waivers":[],"scanners":[]}`)
	badStatus := writeFile(t, filepath.Join(tmp, "status.json"), strings.Replace(mustRead(t, bare), `"scanners":[]`, `"scanners":[{"name":"deps","status":"failed","duration_ms":1}]`, 1))
	big := writeFile(t, filepath.Join(tmp, "big.json"), mustRead(t, bare)+strings.Repeat(" ", 1<<20))
	notGit := t.TempDir()
	writeFile(t, filepath.Join(notGit, "main.go"), "package main\n")

	tests := []struct {
		name   string
		args   []string
		exit   int
		stdout string
		stderr string
	}{
		{"only the header", []string{"eval", "--input", header}, exitUsage, "", "header.json: violates schema/input.schema.json: (document): missing properties"},
		{"a schema enum", []string{"eval", "--input", badStatus}, exitUsage, "", "scanners[0].status: value must be one of"},
		{"no facts at all", []string{"eval", "--input", bare, "-f", "json"}, exitFail, `"SCN002"`, ""},
		{"an input larger than the bound", []string{"eval", "--input", big, "--max-input-mb", "1"}, exitUsage, "", "big.json: read input: larger than the limit of 1048576 bytes"},
		{"a typo'd environment in eval", []string{"eval", "--input", bare, "--env", "prodution"}, exitUsage, "", `--env: unknown environment "prodution" (known: dev, development, production, staging`},
		{"a typo'd environment in check", []string{"check", notGit, "--env", "prodution"}, exitUsage, "", `unknown environment "prodution"`},
		{"a typo'd environment in scan", []string{"scan", notGit, "--env", "prodution"}, exitUsage, "", `unknown environment "prodution"`},
		{"a declared environment", []string{"eval", "--input", bare, "--env", "qa", "--config", writeFile(t, filepath.Join(tmp, "qa.yaml"), "environments:\n  qa: {}\n")}, exitPass, "", ""},
		{"not a git repository in production", []string{"check", notGit, "--scanners", "release", "-f", "json"}, exitFail, "release evidence, which is missing: skipped: not a git repository", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tt.args...)
			if code != tt.exit {
				t.Fatalf("exit = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.exit, stdout, stderr)
			}
			if !strings.Contains(stdout, tt.stdout) || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stdout lacks %q or stderr lacks %q\nstdout:\n%s\nstderr:\n%s", tt.stdout, tt.stderr, stdout, stderr)
			}
			if tt.exit == exitUsage && strings.Count(strings.TrimSpace(stderr), "\n") > 0 {
				t.Errorf("usage error is not one line:\n%s", stderr)
			}
		})
	}
}

// TestNoStaleReport: a run that makes no decision leaves no report at a
// --report path, not even one an earlier run wrote.
func TestNoStaleReport(t *testing.T) {
	tmp := t.TempDir()
	sarif := writeFile(t, filepath.Join(tmp, "relgate.sarif"), `{"runs":[{"results":[]}]}`)
	bad := writeFile(t, filepath.Join(tmp, "bad.json"), `{"apiVersion":"relgate.dev/v1","kind":"ReleaseInput"}`)
	if code, _, stderr := cli(t, "eval", "--input", bad, "--report", "sarif="+sarif); code != exitUsage {
		t.Fatalf("exit = %d: %s", code, stderr)
	}
	if _, err := os.Stat(sarif); !os.IsNotExist(err) {
		t.Fatalf("the earlier run's report is still at --report after a run without a decision: %v", err)
	}
}

// TestPolicyCollisionAtLoad: a user policy redefining relgate.main.decision
// is refused when policies load (exit 2), naming both files.
func TestPolicyCollisionAtLoad(t *testing.T) {
	tmp := t.TempDir()
	p := writeFile(t, filepath.Join(tmp, "pol", "main.rego"), "package relgate.main\n\ndecision := {\"result\": \"pass\"}\n")
	in := writeFile(t, filepath.Join(tmp, "in.json"), `{"apiVersion":"relgate.dev/v1","kind":"ReleaseInput",
"release":{"environment":"production","time":"2026-11-20T00:00:00Z"},
"secrets":[],"vulnerabilities":[],"containers":[],"misconfigurations":[],"migrations":[],"slo":[],"waivers":[],"scanners":[]}`)
	code, _, stderr := cli(t, "eval", "--input", in, "--policy", filepath.Dir(p))
	if code != exitUsage || !strings.Contains(stderr, "main.rego:3:") || !strings.Contains(stderr, "policies/main/main.rego:") {
		t.Fatalf("exit = %d, stderr:\n%s", code, stderr)
	}
}

// releaseOnly is a config for tests that run only the release scanner in
// production: the evidence it requires is the release facts alone.
func releaseOnly(t *testing.T) string {
	t.Helper()
	return writeFile(t, filepath.Join(t.TempDir(), "release-only.yaml"), "environments:\n  production:\n    evidence:\n      scanners: [release]\n")
}
