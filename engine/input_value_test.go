package engine

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/util"
)

// valueOf must build exactly the value OPA's own conversion builds, for
// every saved input in testdata and for numbers whose text matters.
func TestValueOfMatchesOPA(t *testing.T) {
	var files []string
	for _, g := range []string{"testdata/*/*.json", "../testdata/*/*.json", "../testdata/*/*/*.json"} {
		m, _ := filepath.Glob(g)
		files = append(files, m...)
	}
	docs := [][]byte{[]byte(`{"a": [1, 1.50, -0, 1e400, 12345678901234567890], "b": {"": null, "c": true, "d": false}, "e": "\u00e9\n"}`), []byte(`[]`)}
	in := NewInput()
	in.Release = Release{Environment: "production", Version: "1.2.3", Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	in.Vulnerabilities = []Vulnerability{{ID: "GHSA-1", Severity: "high", CVSSScore: 7.5, FixedVersions: []string{"1.0.1"},
		Package: Package{Name: "p", Version: "1.0.0", Ecosystem: "npm"}, Location: Location{Path: "package-lock.json", StartLine: 9}}}
	in.Scanners = []ScannerRun{{Name: "deps", Status: StatusOK, DurationMS: 12, Stats: map[string]int64{"db_invalid_records": 0}}}
	canonical, err := in.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, canonical)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs = append(docs, data)
	}
	for i, data := range docs {
		var doc any
		if err := util.UnmarshalJSON(data, &doc); err != nil {
			continue // not a JSON document: nothing to compare
		}
		want, err := ast.InterfaceToValue(doc)
		if err != nil {
			t.Fatal(err)
		}
		got, err := valueOf(data)
		if err != nil {
			t.Fatalf("doc %d: %v", i, err)
		}
		if got.Compare(want) != 0 {
			t.Errorf("doc %d: valueOf = %v, want %v", i, got, want)
		}
	}
	if _, err := valueOf([]byte(`{"a": `)); err == nil {
		t.Error("a truncated document converted without error")
	}
}
