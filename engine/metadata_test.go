package engine_test

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

// ticketPolicy is the trivy-checks layout: the METADATA block before
// `package`, scope package, one rule id for the package. md is how the
// rule reads its METADATA.
func ticketPolicy(md string) string {
	return `# METADATA
# scope: package
# title: Release without a change ticket
# description: Every production release names its change ticket in a label.
# custom:
#   id: ACME002
#   severity: high
#   remediation: Label the release with its ticket, e.g. CHG-1234.
package relgate.rules.acme_ticket

import data.relgate.lib

deny contains v if {
	lib.is_production
	not ticket
	v := lib.finding(` + md + `, {
		"msg": "production release without a CHG- label",
		"location": {"path": "", "start_line": 0, "end_line": 0},
		"fingerprint": crypto.sha256("ACME002"),
	})
}

ticket if {
	some l in input.release.labels
	startswith(l, "CHG-")
}
`
}

const ticketTest = `package relgate.rules.acme_ticket_test

import data.relgate.rules.acme_ticket

test_without_ticket_denied if {
	ds := acme_ticket.deny with input as {"release": {"environment": "production", "labels": []}}
	{v.rule | some v in ds} == {"ACME002"}
}

test_with_ticket_passes if {
	count(acme_ticket.deny) == 0 with input as {"release": {"environment": "production", "labels": ["CHG-1"]}}
}
`

func ticketDir(t *testing.T, md string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "acme_ticket")
	writePolicy(t, filepath.Join(dir, "acme_ticket.rego"), ticketPolicy(md))
	writePolicy(t, filepath.Join(dir, "acme_ticket_test.rego"), ticketTest)
	return dir
}

// TestPackageScopeMetadataDenies: a package-scope policy denies through
// the engine under its id, title and severity; its rule is in the SARIF
// rules with its remediation, and waivers know its id.
func TestPackageScopeMetadataDenies(t *testing.T) {
	dir := ticketDir(t, "rego.metadata.chain()")
	e := newEngine(t, engine.Options{Policies: []string{dir}})
	d, err := e.Evaluate(context.Background(), releaseInput("production", "main", "v1.2.3", "1.2.3"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Result != engine.ResultFail || len(d.Violations) != 1 {
		t.Fatalf("decision %s, violations %+v", d.Result, d.Violations)
	}
	if v := d.Violations[0]; v.Rule != "ACME002" || v.Severity != "high" || v.Title != "Release without a change ticket" {
		t.Errorf("violation = %+v", v)
	}
	var info *engine.RuleInfo
	for i, r := range e.Rules() {
		if r.ID == "ACME002" {
			info = &e.Rules()[i]
		}
	}
	if info == nil || info.Severity != "high" || info.Remediation != "Label the release with its ticket, e.g. CHG-1234." || info.Package != "relgate.rules.acme_ticket" {
		t.Fatalf("rule info = %+v", info)
	}

	in := releaseInput("production", "main", "v1.2.3", "1.2.3")
	in.Release.Labels = []string{"CHG-1"}
	if d, err := e.Evaluate(context.Background(), in); err != nil || d.Result != engine.ResultPass {
		t.Errorf("with a ticket: %v %+v", err, d)
	}

	// A waiver of ACME002 names a rule the catalogue knows (no WVR006)
	// and, the rule being high, needs its approver.
	in = releaseInput("production", "main", "v1.2.3", "1.2.3")
	in.Waivers = []engine.Waiver{{Rule: "ACME002", Scope: engine.WaiverScope{Path: "**"}, Reason: "migration", Approver: "carol", Expires: "2026-12-31"}}
	d, err = e.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Waived) != 1 || d.Waived[0].Rule != "ACME002" || len(d.Violations) != 0 {
		t.Errorf("waived %+v, violations %+v", d.Waived, d.Violations)
	}
	for _, w := range d.Warnings {
		if w.Rule == "WVR006" {
			t.Errorf("the waiver's rule is unknown to the catalogue: %s", w.Message)
		}
	}

	var out bytes.Buffer
	if err := e.Explain(context.Background(), releaseInput("production", "main", "v1.2.3", "1.2.3"), "ACME002", &out); err != nil || !strings.Contains(out.String(), "ACME002 — Release without a change ticket") {
		t.Errorf("explain ACME002: %v\n%s", err, out.String())
	}
}

// TestPackageScopeMetadataWorkbench: doc, lint and test accept the layout
// and say which METADATA they found.
func TestPackageScopeMetadataWorkbench(t *testing.T) {
	dir := ticketDir(t, "rego.metadata.chain()")
	wb, err := engine.LoadWorkbench(context.Background(), engine.WorkbenchOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	pkgs := wb.RuleDocs()
	if len(pkgs) != 1 || len(pkgs[0].Rules) != 1 {
		t.Fatalf("catalogue = %+v", pkgs)
	}
	r := pkgs[0].Rules[0]
	if r.ID != "ACME002" || r.Metadata != "package" || r.Remediation == "" || r.Variants[0] != (engine.RuleVariant{Kind: "deny", Severity: "high"}) {
		t.Errorf("rule doc = %+v", r)
	}
	var md bytes.Buffer
	if err := engine.WriteRuleDocsMarkdown(&md, pkgs); err != nil || !strings.Contains(md.String(), "(package-scope METADATA)") {
		t.Errorf("markdown does not say where the METADATA is: %v\n%s", err, md.String())
	}

	d := wb.Lint(engine.LintOptions{Prefixes: []string{"ACME"}})
	if p := engine.LintProblems(d); len(p) != 0 {
		t.Errorf("lint problems: %+v", p)
	}
	if s := wb.LintScope(); s != (engine.LintScope{Files: 2, PackageScope: 1}) {
		t.Errorf("lint scope = %+v", s)
	}
	var out bytes.Buffer
	if sum, err := wb.Test(context.Background(), engine.TestOptions{Out: &out}); err != nil || sum.Pass != 2 || sum.Failed() {
		t.Errorf("tests: %+v %v\n%s", sum, err, out.String())
	}
}

// TestPackageScopeMetadataLint: rego.metadata.rule() under package-scope
// METADATA reports nothing, silently — lint says so; and a package nested
// below relgate.rules.<area> is never evaluated — lint says that too.
func TestPackageScopeMetadataLint(t *testing.T) {
	dir := ticketDir(t, "rego.metadata.rule()")
	e := newEngine(t, engine.Options{Policies: []string{dir}})
	d, err := e.Evaluate(context.Background(), releaseInput("production", "main", "v1.2.3", "1.2.3"))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Violations) != 0 {
		t.Fatalf("the hazard lint reports is gone; update this test: %+v", d.Violations)
	}
	wb, err := engine.LoadWorkbench(context.Background(), engine.WorkbenchOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	p := engine.LintProblems(wb.Lint(engine.LintOptions{Prefixes: []string{"ACME"}}))
	if len(p) != 1 || p[0].Rule != "POL009" || !strings.Contains(p[0].Message, "rego.metadata.chain()") || p[0].Location.StartLine != 13 {
		t.Errorf("lint = %+v", p)
	}

	nested := t.TempDir()
	writePolicy(t, filepath.Join(nested, "n.rego"), strings.Replace(ticketPolicy("rego.metadata.chain()"), "package relgate.rules.acme_ticket", "package relgate.rules.acme.ticket", 1))
	wb, err = engine.LoadWorkbench(context.Background(), engine.WorkbenchOptions{Paths: []string{nested}})
	if err != nil {
		t.Fatal(err)
	}
	p = engine.LintProblems(wb.Lint(engine.LintOptions{Prefixes: []string{"ACME"}}))
	if len(p) != 1 || p[0].Rule != "POL011" || !strings.Contains(p[0].Message, "relgate.rules.acme.ticket") {
		t.Errorf("nested package: %+v", p)
	}
}

// TestPackageScopeIDCollision: a package-scope id may not take a built-in
// rule's id, at gating and in lint, as a rule-scope one may not.
func TestPackageScopeIDCollision(t *testing.T) {
	dir := t.TempDir()
	writePolicy(t, filepath.Join(dir, "p.rego"), strings.Replace(ticketPolicy("rego.metadata.chain()"), "id: ACME002", "id: SEC001", 1))
	_, err := engine.New(context.Background(), engine.Options{Policies: []string{dir}})
	if err == nil || !strings.Contains(err.Error(), "rule id SEC001 is the built-in rule") {
		t.Errorf("gating: err = %v", err)
	}
	wb, err := engine.LoadWorkbench(context.Background(), engine.WorkbenchOptions{Paths: []string{dir}})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, p := range engine.LintProblems(wb.Lint(engine.LintOptions{})) {
		ids = append(ids, p.Rule)
	}
	if !slices.Contains(ids, "POL008") {
		t.Errorf("lint: %v, want POL008", ids)
	}
}
