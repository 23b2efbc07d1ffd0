package server

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestDecisionFailsSafe: /v1/decision never passes an input without
// evidence, and refuses (400) one that violates the schema or names an
// unknown environment, with the reason in the body.
func TestDecisionFailsSafe(t *testing.T) {
	h := newServer(t, newFixture(t), nil).Handler()
	bare := `{"apiVersion":"relgate.dev/v1","kind":"ReleaseInput",
"release":{"environment":"production","time":"2026-11-20T00:00:00Z"},
"secrets":[],"vulnerabilities":[],"containers":[],"misconfigurations":[],"migrations":[],"slo":[],"waivers":[],"scanners":[]}`
	cases := []struct {
		name, body string
		code       int
		want       string
	}{
		{"only the header", `{"apiVersion":"relgate.dev/v1","kind":"ReleaseInput"}`, 400, "missing properties"},
		{"a schema enum", strings.Replace(bare, `"scanners":[]`, `"scanners":[{"name":"deps","status":"failed","duration_ms":1}]`, 1), 400, "scanners[0].status"},
		{"a key differing in case", strings.Replace(bare, `"release":`, `"Release":`, 1), 400, "Release"},
		{"an unknown environment", strings.Replace(bare, `"production"`, `"prodution"`, 1), 400, `unknown environment \"prodution\"`},
		{"no evidence", bare, 200, `"fail"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := post(t, h, "/v1/decision", c.body)
			if w.Code != c.code || !strings.Contains(w.Body.String(), c.want) {
				t.Fatalf("status %d body %s, want %d with %q", w.Code, w.Body, c.code, c.want)
			}
			if c.code == 200 {
				var d struct{ Violations []struct{ Rule string } }
				if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil || len(d.Violations) == 0 || d.Violations[0].Rule != "SCN002" {
					t.Errorf("violations %+v (%v), want SCN002", d.Violations, err)
				}
			}
		})
	}
}
