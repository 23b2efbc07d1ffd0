package tests

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

func seed(f *testing.F) {
	files, err := filepath.Glob("testdata/*")
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		if info, err := os.Stat(p); err != nil || info.IsDir() {
			continue
		}
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzParseJUnit: any input is counted or refused, never a panic, and the
// counts never disagree with the failures listed.
func FuzzParseJUnit(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var sum junitSummary
		if err := parseJUnit(bytes.NewReader(data), "r.xml", &sum); err != nil {
			return
		}
		if len(sum.failures) != sum.failed+sum.errors {
			t.Fatalf("%d failures listed for %d failed and %d errors", len(sum.failures), sum.failed, sum.errors)
		}
	})
}

// FuzzParseCoverage: any input is read or refused, and a percentage read
// is always within 0-100.
func FuzzParseCoverage(f *testing.F) {
	seed(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := parseCoverage(bytes.NewReader(data), "")
		if err != nil {
			return
		}
		if c.percent != nil && (*c.percent < 0 || *c.percent > 100) {
			t.Fatalf("coverage %v%%", *c.percent)
		}
		if c.covered > c.coverable && c.coverable > 0 {
			t.Fatalf("covered %d of %d", c.covered, c.coverable)
		}
	})
}
