package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestNoConfigNoLocation: in a repository without .relgate.yaml, a finding
// that has no file of its own (REL003, a release without a version) points
// nowhere in any format, not at a .relgate.yaml that does not exist (issue
// 18): no path in JSON, no physical location in SARIF (code scanning puts
// it on the repository), no file= in an annotation, no location in the
// table, Markdown and JUnit rows.
func TestNoConfigNoLocation(t *testing.T) {
	r := releaseRepo(t)
	r.Write("main.go", "package main\n\nfunc main() {}\n")
	r.Commit("feat: unreleased")
	run := func(format string) string {
		t.Helper()
		code, out, stderr := cli(t, "check", r.Dir, "--scanners", "release", "--env", "production", "-f", format)
		if code > exitFail || !strings.Contains(out, "REL003") {
			t.Fatalf("%s: exit %d, no REL003 for an untagged production release\n%s\n%s", format, code, out, stderr)
		}
		return out
	}
	d := decisionOf(t, run("json"))
	for _, f := range append(d.Violations, d.Warnings...) {
		if f.Rule == "REL003" && f.Location.Path != "" {
			t.Errorf("json: REL003 at %+v", f.Location)
		}
	}
	var sarif struct {
		Runs []struct {
			Results []struct {
				RuleID    string            `json:"ruleId"`
				Locations []json.RawMessage `json:"locations"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(run("sarif")), &sarif); err != nil {
		t.Fatal(err)
	}
	for _, res := range sarif.Runs[0].Results {
		for _, l := range res.Locations {
			if res.RuleID == "REL003" && strings.Contains(string(l), "physicalLocation") {
				t.Errorf("sarif: REL003 at %s", l)
			}
		}
	}
	for _, format := range []string{"github", "table", "markdown", "junit"} {
		for _, line := range strings.Split(run(format), "\n") {
			if strings.Contains(line, "REL003") && (strings.Contains(line, ".relgate.yaml") || strings.Contains(line, "file=")) {
				t.Errorf("%s: REL003 has a location: %s", format, line)
			}
		}
	}
}
