package engine_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

// TestPoliciesDocGolden fails when docs/policies.md no longer says what the
// built-in policies' METADATA says. Regenerate with
// go test ./engine -run Golden -update (or make update).
func TestPoliciesDocGolden(t *testing.T) {
	wb, err := engine.LoadWorkbench(context.Background(), engine.WorkbenchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	if err := engine.WriteRuleDocsMarkdown(&got, wb.RuleDocs()); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "docs", "policies.md")
	if *update {
		if err := os.WriteFile(path, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Fatalf("%s is stale: the policies' METADATA changed. Run: go test ./engine -run Golden -update", path)
	}
}

func TestRuleDocs(t *testing.T) {
	wb, err := engine.LoadWorkbench(context.Background(), engine.WorkbenchOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pkgs := wb.RuleDocs()
	ids := map[string]engine.RuleDoc{}
	for _, p := range pkgs {
		for _, r := range p.Rules {
			if _, dup := ids[r.ID]; dup {
				t.Errorf("%s listed twice", r.ID)
			}
			ids[r.ID] = r
			if r.Title == "" || len(r.Variants) == 0 || !strings.HasPrefix(r.File, "policies/") {
				t.Errorf("%s: incomplete entry %+v", r.ID, r)
			}
		}
	}
	// SCN001 denies in production and warns elsewhere: one entry, two variants.
	if v := ids["SCN001"].Variants; len(v) != 2 {
		t.Errorf("SCN001 variants = %+v, want deny and warn", v)
	}
	for _, id := range []string{"WVR001", "WVR003", "SEC001"} {
		if _, ok := ids[id]; !ok {
			t.Errorf("%s is not in the catalogue", id)
		}
	}
	var js bytes.Buffer
	if err := engine.WriteRuleDocsJSON(&js, pkgs); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Packages []engine.PackageDoc `json:"packages"`
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil || len(doc.Packages) != len(pkgs) {
		t.Fatalf("json catalogue: %v", err)
	}
}

// The catalogue's count reads as English for one rule in one package.
func TestRuleDocsCountsInEnglish(t *testing.T) {
	one := []engine.PackageDoc{{Package: "relgate.rules.x", Rules: []engine.RuleDoc{{ID: "X001", Title: "t", Variants: []engine.RuleVariant{{Kind: "deny", Severity: "high"}}, File: "x.rego", Line: 1}}}}
	var b bytes.Buffer
	if err := engine.WriteRuleDocsMarkdown(&b, one); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\n1 rule in 1 package, from each rule's METADATA.") {
		t.Errorf("catalogue header:\n%s", b.String())
	}
	two := append(one, engine.PackageDoc{Package: "relgate.rules.y", Rules: one[0].Rules})
	b.Reset()
	if err := engine.WriteRuleDocsMarkdown(&b, two); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.String(), "\n2 rules in 2 packages, from") {
		t.Errorf("catalogue header:\n%s", b.String())
	}
}
