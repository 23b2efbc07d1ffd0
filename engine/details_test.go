package engine_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/relgate/relgate/engine"
)

// TestFindingDetails: the structured fields a rule gives reach the
// decision's findings; a user rule that uses one of those keys for
// something else (a package object) still decides, without them.
func TestFindingDetails(t *testing.T) {
	dir := t.TempDir()
	src := `package relgate.rules.custom

deny contains {"rule": "CUS001", "msg": "typed", "severity": "high", "fingerprint": "a",
	"package": "lodash", "cve": "CVE-2021-23337", "cwe": ["CWE-77", 94], "layer": "sha256:bb"}

deny contains {"rule": "CUS002", "msg": "other shapes", "severity": "high", "fingerprint": "b",
	"package": {"name": "lodash"}, "aliases": "CVE-1"}
`
	if err := os.WriteFile(filepath.Join(dir, "custom.rego"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	e := newEngine(t, engine.Options{Policies: []string{dir}})
	d, err := e.Evaluate(context.Background(), releaseInput("staging", "main", "v1.0.0", "1.0.0"))
	if err != nil {
		t.Fatal(err)
	}
	by := map[string]engine.Finding{}
	for _, f := range d.Violations {
		by[f.Rule] = f
	}
	typed, other := by["CUS001"], by["CUS002"]
	if typed.Details == nil || typed.Package != "lodash" || typed.CVE != "CVE-2021-23337" || typed.Layer != "sha256:bb" ||
		len(typed.CWE) != 1 || typed.CWE[0] != "CWE-77" {
		t.Errorf("CUS001 details %+v", typed.Details)
	}
	if other.Rule != "CUS002" || other.Details != nil {
		t.Errorf("CUS002 (other shapes) = %+v, details %+v", other, other.Details)
	}
}
