package waivers

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

func TestParseValid(t *testing.T) {
	data, err := os.ReadFile("testdata/valid.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ws, err := Parse(FileName, data)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	want := []engine.Waiver{
		{Rule: "VUL002", Scope: engine.WaiverScope{ID: "CVE-2023-0286", Package: "openssl"},
			Reason: "not reachable, TLS is terminated at the proxy", Approver: "alice@example.com", Expires: "2027-01-15", Ticket: "SEC-123",
			Location: engine.Location{Path: FileName, StartLine: 4, EndLine: 11}},
		{Rule: "SEC001", Scope: engine.WaiverScope{Fingerprint: "3f1c0a9e"}, Reason: "test fixture, not a real key",
			Expires: "2026-12-01T12:00:00Z", Location: engine.Location{Path: FileName, StartLine: 13, EndLine: 17}},
		{Rule: "MIG003", Scope: engine.WaiverScope{Path: "db/migrations/**"}, Reason: "table is empty in production",
			Approver: "bob", Expires: "2026-10-01", Location: engine.Location{Path: FileName, StartLine: 19, EndLine: 24}},
	}
	if len(ws) != len(want) {
		t.Fatalf("got %d waivers, want %d: %+v", len(ws), len(want), ws)
	}
	for i := range want {
		if ws[i] != want[i] {
			t.Errorf("waiver %d:\n got %+v\nwant %+v", i, ws[i], want[i])
		}
	}
}

// TestParseErrors: every mistake is named with its line, and one bad waiver
// does not hide the next one's.
func TestParseErrors(t *testing.T) {
	data, err := os.ReadFile("testdata/bad.yaml")
	if err != nil {
		t.Fatal(err)
	}
	_, err = Parse("w.yaml", data)
	if err == nil {
		t.Fatal("bad.yaml parsed")
	}
	for _, want := range []string{
		`w.yaml:5: scope: unknown key "pakage"`,
		`w.yaml:7: expires: "2027-02-30" is not a valid date`,
		`w.yaml:8: waiver has no reason (required)`,
		`w.yaml:9: scope.path: invalid glob "src/[a"`,
		`w.yaml:10: expires: "tomorrow" is not a date`,
		`w.yaml:16: unknown key "owner"`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
	var e *Error
	if !errors.As(err, &e) || e.File != "w.yaml" || e.Line == 0 {
		t.Errorf("error is not an *Error with a line: %#v", err)
	}
}

func TestParseCases(t *testing.T) {
	tests := []struct {
		name, doc, err string // err "" means valid
		n              int
	}{
		{"empty file", "", "", 0},
		{"comment only", "# nothing waived\n", "", 0},
		{"empty list", "waivers: []\n", "", 0},
		{"null list", "waivers:\n", "", 0},
		{"plain date", "waivers:\n- {rule: A1, scope: {path: a}, reason: r, expires: 2026-01-02}\n", "", 1},
		{"rfc3339 with offset", "waivers:\n- {rule: A1, scope: {path: a}, reason: r, expires: '2026-01-02T10:00:00+02:00'}\n", "", 1},
		{"past date is for policy", "waivers:\n- {rule: A1, scope: {path: a}, reason: r, expires: 2001-01-01}\n", "", 1},
		{"rule-wide scope", "waivers:\n- {rule: A1, scope: {path: '**'}, reason: r, expires: 2026-01-02}\n", "", 1},
		{"list at top", "- rule: A1\n", "x.yaml:1: want a mapping with a waivers list", 0},
		{"unknown top key", "waiver: []\n", `x.yaml:1: unknown key "waiver"`, 0},
		{"not a list", "waivers: {}\n", "x.yaml:1: waivers: want a list", 0},
		{"item not a mapping", "waivers:\n- A1\n", "x.yaml:2: waiver: want a mapping", 0},
		{"no scope", "waivers:\n- {rule: A1, reason: r, expires: 2026-01-02}\n", "x.yaml:2: waiver has no scope", 0},
		{"empty scope", "waivers:\n- {rule: A1, scope: {}, reason: r, expires: 2026-01-02}\n", "x.yaml:2: scope: empty", 0},
		{"no expiry", "waivers:\n- {rule: A1, scope: {path: a}, reason: r}\n", "x.yaml:2: waiver has no expires (required)", 0},
		{"blank reason", "waivers:\n- rule: A1\n  scope: {path: a}\n  reason: '  '\n  expires: 2026-01-02\n", "x.yaml:4: reason: empty (required)", 0},
		{"reason is a list", "waivers:\n- {rule: A1, scope: {path: a}, reason: [r], expires: 2026-01-02}\n", "x.yaml:2: reason: want a string", 0},
		{"bad rule id", "waivers:\n- {rule: 'VUL 1', scope: {path: a}, reason: r, expires: 2026-01-02}\n", `x.yaml:2: rule: "VUL 1" is not a rule id`, 0},
		{"beyond OPA time", "waivers:\n- {rule: A1, scope: {path: a}, reason: r, expires: 2300-01-01}\n", "out of range", 0},
		{"date with time but no zone", "waivers:\n- {rule: A1, scope: {path: a}, reason: r, expires: '2026-01-02T10:00:00'}\n", "is not a date", 0},
		{"duplicate key", "waivers:\n- rule: A1\n  rule: A2\n  scope: {path: a}\n  reason: r\n  expires: 2026-01-02\n", "", 0},
		{"duplicate waiver", "waivers:\n- {rule: A1, scope: {path: a}, reason: r, expires: 2026-01-02}\n- {rule: A1, scope: {path: a}, reason: s, expires: 2026-02-02}\n",
			"x.yaml:3: duplicate waiver: rule A1 with the same scope as the waiver at line 2", 0},
		{"same rule other scope", "waivers:\n- {rule: A1, scope: {path: a}, reason: r, expires: 2026-01-02}\n- {rule: A1, scope: {path: b}, reason: s, expires: 2026-02-02}\n", "", 2},
		{"malformed yaml", "waivers:\n  - rule: [\n", "x.yaml:", 0},
		{"two documents", "waivers: []\n---\nwaivers: []\n", "more than one YAML document", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws, err := Parse("x.yaml", []byte(tt.doc))
			if tt.name == "duplicate key" {
				// yaml.v3 itself refuses a repeated key.
				if err == nil || !strings.Contains(err.Error(), "x.yaml:") {
					t.Fatalf("err = %v, want a located error", err)
				}
				return
			}
			if tt.err == "" {
				if err != nil {
					t.Fatalf("err = %v", err)
				}
				if len(ws) != tt.n || ws == nil {
					t.Fatalf("got %d waivers (%v), want %d", len(ws), ws, tt.n)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Fatalf("err = %v, want %q", err, tt.err)
			}
		})
	}
}

func TestLoad(t *testing.T) {
	dir := t.TempDir()
	ws, err := Load(filepath.Join(dir, FileName), FileName, true)
	if err != nil || ws == nil || len(ws) != 0 {
		t.Fatalf("optional missing file: %v, %v", ws, err)
	}
	if _, err := Load(filepath.Join(dir, "gone.yaml"), "gone.yaml", false); err == nil || !strings.Contains(err.Error(), "gone.yaml: read waivers: no such file") {
		t.Fatalf("required missing file: %v", err)
	}
	ws, err = Load("testdata/valid.yaml", "ops/waivers.yaml", false)
	if err != nil || len(ws) != 3 || ws[0].Location.Path != "ops/waivers.yaml" {
		t.Fatalf("load: %+v, %v", ws, err)
	}
}

// FuzzParse: no waiver file makes the parser panic, and whatever it accepts
// has the required fields and a readable date.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"valid.yaml", "bad.yaml", "empty.yaml"} {
		data, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ws, err := Parse("f.yaml", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "f.yaml:") {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		for _, w := range ws {
			if w.Rule == "" || w.Reason == "" || checkDate(w.Expires) != "" || w.Scope == (engine.WaiverScope{}) || w.Location.StartLine == 0 {
				t.Fatalf("accepted an incomplete waiver: %+v", w)
			}
		}
	})
}
