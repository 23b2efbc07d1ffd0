package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// failingInput is a saved input judged in staging with a policy that always
// denies at critical severity: a failing gate without running a scanner.
func failingInput(t *testing.T) (input, policy string) {
	t.Helper()
	dir := t.TempDir()
	input = writeFile(t, filepath.Join(dir, "input.json"),
		`{"apiVersion":"relgate.dev/v1","kind":"ReleaseInput","release":{"environment":"staging","time":"2026-12-01T00:00:00Z"},`+
			`"secrets":[],"vulnerabilities":[],"containers":[],"misconfigurations":[],"migrations":[],"slo":[],"waivers":[],"scanners":[]}`)
	policy = writeFile(t, filepath.Join(dir, "policy", "always.rego"), `package relgate.rules.custom

deny contains {"msg": "always denied", "severity": "critical"} if true
`)
	return input, policy
}

// TestExitCodeFlag: --exit-code picks the code of a failing gate, as
// trivy's does; 0 reports the failure without failing the build; the codes
// of the usage and runtime rows are refused.
func TestExitCodeFlag(t *testing.T) {
	input, policy := failingInput(t)
	for _, tc := range []struct {
		flag string
		code int
	}{{"", exitFail}, {"0", 0}, {"1", 1}, {"7", 7}, {"255", 255}} {
		args := []string{"eval", "--input", input, "--policy", policy, "--format", "json"}
		if tc.flag != "" {
			args = append(args, "--exit-code", tc.flag)
		}
		code, stdout, stderr := cli(t, args...)
		if code != tc.code {
			t.Errorf("--exit-code %q: exit %d, want %d\n%s", tc.flag, code, tc.code, stderr)
		}
		if d := decisionOf(t, stdout); d.Result != "fail" {
			t.Errorf("--exit-code %q: result %s, want fail whatever the code", tc.flag, d.Result)
		}
		if stderr != "" {
			t.Errorf("--exit-code %q: a failing gate printed %q on stderr", tc.flag, stderr)
		}
	}
	for _, bad := range []string{"2", "3", "-1", "256"} {
		code, _, stderr := cli(t, "eval", "--input", input, "--policy", policy, "--exit-code", bad)
		if code != exitUsage || !strings.Contains(stderr, "--exit-code "+bad) {
			t.Errorf("--exit-code %s: exit %d, stderr %q; want a usage error naming it", bad, code, stderr)
		}
	}
}

// TestOutputFlag: -o writes the --format report to a file and nothing to stdout.
func TestOutputFlag(t *testing.T) {
	input, policy := failingInput(t)
	out := filepath.Join(t.TempDir(), "decision.json")
	code, stdout, stderr := cli(t, "eval", "--input", input, "--policy", policy, "--format", "json", "-o", out)
	if code != exitFail || stdout != "" {
		t.Fatalf("exit %d, stdout %q, stderr %q; want exit 1 and nothing on stdout", code, stdout, stderr)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("no report at -o: %v", err)
	}
	if d := decisionOf(t, string(data)); d.Result != "fail" {
		t.Errorf("report at -o says %s", d.Result)
	}
}

// TestVersionFlag: relgate --version, as every other CLI answers it.
func TestVersionFlag(t *testing.T) {
	code, stdout, _ := cli(t, "--version")
	if code != exitPass || stdout != "relgate "+version+"\n" {
		t.Errorf("--version: exit %d, %q", code, stdout)
	}
}

// TestQuietFlag: --quiet keeps warnings out of the log unless --log-level
// asks for them.
func TestQuietFlag(t *testing.T) {
	a := &app{stdout: io.Discard, stderr: io.Discard, logLevel: "warn"}
	root := a.rootCommand()
	root.SetArgs([]string{"version", "--quiet"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if a.logLevel != "error" {
		t.Errorf("--quiet: log level %s, want error", a.logLevel)
	}
	a = &app{stdout: io.Discard, stderr: io.Discard, logLevel: "warn"}
	root = a.rootCommand()
	root.SetArgs([]string{"version", "--quiet", "--log-level", "debug"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if a.logLevel != "debug" {
		t.Errorf("--quiet --log-level debug: log level %s, want debug", a.logLevel)
	}
}
