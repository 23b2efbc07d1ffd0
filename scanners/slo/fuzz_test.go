package slo

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func seedFiles(f *testing.F, pattern string) {
	files, err := filepath.Glob(pattern)
	if err != nil {
		f.Fatal(err)
	}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzOpenSLO: any definition file is read or refused with an error, and
// every objective read is measurable: a target between 0 and 1, a kind,
// and the queries its kind needs.
func FuzzOpenSLO(f *testing.F) {
	seedFiles(f, "testdata/openslo/*.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		dir := t.TempDir()
		p := filepath.Join(dir, "slo.yaml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		objs, err := readOpenSLO([]file{{Abs: p, Rel: "slo.yaml"}})
		if err != nil {
			if !strings.Contains(err.Error(), "slo.yaml") {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		for _, o := range objs {
			if err := o.check(); err != nil {
				t.Fatalf("objective read but not measurable: %v", err)
			}
		}
	})
}

// FuzzStatus: any status file is read or refused, never a panic.
func FuzzStatus(f *testing.F) {
	seedFiles(f, "testdata/status.yaml")
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "s.yaml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		_, _ = readStatus(p, "s.yaml")
	})
}

// FuzzPrometheusAnswer: any answer from a server is one value or an error.
func FuzzPrometheusAnswer(f *testing.F) {
	f.Add("vector", []byte(`[{"metric":{},"value":[1768478400,"0.5"]}]`))
	f.Add("scalar", []byte(`[1768478400,"NaN"]`))
	f.Add("vector", []byte(`[]`))
	f.Add("matrix", []byte(`[{"metric":{},"values":[[1,"1"]]}]`))
	f.Fuzz(func(t *testing.T, kind string, raw []byte) {
		if !json.Valid(raw) {
			return
		}
		_, _ = parseResult(kind, raw, "q")
	})
}
