package slo

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// project copies testdata files into a fresh directory, replacing
// PROMETHEUS_URL in them.
func project(t *testing.T, url string, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for dst, src := range files {
		data, err := os.ReadFile(filepath.Join("testdata", src))
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, dst), strings.ReplaceAll(string(data), "PROMETHEUS_URL", url))
	}
	return dir
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestReadOpenSLO(t *testing.T) {
	dir := project(t, "http://prom.example:9090", map[string]string{"slo/checkout.yaml": "openslo/checkout.yaml", "slo/cart.yaml": "openslo/cart.yaml"})
	s := New(Options{Dir: dir, Files: []string{"slo/*.yaml"}})
	files, err := s.openSLOFiles()
	if err != nil {
		t.Fatal(err)
	}
	objs, err := readOpenSLO(files)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, o := range objs {
		burn := "-"
		if o.AlertBurnRate != nil {
			burn = fmt.Sprint(*o.AlertBurnRate)
		}
		got = append(got, fmt.Sprintf("%s %s %s %v %s %s:%d %s/%s/%s counter=%v prom=%s op=%s %v slice=%s",
			o.Service, o.Name, o.Kind, o.Target, o.Window, o.Location.Path, o.Location.StartLine,
			o.ShortWindow, o.LongWindow, burn, o.Counter, o.Prometheus, o.Op, o.Threshold, o.SliceWindow))
	}
	want := []string{
		"cart cart-latency/p99-fast threshold 0.99 1d slo/cart.yaml:30 5m/1h/- counter=false prom=http://prom.example:9090 op=lte 0.3 slice=5m",
		"cart cart-latency/p99-bounded threshold 0.999 1d slo/cart.yaml:36 5m/1h/- counter=false prom=http://prom.example:9090 op=lt 2 slice=5m",
		"cart cart-availability ratio 0.999 7d slo/cart.yaml:68 5m/1h/- counter=true prom=http://prom.example:9090 op= 0 slice=",
		"checkout checkout-availability ratio 0.999 7d slo/checkout.yaml:39 5m/1h/14.4 counter=true prom= op= 0 slice=",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("objectives:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, o := range objs {
		if o.Name == "cart-availability" && (o.Bad == "" || !strings.Contains(o.Total, `version="{{.version}}"`)) {
			t.Errorf("cart queries: %+v", o)
		}
	}
}

func TestOpenSLOAlertWindows(t *testing.T) {
	doc := `apiVersion: openslo/v1
kind: SLO
metadata: {name: x}
spec:
  service: s
  indicator:
    metadata: {name: x}
    spec:
      ratioMetric:
        counter: true
        good: {metricSource: {type: prometheus, spec: {query: a}}}
        total: {metricSource: {type: prometheus, spec: {query: b}}}
  timeWindow: [{duration: 30d, isRolling: true}]
  objectives: [{target: 0.99}]
  alertPolicies:
    - kind: AlertPolicy
      metadata: {name: p}
      spec:
        conditions:
          - kind: AlertCondition
            metadata: {name: c}
            spec:
              condition: {kind: burnrate, op: gte, threshold: 6, lookbackWindow: 6h}
`
	objs := readDoc(t, doc)
	if o := objs[0]; o.ShortWindow != "30m" || o.LongWindow != "6h" || *o.AlertBurnRate != 6 {
		t.Fatalf("windows %s/%s burn %v", o.ShortWindow, o.LongWindow, *o.AlertBurnRate)
	}
}

func readDoc(t *testing.T, doc string) []Objective {
	t.Helper()
	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "slo.yaml"), doc)
	objs, err := readOpenSLO([]file{{Abs: filepath.Join(dir, "slo.yaml"), Rel: "slo.yaml"}})
	if err != nil {
		t.Fatal(err)
	}
	return objs
}

func TestMalformedOpenSLO(t *testing.T) {
	const sli = "---\napiVersion: openslo/v1\nkind: SLI\nmetadata: {name: ok}\nspec:\n  ratioMetric:\n    counter: true\n    good: {metricSource: {type: Prometheus, spec: {query: a}}}\n    total: {metricSource: {type: Prometheus, spec: {query: b}}}\n"
	slo := func(spec string) string {
		return "apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: s}\nspec:\n" + spec
	}
	const window = "  timeWindow: [{duration: 28d, isRolling: true}]\n"
	tests := []struct{ doc, want string }{
		{"apiVersion: openslo/v1alpha\nkind: SLO\nmetadata: {name: s}\n", "slo.yaml:1: apiVersion openslo/v1alpha is not supported"},
		{"apiVersion: v2\nkind: SLO\nmetadata: {name: s}\n", `apiVersion "v2", want openslo/v1`},
		{"apiVersion: openslo/v1\nkind: Dashboard\nmetadata: {name: s}\n", `unknown kind "Dashboard"`},
		{"apiVersion: openslo/v1\nkind: SLO\nmetadata: {}\n", "SLO without metadata.name"},
		{"- a\n- b\n", "a document must be a mapping"},
		{"apiVersion: openslo/v1\nkind: [SLO\n", "slo.yaml"},
		{slo("  indicatorRef: ok\n  objectives: [{target: 0.99}]\n") + sli, "want exactly one timeWindow"},
		{slo("  indicatorRef: ok\n  timeWindow: [{duration: forever}]\n  objectives: [{target: 0.99}]\n") + sli, `"forever" is not a duration`},
		{slo("  indicatorRef: ok\n"+window) + sli, "no objectives"},
		{slo("  indicatorRef: ok\n"+window+"  objectives: [{displayName: x}]\n") + sli, "objective 1 has no target"},
		{slo("  indicatorRef: ok\n"+window+"  objectives: [{target: 99.9}]\n") + sli, "target 99.9 is not a fraction"},
		{slo("  indicatorRef: missing\n"+window+"  objectives: [{target: 0.99}]\n") + sli, `indicatorRef "missing" names no SLI`},
		{slo("  indicatorRef: ok\n"+window+"  objectives: [{target: 0.99, op: lt, value: 1}]\n") + sli, "op and value apply to a threshold metric"},
		{slo("  indicator: {metadata: {name: d}, spec: {ratioMetric: {good: {metricSource: {type: Datadog, spec: {query: a}}}, total: {metricSource: {type: Datadog, spec: {query: b}}}}}}\n" + window + "  objectives: [{target: 0.99}]\n"), `metric source type "Datadog" is not supported`},
		{slo("  indicator: {metadata: {name: d}, spec: {thresholdMetric: {metricSource: {type: Prometheus, spec: {query: a}}}}}\n" + window + "  objectives: [{target: 0.99}]\n"), "a threshold metric needs op"},
		{slo("  indicator: {metadata: {name: d}, spec: {ratioMetric: {total: {metricSource: {type: Prometheus, spec: {query: a}}}}}}\n" + window + "  objectives: [{target: 0.99}]\n"), "needs total and one of good or bad"},
		{slo("  indicator: {metadata: {name: d}, spec: {ratioMetric: {good: {metricSource: {type: Prometheus, spec: {}}}, total: {metricSource: {type: Prometheus, spec: {query: a}}}}}}\n" + window + "  objectives: [{target: 0.99}]\n"), "needs spec.query"},
		{slo("  indicatorRef: ok\n"+window+"  objectives: [{target: 0.99}]\n  alertPolicies: [{alertPolicyRef: nope}]\n") + sli, `alertPolicyRef "nope" names no AlertPolicy`},
		{slo("  indicatorRef: ok\n"+window+"  objectives: [{target: 0.99}]\n") + sli + sli, "SLI ok: defined twice"},
	}
	for _, tt := range tests {
		dir := t.TempDir()
		writeFile(t, filepath.Join(dir, "slo.yaml"), tt.doc)
		_, err := readOpenSLO([]file{{Abs: filepath.Join(dir, "slo.yaml"), Rel: "slo.yaml"}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q:\nerr = %v\nwant %q", tt.doc, err, tt.want)
		}
	}
}

func TestOpenSLOAgainstPrometheus(t *testing.T) {
	url := needPrometheus(t)
	dir := project(t, url, map[string]string{"slo/checkout.yaml": "openslo/checkout.yaml", "slo/cart.yaml": "openslo/cart.yaml"})
	facts, run := measureAll(t, Options{Dir: dir, Files: []string{"slo/**/*.yaml"}, Prometheus: url, Vars: map[string]string{"version": "1.3.0"}})
	m := byName(facts)
	for _, f := range facts {
		if f.Error != "" {
			t.Errorf("%s: %s", f.Name, f.Error)
		}
	}
	near(t, "checkout budget", m["checkout-availability"].ErrorBudgetRemaining, 0.8, 0.01)
	near(t, "cart p99 sli", m["cart-latency/p99-fast"].SLI, 1, 1e-9)
	near(t, "cart availability", m["cart-availability"].SLI, 0.9995, 1e-5)
	if c := m["checkout-availability"]; *c.AlertBurnRate != 14.4 || c.Location.Path != "slo/checkout.yaml" {
		t.Errorf("checkout %+v", c)
	}
	if run.Stats[StatObjectives] != 4 {
		t.Errorf("run %+v", run)
	}
}
