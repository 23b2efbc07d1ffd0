package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestBaselineGate: adopted on a failing project, the gate fails only on
// what is new since the baseline run.
func TestBaselineGate(t *testing.T) {
	r := releaseRepo(t)
	r.Branch("feature/x")
	r.Write("x.go", "package main\n")
	r.Commit("feat: x")
	out := t.TempDir()
	base := filepath.Join(out, "base.json")
	sarif := filepath.Join(out, "base.sarif")
	code, stdout, stderr := cli(t, "check", r.Dir, "--scanners", "release", "--report", "json="+base, "--report", "sarif="+sarif)
	if code != exitFail {
		t.Fatalf("first run: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, b := range []string{base, sarif} {
		code, stdout, stderr = cli(t, "check", r.Dir, "--scanners", "release", "--baseline", b, "--format", "json")
		if code != exitPass {
			t.Fatalf("--baseline %s: exit %d\n%s\n%s", filepath.Base(b), code, stdout, stderr)
		}
		d := decisionOf(t, stdout)
		known := 0
		for _, w := range d.Warnings {
			if w.Known && w.Rule == "REL001" {
				known++
			}
		}
		if known != 1 || len(d.Violations) != 0 {
			t.Errorf("--baseline %s: known REL001 %d, violations %+v", filepath.Base(b), known, d.Violations)
		}
	}

	r.Branch("feature/y")
	code, stdout, _ = cli(t, "check", r.Dir, "--scanners", "release", "--baseline", base, "--format", "json")
	if code != exitFail || len(decisionOf(t, stdout).Violations) != 1 {
		t.Errorf("a new finding must fail: exit %d\n%s", code, stdout)
	}

	code, _, stderr = cli(t, "check", r.Dir, "--baseline", filepath.Join(out, "none.json"))
	if code != exitUsage || !strings.Contains(stderr, "--baseline") {
		t.Errorf("missing baseline: exit %d %s", code, stderr)
	}
	notJSON := writeFile(t, filepath.Join(out, "x.json"), "waivers: []\n")
	code, _, stderr = cli(t, "check", r.Dir, "--scanners", "release", "--baseline", notJSON)
	if code != exitUsage || !strings.Contains(stderr, "read baseline") {
		t.Errorf("unreadable baseline: exit %d %s", code, stderr)
	}
}
