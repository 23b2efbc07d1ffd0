package releasectx

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
)

func TestChecklist(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "docs"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "docs", "rollback.md"), []byte("# Rollback\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	outside := filepath.Join(filepath.Dir(dir), "secret.md")
	got := Checklist(dir, map[string]string{
		"rollback_plan":    "docs/rollback.md",
		"runbook":          " https://wiki.example.com/shop/runbook ",
		"on_call_notified": "Yes",
		"load_test":        "no",
		"capacity":         "docs/capacity.md",
		"escape":           "../" + filepath.Base(outside),
		"owner":            "the payments team",
		"empty":            "",
	})
	var lines []string
	for _, c := range got {
		s := fmt.Sprintf("%s %s %q", c.Item, c.Kind, c.Value)
		if c.Exists != nil {
			s += fmt.Sprintf(" exists=%v", *c.Exists)
		}
		lines = append(lines, s)
	}
	want := []string{
		`capacity file "docs/capacity.md" exists=false`,
		`empty text ""`,
		`escape file "../secret.md" exists=false`,
		`load_test flag "false"`,
		`on_call_notified flag "true"`,
		`owner text "the payments team"`,
		`rollback_plan file "docs/rollback.md" exists=true`,
		`runbook link "https://wiki.example.com/shop/runbook"`,
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("checklist:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

func TestReadPromotion(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 11, 20, 11, 0, 0, 0, time.UTC)
	d := &engine.Decision{APIVersion: engine.APIVersion, Kind: engine.KindDecision, Result: engine.ResultWarn, Environment: "staging",
		InputDigest: "sha256:abc", Release: &engine.DecisionRelease{Version: "1.5.0", Commit: "9f1c",
			Artifacts: []engine.Artifact{{Name: "shop", Digest: "sha256:11"}}, Time: &at}}
	f, err := os.Create(filepath.Join(dir, "staging.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Encode(f); err != nil {
		t.Fatal(err)
	}
	f.Close()
	p, err := ReadPromotion(filepath.Join(dir, "staging.json"), "staging.json")
	if err != nil {
		t.Fatal(err)
	}
	if p.File != "staging.json" || p.Environment != "staging" || p.Result != "warn" || p.Commit != "9f1c" || p.Version != "1.5.0" ||
		len(p.Artifacts) != 1 || !p.Time.Equal(at) || p.InputDigest != "sha256:abc" {
		t.Fatalf("promotion %+v", p)
	}
	for name, body := range map[string]string{
		"sarif.json": `{"version":"2.1.0","runs":[]}`,
		"bad.json":   `{"kind":`,
	} {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := ReadPromotion(path, name); err == nil || !strings.Contains(err.Error(), "parse decision "+name) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if _, err := ReadPromotion(filepath.Join(dir, "none.json"), "none.json"); err == nil || !strings.Contains(err.Error(), "read decision none.json: no such file") {
		t.Errorf("missing: %v", err)
	}
}

// FuzzReadPromotion: any file given as a decision is read or refused with
// an error, never a panic.
func FuzzReadPromotion(f *testing.F) {
	f.Add([]byte(`{"apiVersion":"relgate.dev/v1","kind":"Decision","result":"pass","environment":"staging","release":{"commit":"9f1c"}}`))
	f.Add([]byte(`{"kind":"Decision"}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(t.TempDir(), "d.json")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if pr, err := ReadPromotion(p, "d.json"); err == nil && pr.File != "d.json" {
			t.Fatalf("promotion %+v", pr)
		}
	})
}
