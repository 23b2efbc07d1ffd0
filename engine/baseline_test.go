package engine_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/report"
)

// TestBaseline: the findings of a previous run, read from each of its
// forms, are known; a new finding still fails.
func TestBaseline(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	e := newEngine(t, engine.Options{})
	old := releaseInput("production", "feature/x", "", "")
	d, err := e.Evaluate(ctx, old)
	if err != nil {
		t.Fatal(err)
	}
	if d.Result != engine.ResultFail {
		t.Fatalf("the old release should fail: %+v", d)
	}
	write := func(name, format string) string {
		var buf bytes.Buffer
		if format == "input" {
			if err := old.Encode(&buf); err != nil {
				t.Fatal(err)
			}
		} else if err := report.Write(&buf, format, d, report.Options{Rules: e.Rules()}); err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for _, path := range []string{write("report.json", "json"), write("report.sarif", "sarif"), write("input.json", "input")} {
		t.Run(filepath.Base(path), func(t *testing.T) {
			e := newEngine(t, engine.Options{})
			entries, err := e.ReadBaseline(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			if len(entries) == 0 {
				t.Fatal("no findings read")
			}
			if err := e.SetBaseline(ctx, entries); err != nil {
				t.Fatal(err)
			}
			// The same facts: nothing new, the gate warns.
			same, err := e.Evaluate(ctx, releaseInput("production", "feature/x", "", ""))
			if err != nil {
				t.Fatal(err)
			}
			if same.Result != engine.ResultWarn || len(same.Violations) != 0 {
				t.Fatalf("known findings: %s, violations %+v", same.Result, same.Violations)
			}
			known := 0
			for _, w := range same.Warnings {
				if w.Known && strings.HasSuffix(w.Message, "(known: in the baseline)") {
					known++
				}
			}
			if known == 0 {
				t.Errorf("no warning is marked known: %+v", same.Warnings)
			}
			// A new finding (another branch: another REL001 fingerprint) fails.
			changed, err := e.Evaluate(ctx, releaseInput("production", "feature/y", "", ""))
			if err != nil {
				t.Fatal(err)
			}
			if changed.Result != engine.ResultFail || len(changed.Violations) != 1 || changed.Violations[0].Rule != "REL001" {
				t.Errorf("new finding: %s, violations %+v", changed.Result, changed.Violations)
			}
		})
	}

	bad := filepath.Join(dir, "bad.json")
	if err := os.WriteFile(bad, []byte(`{"kind":"Something"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	var be *engine.BaselineError
	for _, p := range []string{bad, filepath.Join(dir, "missing.json")} {
		if _, err := e.ReadBaseline(ctx, p); !errors.As(err, &be) {
			t.Errorf("%s: err = %v, want a *BaselineError", p, err)
		}
	}
}

func TestReadBaselineFiles(t *testing.T) {
	e := newEngine(t, engine.Options{})
	for name, want := range map[string]int{"report.json": 2, "report.sarif": 1} {
		got, err := e.ReadBaseline(context.Background(), filepath.Join("testdata", "baseline", name))
		if err != nil || len(got) != want || got[0].Rule == "" {
			t.Errorf("%s: %+v, %v (want %d entries)", name, got, err, want)
		}
	}
}

// FuzzReadBaseline: no baseline file makes relgate panic; what it accepts
// names rules.
func FuzzReadBaseline(f *testing.F) {
	for _, name := range []string{"report.json", "report.sarif"} {
		data, err := os.ReadFile(filepath.Join("testdata", "baseline", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"apiVersion":"relgate.dev/v1","kind":"ReleaseInput"}`))
	e := newEngine(f, engine.Options{})
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "b.json")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		entries, err := e.ReadBaseline(context.Background(), p)
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		for _, en := range entries {
			if en.Fingerprint == "" {
				t.Fatalf("entry without a fingerprint: %+v", en)
			}
		}
	})
}
