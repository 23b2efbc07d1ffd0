package report

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/testtools"
)

// The subset of SARIF the tests read back.
type sarifLog struct {
	Schema  string `json:"$schema"`
	Version string `json:"version"`
	Runs    []struct {
		Tool struct {
			Driver struct {
				Name           string `json:"name"`
				Version        string `json:"version"`
				InformationURI string `json:"informationUri"`
				Rules          []struct {
					ID               string `json:"id"`
					Name             string `json:"name"`
					ShortDescription struct{ Text string }
					FullDescription  struct{ Text string }
					Help             struct{ Text, Markdown string }
					HelpURI          string `json:"helpUri"`
					Default          struct {
						Level   string `json:"level"`
						Enabled bool   `json:"enabled"`
					} `json:"defaultConfiguration"`
					Properties map[string]any `json:"properties"`
				} `json:"rules"`
			} `json:"driver"`
		} `json:"tool"`
		Results []struct {
			RuleID    string `json:"ruleId"`
			RuleIndex int    `json:"ruleIndex"`
			Level     string `json:"level"`
			Message   struct {
				Text string `json:"text"`
			} `json:"message"`
			Locations []struct {
				PhysicalLocation struct {
					ArtifactLocation struct {
						URI       string `json:"uri"`
						URIBaseID string `json:"uriBaseId"`
					} `json:"artifactLocation"`
					Region struct {
						StartLine int `json:"startLine"`
						EndLine   int `json:"endLine"`
					} `json:"region"`
				} `json:"physicalLocation"`
			} `json:"locations"`
			PartialFingerprints map[string]string `json:"partialFingerprints"`
			Suppressions        []struct {
				Kind, Status, Justification string
			} `json:"suppressions"`
			Properties map[string]any `json:"properties"`
		} `json:"results"`
		Properties map[string]any `json:"properties"`
	} `json:"runs"`
}

func readSARIF(t *testing.T, data []byte) sarifLog {
	t.Helper()
	var log sarifLog
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("sarif output is not JSON: %v", err)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("got %d runs, want 1", len(log.Runs))
	}
	return log
}

func TestSARIFContent(t *testing.T) {
	d := fixtureDecision()
	log := readSARIF(t, render(t, "sarif", d, fixtureOptions()))
	if log.Version != "2.1.0" || log.Schema != sarifSchemaURI {
		t.Errorf("version %q schema %q", log.Version, log.Schema)
	}
	run := log.Runs[0]
	drv := run.Tool.Driver
	if drv.Name != "relgate" || drv.Version != "1.2.3" || drv.InformationURI != "https://github.com/relgate/relgate" {
		t.Errorf("driver = %q %q %q", drv.Name, drv.Version, drv.InformationURI)
	}

	// Rules: exactly those used, sorted; VULN002 synthesized from its finding.
	var ids []string
	for _, r := range drv.Rules {
		ids = append(ids, r.ID)
		if !r.Default.Enabled {
			t.Errorf("rule %s is disabled by default", r.ID)
		}
	}
	if got, want := strings.Join(ids, ","), "APR001,MIG001,SCN001,SEC001,SLO001,VULN001,VULN002"; got != want {
		t.Errorf("rules = %s, want %s", got, want)
	}
	rule := func(id string) int {
		for i, r := range drv.Rules {
			if r.ID == id {
				return i
			}
		}
		t.Fatalf("no rule %s", id)
		return -1
	}
	sec := drv.Rules[rule("SEC001")]
	if sec.ShortDescription.Text != "Leaked secret" || !strings.Contains(sec.FullDescription.Text, "committed") ||
		!strings.Contains(sec.Help.Markdown, "**Remediation**") || !strings.Contains(sec.Help.Text, "owasp.org") ||
		sec.HelpURI == "" || sec.Name != "LeakedSecret" || sec.Default.Level != "error" {
		t.Errorf("SEC001 rule = %+v", sec)
	}
	if got := sec.Properties["security-severity"]; got != "9.5" {
		t.Errorf("SEC001 security-severity = %v", got)
	}
	if tags := fmt.Sprint(sec.Properties["tags"]); tags != "[security secrets cwe-798]" {
		t.Errorf("SEC001 tags = %s", tags)
	}
	for id, want := range map[string]string{"APR001": "8.0", "MIG001": "5.5", "SLO001": "2.0", "VULN002": "5.5"} {
		if got := drv.Rules[rule(id)].Properties["security-severity"]; got != want {
			t.Errorf("%s security-severity = %v, want %s", id, got, want)
		}
	}
	if v2 := drv.Rules[rule("VULN002")]; v2.ShortDescription.Text != "Vulnerable base image package" || v2.Default.Level != "warning" {
		t.Errorf("synthesized VULN002 = %+v", v2)
	}

	if got, want := len(run.Results), 8; got != want {
		t.Fatalf("%d results, want %d (violations, warnings and waived)", got, want)
	}
	levels := map[string]string{}
	for _, r := range run.Results {
		if drv.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s has ruleIndex %d → %s", r.RuleID, r.RuleIndex, drv.Rules[r.RuleIndex].ID)
		}
		if len(r.Locations) != 1 {
			t.Fatalf("result %s has %d locations", r.RuleID, len(r.Locations))
		}
		pl := r.Locations[0].PhysicalLocation
		if pl.Region.StartLine < 1 || pl.ArtifactLocation.URIBaseID != "%SRCROOT%" || pl.ArtifactLocation.URI == "" {
			t.Errorf("result %s location = %+v", r.RuleID, pl)
		}
		if h := r.PartialFingerprints["primaryLocationLineHash"]; len(h) != 18 || !strings.HasSuffix(h, ":1") {
			t.Errorf("result %s primaryLocationLineHash = %q", r.RuleID, h)
		}
		levels[r.RuleID+"/"+fmt.Sprint(r.Properties["kind"])] = r.Level
		waived := r.Properties["kind"] == "waived"
		if waived != (len(r.Suppressions) == 1) {
			t.Errorf("result %s (%v) has suppressions %+v", r.RuleID, r.Properties["kind"], r.Suppressions)
		}
	}
	want := map[string]string{
		"SEC001/violation": "error", "VULN001/violation": "error", "APR001/violation": "error", "SCN001/violation": "error",
		"MIG001/warning": "warning", "SLO001/warning": "note", "VULN002/waived": "warning", "VULN001/waived": "error",
	}
	if fmt.Sprint(levels) != fmt.Sprint(want) {
		t.Errorf("levels = %v, want %v", levels, want)
	}

	// The finding without a file points at the config file, line 1.
	for _, r := range run.Results {
		if r.RuleID == "APR001" {
			pl := r.Locations[0].PhysicalLocation
			if pl.ArtifactLocation.URI != ".relgate.yaml" || pl.Region.StartLine != 1 {
				t.Errorf("APR001 location = %+v", pl)
			}
		}
		if r.RuleID == "SEC001" {
			pl := r.Locations[0].PhysicalLocation
			if pl.ArtifactLocation.URI != "deploy/na%C3%AFve%20config,v2.yaml" || pl.Region.StartLine != 12 || pl.Region.EndLine != 12 {
				t.Errorf("SEC001 location = %+v", pl)
			}
			if !strings.Contains(r.Message.Text, "| see <docs> & rotate: 100% exposed\nsecond line, ünïcødé") {
				t.Errorf("SEC001 message = %q", r.Message.Text)
			}
		}
		if r.RuleID == "VULN002" {
			s := r.Suppressions[0]
			if s.Kind != "external" || s.Status != "accepted" || !strings.Contains(s.Justification, "not reachable") ||
				!strings.Contains(s.Justification, "alice@example.com") || !strings.Contains(s.Justification, "2026-12-31") {
				t.Errorf("VULN002 suppression = %+v", s)
			}
		}
	}

	props := run.Properties
	for k, v := range map[string]any{"result": "fail", "score": 62.5, "environment": "production", "input_digest": d.InputDigest, "policy_digest": d.PolicyDigest} {
		if props[k] != v {
			t.Errorf("run.properties.%s = %v, want %v", k, props[k], v)
		}
	}
	if _, ok := props["truncated"]; ok {
		t.Error("run.properties.truncated set on a small report")
	}
}

// TestSARIFLineHashSurvivesLineShifts: GitHub matches alerts across runs by
// primaryLocationLineHash, so moving the finding's line must not change it,
// and a different finding must not share it.
func TestSARIFLineHashSurvivesLineShifts(t *testing.T) {
	hashes := func(d *engine.Decision) map[string]string {
		out := map[string]string{}
		for _, r := range readSARIF(t, render(t, "sarif", d, fixtureOptions())).Runs[0].Results {
			out[r.RuleID+"/"+fmt.Sprint(r.Properties["fingerprint"])] = r.PartialFingerprints["primaryLocationLineHash"]
		}
		return out
	}
	base := hashes(fixtureDecision())
	shifted := fixtureDecision()
	for i := range shifted.Violations {
		shifted.Violations[i].Location.StartLine += 17
		shifted.Violations[i].Location.EndLine += 17
	}
	if got := hashes(shifted); fmt.Sprint(got) != fmt.Sprint(base) {
		t.Errorf("hashes changed with the lines:\n got %v\nwant %v", got, base)
	}
	seen := map[string]string{}
	for k, h := range base {
		if other, dup := seen[h]; dup {
			t.Errorf("%s and %s share hash %s", k, other, h)
		}
		seen[h] = k
	}
	// One fingerprint in two places: same hash, told apart by occurrence.
	twice := fixtureDecision()
	dup := twice.Violations[0]
	dup.Location.Path = "other/go.sum"
	twice.Violations = append(twice.Violations, dup)
	var occ []string
	for _, r := range readSARIF(t, render(t, "sarif", twice, fixtureOptions())).Runs[0].Results {
		if r.Properties["fingerprint"] == dup.Fingerprint && r.Properties["kind"] == "violation" {
			occ = append(occ, r.PartialFingerprints["primaryLocationLineHash"])
		}
	}
	if len(occ) != 2 || occ[0] == occ[1] || occ[0][:16] != occ[1][:16] || !strings.HasSuffix(occ[1], ":2") {
		t.Errorf("duplicate fingerprints: hashes %v", occ)
	}
	if a, b := lineHash(engine.Finding{Rule: "R", Fingerprint: "x"}), lineHash(engine.Finding{Rule: "R", Fingerprint: "y"}); a == b {
		t.Error("different fingerprints, same hash")
	}
	if a, b := lineHash(engine.Finding{Rule: "R1", Fingerprint: "x"}), lineHash(engine.Finding{Rule: "R2", Fingerprint: "x"}); a == b {
		t.Error("different rules, same hash")
	}
	// Pinned: a change of the derivation would reopen every alert on GitHub.
	if got := lineHash(engine.Finding{Rule: "SEC001", Fingerprint: "sha256:abc", Location: engine.Location{StartLine: 99}}); got != "c83c028452d260a7" {
		t.Errorf("lineHash derivation changed: %s", got)
	}
}

func TestSARIFFindingWithoutRule(t *testing.T) {
	d := &engine.Decision{Warnings: []engine.Finding{{Message: "no id", Severity: "low"}}}
	run := readSARIF(t, render(t, "sarif", d, Options{})).Runs[0]
	if len(run.Results) != 1 || run.Results[0].RuleID != "NOID0" || run.Tool.Driver.Rules[0].ID != "NOID0" {
		t.Errorf("finding without a rule id: %+v", run)
	}
}

func TestSARIFTruncatesToLimits(t *testing.T) {
	d := fixtureDecision()
	var buf bytes.Buffer
	limits := sarifLimits{results: 3, rules: 25000, tagsPerRule: 2}
	if err := writeSARIF(&buf, d, fixtureOptions(), limits); err != nil {
		t.Fatal(err)
	}
	log := readSARIF(t, buf.Bytes())
	run := log.Runs[0]
	if len(run.Results) != 3 {
		t.Fatalf("%d results, want 3", len(run.Results))
	}
	for _, r := range run.Results {
		if r.Properties["kind"] != "violation" {
			t.Errorf("truncation kept a %v before the violations", r.Properties["kind"])
		}
	}
	if len(run.Tool.Driver.Rules) != 3 {
		t.Errorf("%d rules for 3 results", len(run.Tool.Driver.Rules))
	}
	tr, ok := run.Properties["truncated"].(map[string]any)
	if !ok {
		t.Fatalf("truncation not recorded: %v", run.Properties)
	}
	if got := fmt.Sprint(tr["results"]); got != "map[kept:3 total:8]" {
		t.Errorf("truncated.results = %s", got)
	}
	if got := fmt.Sprint(tr["tags"]); got != "map[kept_per_rule:2 rules:[SEC001]]" {
		t.Errorf("truncated.tags = %s", got)
	}
	if githubLimits != (sarifLimits{results: 25000, rules: 25000, tagsPerRule: 20}) {
		t.Errorf("GitHub's limits changed: %+v", githubLimits)
	}
}

// sarifSamples are the SARIF documents every validator must accept.
func sarifSamples(t *testing.T) map[string][]byte {
	t.Helper()
	var truncated bytes.Buffer
	if err := writeSARIF(&truncated, fixtureDecision(), fixtureOptions(), sarifLimits{results: 2, rules: 10, tagsPerRule: 1}); err != nil {
		t.Fatal(err)
	}
	odd := &engine.Decision{Result: "warn", Warnings: []engine.Finding{{Message: "a user policy without custom.id", Location: engine.Location{Path: "x y/ü%.txt"}}}}
	return map[string][]byte{
		"odd.sarif":       render(t, "sarif", odd, Options{Version: "v0.9.0"}),
		"fixture.sarif":   render(t, "sarif", fixtureDecision(), fixtureOptions()),
		"empty.sarif":     render(t, "sarif", emptyDecision(), Options{}),
		"zero.sarif":      render(t, "sarif", &engine.Decision{}, Options{}),
		"truncated.sarif": truncated.Bytes(),
	}
}

// invalidSARIF breaks a valid report the way a buggy writer could: a
// region starting at line 0 and results pointing into a missing rules array.
func invalidSARIF(t *testing.T) []byte {
	t.Helper()
	var doc map[string]any
	if err := json.Unmarshal(render(t, "sarif", fixtureDecision(), fixtureOptions()), &doc); err != nil {
		t.Fatal(err)
	}
	run := doc["runs"].([]any)[0].(map[string]any)
	delete(run["tool"].(map[string]any)["driver"].(map[string]any), "rules")
	res := run["results"].([]any)[0].(map[string]any)
	res["locations"].([]any)[0].(map[string]any)["physicalLocation"].(map[string]any)["region"].(map[string]any)["startLine"] = 0
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestSARIFSchema validates the reports against the SARIF 2.1.0 JSON Schema
// (RELGATE_SARIF_SCHEMA), with formats asserted, and checks that the schema
// rejects a broken report, so a validator that accepts anything fails.
func TestSARIFSchema(t *testing.T) {
	schemaPath := testtools.SARIFSchema(t)
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("read schema: %v", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	if err := c.AddResource("sarif-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	sch, err := c.Compile("sarif-2.1.0.json")
	if err != nil {
		t.Fatalf("compile schema: %v", err)
	}
	validate := func(data []byte) error {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			return err
		}
		return sch.Validate(v)
	}
	for name, data := range sarifSamples(t) {
		if err := validate(data); err != nil {
			t.Errorf("%s does not match the SARIF schema: %v", name, err)
		}
	}
	if err := validate(invalidSARIF(t)); err == nil {
		t.Error("the schema accepted a report with startLine 0: the validation proves nothing")
	}
}

// multitoolResult is one finding of the SARIF multitool's validator.
type multitoolResult struct {
	RuleID  string `json:"ruleId"`
	Level   string `json:"level"`
	Message struct {
		Text      string   `json:"text"`
		Arguments []string `json:"arguments"`
	} `json:"message"`
	Locations []struct {
		PhysicalLocation struct {
			ArtifactLocation struct {
				URI string `json:"uri"`
			} `json:"artifactLocation"`
		} `json:"physicalLocation"`
	} `json:"locations"`
}

// multitoolConfig turns off SARIF2006 (UrisShouldBeReachable), the one
// rule that fetches URLs: tests never touch the internet.
const multitoolConfig = `<?xml version="1.0" encoding="utf-8"?>
<Properties>
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />
  </Properties>
</Properties>
`

// runMultitool validates files in one run of Microsoft's SARIF multitool,
// with its GitHub (Gh) and SARIF rule sets, and returns its findings by file
// name. The validator exits 0 whatever it finds, so the test reads the SARIF
// log it writes.
func runMultitool(t *testing.T, tool string, files ...string) map[string][]multitoolResult {
	t.Helper()
	dir := t.TempDir()
	out, cfg := filepath.Join(dir, "validation.sarif"), filepath.Join(dir, "validation.xml")
	if err := os.WriteFile(cfg, []byte(multitoolConfig), 0o644); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"validate", "--config", cfg, "--rule-kind", "Gh;Sarif", "--level", "Error;Warning;Note",
		"--output", out, "--log", "ForceOverwrite;PrettyPrint"}, files...)
	cmd := exec.Command(tool, args...)
	cmd.Env = append(os.Environ(), "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1", "DOTNET_CLI_TELEMETRY_OPTOUT=1")
	console, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sarif-multitool validate: %v\n%s", err, console)
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatalf("read multitool log: %v\n%s", err, console)
	}
	var log struct {
		Runs []struct {
			Results     []multitoolResult `json:"results"`
			Invocations []struct {
				ExecutionSuccessful bool `json:"executionSuccessful"`
				Notifications       []struct {
					Level   string `json:"level"`
					Message struct{ Text string }
				} `json:"toolExecutionNotifications"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil || len(log.Runs) != 1 || len(log.Runs[0].Invocations) == 0 {
		t.Fatalf("unreadable multitool log (%v):\n%s\n%s", err, data, console)
	}
	inv := log.Runs[0].Invocations[0]
	if !inv.ExecutionSuccessful {
		t.Fatalf("multitool did not run successfully: %+v\n%s", inv.Notifications, console)
	}
	for _, n := range inv.Notifications {
		if n.Level == "error" || n.Level == "warning" {
			t.Fatalf("multitool %s: %s\n%s", n.Level, n.Message.Text, console)
		}
	}
	byFile := map[string][]multitoolResult{}
	for _, r := range log.Runs[0].Results {
		name := "?"
		if len(r.Locations) > 0 {
			name = filepath.Base(r.Locations[0].PhysicalLocation.ArtifactLocation.URI)
		}
		byFile[name] = append(byFile[name], r)
	}
	return byFile
}

// allowedNote says whether a validator note is one relgate chooses not to
// follow, and why. Errors and warnings are never allowed.
func allowedNote(r multitoolResult) bool {
	if r.Level != "note" {
		return false
	}
	switch r.RuleID {
	case "SARIF2002": // message arguments: messages are sentences the policies write; there are no templates
		return true
	case "SARIF2003": // versionControlProvenance: the report does not know the repository; the upload records commit and ref
		return true
	case "SARIF2010", "SARIF2011": // snippets, context regions: they would copy repository content, secrets included, into the report
		return true
	case "SARIF2012":
		// helpUri: given only where the rule's METADATA names related resources;
		// rules: a run without findings references none. A bad rule name is not allowed.
		args := r.Message.Arguments
		return len(args) == 2 && !strings.HasSuffix(args[0], ".name") || len(args) == 1 && args[0] == "runs[0].tool.driver"
	}
	return false
}

// TestSARIFMultitool validates the reports with the SARIF multitool
// (RELGATE_SARIF_MULTITOOL). A broken report goes into the same run and must
// be reported: the multitool reports nothing at all for a file it cannot
// read, so a clean result means something only when this canary fails.
func TestSARIFMultitool(t *testing.T) {
	tool := testtools.SARIFMultitool(t)
	dir := t.TempDir()
	files := []string{filepath.Join(dir, "invalid.sarif")}
	if err := os.WriteFile(files[0], invalidSARIF(t), 0o644); err != nil {
		t.Fatal(err)
	}
	samples := sarifSamples(t)
	for _, name := range sortedKeys(samples) {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, samples[name], 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, path)
	}
	results := runMultitool(t, tool, files...)

	found := map[string]bool{}
	for _, r := range results["invalid.sarif"] {
		if r.Level == "error" {
			found[r.RuleID] = true
		}
	}
	for _, rule := range []string{"JSON1008", "SARIF1009"} { // startLine < 1; ruleIndex into a missing array
		if !found[rule] {
			t.Fatalf("the multitool did not report %s on a broken report (found %v): its validation proves nothing", rule, found)
		}
	}
	delete(results, "invalid.sarif")
	for _, name := range sortedKeys(results) {
		for _, r := range results[name] {
			if !allowedNote(r) {
				t.Errorf("%s: %s %s: %s %v", name, r.Level, r.RuleID, r.Message.Text, r.Message.Arguments)
			}
		}
	}
}
