package slo

import (
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

func TestStaticSource(t *testing.T) {
	dir := project(t, "", map[string]string{"ops/slo-status.yaml": "status.yaml"})
	lat := cartLatency()
	facts, run := measureAll(t, Options{Dir: dir, Static: "ops/slo-status.yaml", Verify: true,
		Objectives: []Objective{ratio("checkout", 0.999), ratio("search", 0.999), lat}})
	m := byName(facts)
	c := m["checkout-availability"]
	if c.Error != "" || c.Source != SourceStatic {
		t.Fatalf("checkout %+v", c)
	}
	near(t, "checkout budget", c.ErrorBudgetRemaining, 0.8, 1e-9)
	near(t, "checkout verify", c.Verify.ErrorRate, 0.0003, 1e-9)
	if s := m["search-availability"]; !strings.Contains(s.Error, "no sli over 10m for search-availability") {
		t.Errorf("search: %q", s.Error)
	}
	l := m["cart-latency"]
	near(t, "cart short burn (no events)", l.BurnRate, 0, 0)
	near(t, "cart long burn", l.BurnRateLong, 10, 1e-9)
	near(t, "cart verify", l.Verify.Value, 0.9, 0)
	if run.Database != "file ops/slo-status.yaml" || run.Stats[StatErrors] != 1 {
		t.Errorf("run %+v", run)
	}
	missing := ratio("payments", 0.999)
	facts, _ = measureAll(t, Options{Dir: dir, Static: "ops/slo-status.yaml", Objectives: []Objective{missing}})
	if !strings.Contains(facts[0].Error, "has no objective payments-availability") {
		t.Errorf("unknown objective: %q", facts[0].Error)
	}
}

func TestStatusFileBadInput(t *testing.T) {
	tests := []struct{ body, want string }{
		{"kind: Other\n", `kind "Other", want SLOStatus`},
		{"kind: SLOStatus\nobjectives:\n  - name: a\n    sli: {1x: 0.9}\n", `window "1x" is not a duration`},
		{"kind: SLOStatus\nobjectives:\n  - name: a\n    sli: {1h: 99.9}\n", "sli 99.9 over 1h is not a fraction"},
		{"kind: SLOStatus\nextra: 1\n", "field extra not found"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		writeFile(t, dir+"/s.yaml", tt.body)
		if _, err := readStatus(dir+"/s.yaml", "s.yaml"); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.body, err, tt.want)
		}
	}
	if _, err := readStatus("/nonexistent/s.yaml", "s.yaml"); err == nil || !strings.Contains(err.Error(), "read SLO status s.yaml") {
		t.Errorf("missing: %v", err)
	}
}

func TestScanErrors(t *testing.T) {
	tests := []struct {
		opts Options
		want string
	}{
		{Options{Files: []string{"slo/*.yaml"}, Prometheus: "http://x"}, `SLO pattern "slo/*.yaml" matched no file`},
		{Options{Objectives: []Objective{ratio("a", 0.999)}}, "no source: set slo.prometheus"},
		{Options{Objectives: []Objective{ratio("a", 0.999)}, Prometheus: "ftp://x"}, "is not an http(s) URL"},
		{Options{Objectives: []Objective{ratio("a", 0.999), ratio("a", 0.99)}, Prometheus: "http://x"}, "defined twice"},
		{Options{Objectives: []Objective{{Name: "w", Kind: KindRatio, Target: 0.9, Window: "1 week", Good: "a", Total: "b"}}, Prometheus: "http://x"}, `"1 week" is not a duration`},
		{Options{Objectives: []Objective{{Name: "t", Kind: KindThreshold, Target: 0.9, Window: "1d", Query: "q", Op: "eq"}}, Prometheus: "http://x"}, "op lt, lte, gt or gte"},
	}
	for _, tt := range tests {
		tt.opts.Dir = t.TempDir()
		_, err := New(tt.opts).Scan(t.Context(), nilInput())
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("err = %v, want %q", err, tt.want)
		}
	}
	in := nilInput()
	run, err := New(Options{Dir: t.TempDir()}).Scan(t.Context(), in)
	if err != nil || run.Status != "skipped" {
		t.Errorf("no objectives: %v %s", err, run.Status)
	}
}

func TestDurations(t *testing.T) {
	for s, want := range map[string]string{"5m": "5m", "1h30m": "1h30m", "28d": "28d", "1w": "7d", "90s": "1m30s"} {
		d, err := parseDuration(s)
		if err != nil || formatDuration(d) != want {
			t.Errorf("%s: %v %v", s, formatDuration(d), err)
		}
	}
	for _, bad := range []string{"", "5", "m", "-5m", "5 m", "0s"} {
		if _, err := parseDuration(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestRender(t *testing.T) {
	q, err := render(`rate(x{v="{{.version}}"}[{{.window}}])`, map[string]string{"version": "1.2"}, "5m")
	if err != nil || q != `rate(x{v="1.2"}[5m])` {
		t.Fatalf("%q %v", q, err)
	}
	if _, err := render(`x{{.nope}}`, nil, "5m"); err == nil || !strings.Contains(err.Error(), "--slo-var") {
		t.Fatalf("missing var: %v", err)
	}
	if _, err := render(`x{{`, nil, "5m"); err == nil {
		t.Fatal("bad template parsed")
	}
	if !usesWindow(`a[{{ .window }}]`) || usesWindow(`a{v="{{.version}}"}`) {
		t.Fatal("usesWindow")
	}
}

func nilInput() *engine.Input { return engine.NewInput() }
