package report

import (
	"bytes"
	"encoding/json"
	"slices"
	"testing"

	"github.com/relgate/relgate/engine"
)

// TestStructuredFields: a finding's structured fields are in the JSON
// report as they are, and in its SARIF result's properties.
func TestStructuredFields(t *testing.T) {
	d := fixtureDecision()
	d.Violations[0].Details = &engine.Details{
		Package: "lodash", InstalledVersion: "4.17.20", FixedVersion: "4.17.21", CVE: "CVE-2021-23337",
		Aliases: []string{"CVE-2021-23337"}, Image: "shop:1.4.0", Layer: "sha256:bb", CWE: []string{"CWE-77", "CWE-94"},
	}
	d.Warnings[0].PreExisting = true
	opts := Options{Rules: fixtureRules()}

	var buf bytes.Buffer
	if err := Write(&buf, "sarif", d, opts); err != nil {
		t.Fatal(err)
	}
	var log struct {
		Runs []struct {
			Results []struct {
				Properties map[string]any `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(buf.Bytes(), &log); err != nil {
		t.Fatal(err)
	}
	var found, pre bool
	for _, r := range log.Runs[0].Results {
		p := r.Properties
		if p["package"] == "lodash" {
			found = true
			cwe, _ := p["cwe"].([]any)
			if p["installed_version"] != "4.17.20" || p["fixed_version"] != "4.17.21" || p["cve"] != "CVE-2021-23337" ||
				p["image"] != "shop:1.4.0" || p["layer"] != "sha256:bb" || len(cwe) != 2 || cwe[1] != "CWE-94" {
				t.Errorf("SARIF properties %v", p)
			}
		}
		if p["pre_existing"] == true {
			pre = true
		}
	}
	if !found || !pre {
		t.Errorf("SARIF results lack the structured fields (%v) or the pre-existing mark (%v)", found, pre)
	}

	buf.Reset()
	if err := Write(&buf, "json", d, opts); err != nil {
		t.Fatal(err)
	}
	var back engine.Decision
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	got := back.Violations[0].Details
	if got == nil || got.Package != "lodash" || got.CVE != "CVE-2021-23337" || !slices.Equal(got.CWE, []string{"CWE-77", "CWE-94"}) || !back.Warnings[0].PreExisting {
		t.Errorf("JSON round trip: %+v, pre-existing %v", got, back.Warnings[0].PreExisting)
	}
}
