package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/testtools"
	"github.com/relgate/relgate/scanners/deps"
)

var updateDemoDB = flag.Bool("update-demo-db", false, "rebuild testdata/demo-db from its OSV records")

const (
	demoDBRecords = "testdata/demo-db/records"
	demoDB        = "testdata/demo-db"
)

// demoDBTime is the data date of the bundled database: fixed, so the
// archive (and its hash in the manifest) is reproducible.
var demoDBTime = time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)

// TestDemoDBIsCurrent: the demo's offline OSV database is what deps.BuildDB
// makes of the committed records (-update-demo-db rebuilds it).
func TestDemoDBIsCurrent(t *testing.T) {
	t.Chdir(repoRoot(t)) // the manifest records the records' relative path
	if *updateDemoDB {
		if err := deps.BuildDB(demoDBRecords, demoDB, demoDBTime); err != nil {
			t.Fatal(err)
		}
	}
	tmp := t.TempDir()
	if err := deps.BuildDB(demoDBRecords, tmp, demoDBTime); err != nil {
		t.Fatal(err)
	}
	built, err := filepath.Glob(filepath.Join(tmp, "osv-scalibr", "*", "*"))
	if err != nil || len(built) == 0 {
		t.Fatalf("nothing built: %v", err)
	}
	for _, b := range built {
		rel, _ := filepath.Rel(tmp, b)
		want, _ := os.ReadFile(b)
		got, err := os.ReadFile(filepath.Join(demoDB, rel))
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is stale (run go test ./cmd/relgate -run TestDemoDBIsCurrent -update-demo-db): %v", filepath.Join(demoDB, rel), err)
		}
	}
}

// demoArgs are the arguments `make demo` gives relgate: read from the
// Makefile, so the test runs exactly what the README's first command runs.
func demoArgs(t *testing.T, root string) []string {
	t.Helper()
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\t\$\(BIN\) (check [^|;\n]+)`).FindSubmatch(mk)
	if m == nil {
		t.Fatal("Makefile: no `$(BIN) check …` line in the demo target")
	}
	return strings.Fields(string(m[1]))
}

// TestDemo runs `make demo`'s command: the gate fails offline on the demo
// project with a finding from every section the adapters can see, and writes
// SARIF.
func TestDemo(t *testing.T) {
	testtools.Short(t, "the end-to-end demo run")
	root := repoRoot(t)
	t.Chdir(root)
	args := demoArgs(t, root)
	out := t.TempDir()
	// The report files land where the Makefile says (bin/), moved here.
	for i, a := range args {
		if f, p, ok := strings.Cut(a, "="); ok && strings.HasPrefix(p, "bin/") {
			args[i] = f + "=" + filepath.Join(out, filepath.Base(p))
		}
	}
	// stdout is the table make demo shows; the decision is read from a
	// JSON report beside it.
	decision := filepath.Join(out, "decision.json")
	code, stdout, stderr := cli(t, append(args, "--report", "json="+decision)...)
	if code != exitFail {
		t.Fatalf("make demo's gate: exit %d, want %d (fail)\n%s\n%s", code, exitFail, stdout, stderr)
	}
	if !regexp.MustCompile(`(?m)^Total: \d+ \(CRITICAL: \d+, HIGH: \d+`).MatchString(stdout) {
		t.Errorf("make demo shows no trivy-style summary line:\n%s", stdout)
	}
	d := decisionOf(t, mustRead(t, decision))
	if d.Result != engine.ResultFail {
		t.Errorf("result %s, want fail", d.Result)
	}
	var areas []string
	for _, f := range slices.Concat(d.Violations, d.Warnings) {
		id := strings.TrimRight(f.Rule, "0123456789")
		if !slices.Contains(areas, id) {
			areas = append(areas, id)
		}
	}
	for _, want := range []string{"SEC", "VUL", "IMG", "IAC", "MIG", "SLO", "APR", "TST"} {
		if !slices.Contains(areas, want) {
			t.Errorf("no %s finding in the demo (got %v)", want, areas)
		}
	}
	for _, s := range d.Scanners {
		// The demo's config leaves the release scanner out: its git facts
		// would be relgate's own. Every scanner it enables must be ok.
		if s.Name == "release" && s.Status == engine.StatusSkipped && s.Reason == engine.ReasonNotSelected {
			continue
		}
		if s.Status != "ok" {
			t.Errorf("scanner %s: %s %s", s.Name, s.Status, s.Error)
		}
	}
	env, err := os.ReadFile("testdata/demo/config/production.env")
	if err != nil {
		t.Fatal(err)
	}
	key := regexp.MustCompile(`AKIA[A-Z2-7]{16}`).Find(env)
	if key == nil || strings.Contains(stdout+stderr, string(key)) {
		t.Errorf("the demo's fake key (found: %v) shows in the output", key != nil)
	}
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []json.RawMessage `json:"results"`
		} `json:"runs"`
	}
	data, err := os.ReadFile(filepath.Join(out, "demo.sarif"))
	if err != nil {
		t.Fatalf("make demo writes no SARIF: %v", err)
	}
	if err := json.Unmarshal(data, &sarif); err != nil || sarif.Version != "2.1.0" || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) == 0 {
		t.Errorf("demo SARIF: version %q, %d runs, err %v", sarif.Version, len(sarif.Runs), err)
	}
	validateSARIF(t, filepath.Join(out, "demo.sarif"))
	page, err := os.ReadFile(filepath.Join(out, "demo.html"))
	if err != nil || !bytes.Contains(page, []byte(`<h1 id="result">relgate FAIL</h1>`)) {
		t.Errorf("make demo writes no HTML report with the verdict: %v", err)
	}
}

// validateSARIF runs the Microsoft SARIF multitool (RELGATE_SARIF_MULTITOOL,
// installed by .ci/deps.sh; a missing validator fails the test) on the file: no
// error or warning of its SARIF and GitHub rules may remain.
func validateSARIF(t *testing.T, file string) {
	t.Helper()
	tool := testtools.SARIFMultitool(t)
	log := filepath.Join(t.TempDir(), "validation.sarif")
	cmd := exec.Command(tool, "validate", "--rule-kind", "Gh;Sarif", "--level", "Error;Warning",
		"--output", log, "--log", "ForceOverwrite;PrettyPrint", file)
	cmd.Env = append(os.Environ(), "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1", "DOTNET_CLI_TELEMETRY_OPTOUT=1")
	if console, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("sarif-multitool validate: %v\n%s", err, console)
	}
	data, err := os.ReadFile(log)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		Runs []struct {
			Results []struct {
				RuleID  string `json:"ruleId"`
				Level   string `json:"level"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
			} `json:"results"`
			Invocations []struct {
				ExecutionSuccessful bool `json:"executionSuccessful"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &v); err != nil || len(v.Runs) != 1 || len(v.Runs[0].Invocations) == 0 || !v.Runs[0].Invocations[0].ExecutionSuccessful {
		t.Fatalf("multitool log unreadable or run failed (%v):\n%s", err, data)
	}
	for _, r := range v.Runs[0].Results {
		t.Errorf("demo SARIF: %s %s: %s", r.Level, r.RuleID, r.Message.Text)
	}
}
