package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
)

func ruleIDs(fs []engine.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	slices.Sort(out)
	return out
}

// TestWaiverExpiresIntoViolation: a waiver accepts a finding and shows who,
// why and until when in every report; the same saved input judged after the
// expiry fails with the finding and the stale waiver.
func TestWaiverExpiresIntoViolation(t *testing.T) {
	r := releaseRepo(t)
	r.Branch("hotfix-login")
	r.Write("login.go", "package main\n")
	r.Commit("fix: login")
	expires := time.Now().UTC().AddDate(0, 0, 10).Format(time.DateOnly)
	writeFile(t, filepath.Join(r.Dir, ".relgate-waivers.yaml"), `waivers:
  - rule: REL001
    scope:
      path: "**"
    reason: emergency fix released from its branch
    approver: alice@example.com
    expires: `+expires+`
    ticket: OPS-42
`)
	out := t.TempDir()
	saved := filepath.Join(out, "input.json")
	code, stdout, stderr := cli(t, "check", r.Dir, "--scanners", "release", "--config", releaseOnly(t), "--format", "json", "--save-input", saved,
		"--report", "sarif="+filepath.Join(out, "r.sarif"), "--report", "markdown="+filepath.Join(out, "r.md"), "--report", "table="+filepath.Join(out, "r.txt"))
	if code != exitPass {
		t.Fatalf("exit = %d\n%s\n%s", code, stdout, stderr)
	}
	d := decisionOf(t, stdout)
	if len(d.Waived) != 1 || d.Waived[0].Rule != "REL001" || d.Waived[0].Waiver == nil ||
		d.Waived[0].Waiver.Approver != "alice@example.com" || d.Waived[0].Waiver.Location.Path != ".relgate-waivers.yaml" {
		t.Fatalf("waived = %+v", d.Waived)
	}
	if got := ruleIDs(d.Warnings); !slices.Contains(got, "WVR002") {
		t.Errorf("warnings %v lack WVR002 (expires in 10 days)", got)
	}
	for _, name := range []string{"r.sarif", "r.md", "r.txt"} {
		data, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"alice@example.com", "emergency fix released from its branch", expires} {
			if !strings.Contains(string(data), want) {
				t.Errorf("%s does not show %q", name, want)
			}
		}
	}
	var sarif struct {
		Runs []struct {
			Results []struct {
				RuleID       string `json:"ruleId"`
				Suppressions []struct {
					Kind, Status, Justification string
				} `json:"suppressions"`
			} `json:"results"`
		} `json:"runs"`
	}
	data, _ := os.ReadFile(filepath.Join(out, "r.sarif"))
	if err := json.Unmarshal(data, &sarif); err != nil {
		t.Fatal(err)
	}
	suppressed := 0
	for _, res := range sarif.Runs[0].Results {
		if res.RuleID == "REL001" && len(res.Suppressions) == 1 && strings.Contains(res.Suppressions[0].Justification, "approved by alice@example.com") {
			suppressed++
		}
	}
	if suppressed != 1 {
		t.Errorf("SARIF has %d suppressed REL001 results with a justification, want 1", suppressed)
	}

	// Eleven days on, the saved facts judge differently.
	var in map[string]any
	raw, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &in); err != nil {
		t.Fatal(err)
	}
	in["release"].(map[string]any)["time"] = time.Now().UTC().AddDate(0, 0, 11).Format(time.RFC3339)
	raw, _ = json.Marshal(in)
	later := writeFile(t, filepath.Join(out, "later.json"), string(raw))
	code, stdout, stderr = cli(t, "eval", "--input", later, "--config", releaseOnly(t), "--format", "json")
	if code != exitFail {
		t.Fatalf("after expiry: exit = %d\n%s\n%s", code, stdout, stderr)
	}
	d = decisionOf(t, stdout)
	if got := ruleIDs(d.Violations); !slices.Equal(got, []string{"REL001", "WVR001"}) || len(d.Waived) != 0 {
		t.Errorf("after expiry: violations %v, waived %d; want REL001 and WVR001", got, len(d.Waived))
	}

	// A renewed waiver file given to eval replaces the saved waivers.
	renewed := writeFile(t, filepath.Join(out, "renewed.yaml"), strings.Replace(mustRead(t, filepath.Join(r.Dir, ".relgate-waivers.yaml")),
		expires, time.Now().UTC().AddDate(0, 0, 40).Format(time.DateOnly), 1))
	if code, stdout, stderr := cli(t, "eval", "--input", later, "--config", releaseOnly(t), "--waivers", renewed); code != exitPass {
		t.Errorf("renewed waiver: exit = %d\n%s\n%s", code, stdout, stderr)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestWaiverFileErrors: a bad waiver file stops the gate before any scan,
// naming the file and line; the path comes from the flag or the config.
func TestWaiverFileErrors(t *testing.T) {
	r := releaseRepo(t)
	tmp := t.TempDir()
	bad := writeFile(t, filepath.Join(tmp, "w.yaml"), "waivers:\n  - rule: REL001\n    scope: {path: '**'}\n    reason: r\n    expires: 2026-13-01\n")
	writeFile(t, filepath.Join(tmp, "cfg", "relgate.yaml"), "waivers_file: ops/waivers.yaml\n")
	writeFile(t, filepath.Join(r.Dir, "ops", "waivers.yaml"), "waivers:\n  - rule: REL001\n    scope: {path: '**'}\n    reason: r\n    expires: 2026-01-01\n    owner: bob\n")
	tests := []struct {
		name   string
		args   []string
		stderr string
	}{
		{"bad date", []string{"check", r.Dir, "--waivers", bad}, `w.yaml:5: expires: "2026-13-01" is not a valid date`},
		{"missing flag file", []string{"check", r.Dir, "--waivers", filepath.Join(tmp, "none.yaml")}, "none.yaml: read waivers: no such file"},
		{"config file with unknown key", []string{"check", r.Dir, "--config", filepath.Join(tmp, "cfg", "relgate.yaml")}, `ops/waivers.yaml:6: unknown key "owner"`},
		{"eval with a bad file", []string{"eval", "--input", writeFile(t, filepath.Join(tmp, "in.json"), `{"apiVersion":"relgate.dev/v1","kind":"ReleaseInput","secrets":[],"vulnerabilities":[],"containers":[],"misconfigurations":[],"migrations":[],"slo":[],"waivers":[],"scanners":[],"release":{"environment":"production","time":"2026-11-20T00:00:00Z"}}`), "--waivers", bad}, "w.yaml:5:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tt.args...)
			if code != exitUsage || !strings.Contains(stderr, tt.stderr) {
				t.Fatalf("exit = %d, stderr %q, want 2 and %q\n%s", code, stderr, tt.stderr, stdout)
			}
		})
	}
}
