package slo

import (
	"context"
	"errors"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

func ratio(service string, target float64) Objective {
	sel := `http_requests_total{service="` + service + `"`
	return Objective{Name: service + "-availability", Service: service, Kind: KindRatio, Target: target, Window: "7d",
		Counter: true, Bad: sel + `,code=~"5.."}`, Total: sel + `}`}
}

// cartLatency is p99 latency of one version of cart at most 300 ms in 99%
// of five-minute slices.
func cartLatency() Objective {
	return Objective{Name: "cart-latency", Service: "cart", Kind: KindThreshold, Target: 0.99, Window: "1d",
		Query: `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="cart",version="{{.version}}"}[{{.window}}])))`,
		Op:    "lte", Threshold: 0.3}
}

func cartAvailability() Objective {
	return Objective{Name: "cart-availability", Service: "cart", Kind: KindRatio, Target: 0.999, Window: "7d",
		Counter: true, Good: `http_requests_total{service="cart",version="{{.version}}",code!~"5.."}`,
		Total: `http_requests_total{service="cart",version="{{.version}}"}`}
}

func measureAll(t *testing.T, o Options) ([]engine.SLO, engine.ScannerRun) {
	t.Helper()
	if o.Now.IsZero() {
		o.Now = T0
	}
	in := engine.NewInput()
	run, err := New(o).Scan(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return in.SLO, run
}

func byName(facts []engine.SLO) map[string]engine.SLO {
	m := map[string]engine.SLO{}
	for _, f := range facts {
		m[f.Name] = f
	}
	return m
}

func near(t *testing.T, what string, got *float64, want, tol float64) {
	t.Helper()
	if got == nil {
		t.Errorf("%s: missing, want %v", what, want)
		return
	}
	if math.Abs(*got-want) > tol {
		t.Errorf("%s = %v, want %v ± %v", what, *got, want, tol)
	}
}

func TestMeasureAgainstPrometheus(t *testing.T) {
	url := needPrometheus(t)
	facts, run := measureAll(t, Options{
		Prometheus: url,
		Objectives: []Objective{ratio("checkout", 0.999), ratio("search", 0.999), ratio("payments", 0.999), cartLatency()},
		Vars:       map[string]string{"version": "1.3.0"},
	})
	m := byName(facts)
	for _, f := range facts {
		if f.Error != "" {
			t.Fatalf("%s: %s", f.Name, f.Error)
		}
	}
	c := m["checkout-availability"]
	near(t, "checkout sli", c.SLI, 0.9998, 1e-5)
	near(t, "checkout budget", c.ErrorBudgetRemaining, 0.8, 0.01)
	near(t, "checkout burn", c.BurnRate, 0.2, 0.01)
	near(t, "checkout burn long", c.BurnRateLong, 0.2, 0.01)
	s := m["search-availability"]
	near(t, "search budget", s.ErrorBudgetRemaining, -1, 0.01)
	near(t, "search burn", s.BurnRate, 2, 0.05)
	p := m["payments-availability"]
	near(t, "payments burn short", p.BurnRate, 35, 1)
	near(t, "payments burn long", p.BurnRateLong, (0.5*0.035+0.5*0.0001)/0.001, 1)
	near(t, "payments budget", p.ErrorBudgetRemaining, 1-(0.0001*25.5+0.035*0.5)/26/0.001, 0.02)
	l := m["cart-latency"]
	near(t, "cart latency sli", l.SLI, 1, 1e-9)
	if l.Kind != KindThreshold || l.Op != "lte" || *l.Threshold != 0.3 || l.Source != SourcePrometheus || l.ShortWindow != "5m" || l.LongWindow != "1h" {
		t.Errorf("latency fact %+v", l)
	}
	if c.Verify != nil {
		t.Error("verify measured outside --stage verify")
	}
	if run.Stats[StatObjectives] != 4 || run.Stats[StatErrors] != 0 || run.Stats[StatQueries] != 3*3*2+3 || run.Database != url {
		t.Errorf("run %+v", run)
	}
}

func TestVerifyNewVersion(t *testing.T) {
	url := needPrometheus(t)
	for _, tt := range []struct {
		version            string
		errorRate, latency float64
	}{
		{"1.4.0", 0.04, 0.9},
		{"1.3.0", 0.0005, 0.0944},
	} {
		facts, _ := measureAll(t, Options{Prometheus: url, Objectives: []Objective{cartAvailability(), cartLatency()},
			Verify: true, Vars: map[string]string{"version": tt.version}})
		m := byName(facts)
		a, l := m["cart-availability"], m["cart-latency"]
		if a.Error != "" || l.Error != "" {
			t.Fatalf("%s: %s %s", tt.version, a.Error, l.Error)
		}
		if a.Verify == nil || a.Verify.Window != "10m" || l.Verify == nil {
			t.Fatalf("%s: verify %+v %+v", tt.version, a.Verify, l.Verify)
		}
		near(t, tt.version+" error rate", a.Verify.ErrorRate, tt.errorRate, tt.errorRate/50)
		near(t, tt.version+" p99", l.Verify.Value, tt.latency, 0.01)
	}
}

func TestPrometheusBadInput(t *testing.T) {
	url := needPrometheus(t)
	noData := ratio("ghost", 0.999)
	badQuery := Objective{Name: "broken", Kind: KindRatio, Target: 0.99, Window: "1d", Counter: false,
		Good: `sum(rate(http_requests_total{code!~"5.."}[{{.window}}])`, Total: `sum(rate(http_requests_total[{{.window}}]))`}
	manySeries := Objective{Name: "unaggregated", Kind: KindRatio, Target: 0.99, Window: "1d",
		Bad: `rate(http_requests_total{code="500"}[{{.window}}])`, Total: `sum(rate(http_requests_total[{{.window}}]))`}
	notSelector := Objective{Name: "not-a-selector", Kind: KindRatio, Target: 0.99, Window: "1d", Counter: true,
		Bad: `sum(http_requests_total{code="500"})`, Total: `http_requests_total`}
	missingVar := cartAvailability()
	facts, run := measureAll(t, Options{Prometheus: url, Objectives: []Objective{noData, badQuery, manySeries, notSelector, missingVar}})
	m := byName(facts)
	for name, want := range map[string]string{
		"ghost-availability": "the query returned no data: sum(increase(http_requests_total{service=\"ghost\"}[7d]))",
		"broken":             "query prometheus: bad_data: ",
		"unaggregated":       "series, want one (aggregate with sum())",
		"not-a-selector":     "is not a metric selector",
		"cart-availability":  `map has no entry for key "version"`,
	} {
		if f := m[name]; !strings.Contains(f.Error, want) || f.SLI != nil {
			t.Errorf("%s: error %q, want %q (sli %v)", name, f.Error, want, f.SLI)
		}
	}
	if run.Stats[StatErrors] != 5 {
		t.Errorf("run %+v", run)
	}
	// A selector that matches nothing is "no data" where a count is needed.
	p, _ := newPrometheus(url, http.DefaultClient, nil)
	if _, err := p.query(context.Background(), `sum(rate(nope_total[5m])) > 1`, T0); !errors.Is(err, ErrNoData) {
		t.Errorf("empty result: %v", err)
	}
}

func TestPrometheusDown(t *testing.T) {
	addr, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	facts, run := measureAll(t, Options{Prometheus: "http://user:s3cret-made-up@" + addr, Objectives: []Objective{ratio("checkout", 0.999)}})
	f := facts[0]
	if !strings.Contains(f.Error, "connection refused") || strings.Contains(f.Error, "s3cret") || !strings.Contains(f.Error, "user:xxxxx@") {
		t.Errorf("error = %q", f.Error)
	}
	if strings.Contains(run.Database, "s3cret") {
		t.Errorf("database %q shows the password", run.Database)
	}
}

func TestNotPrometheus(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "<html>login required</html>", http.StatusUnauthorized)
	}))
	defer srv.Close()
	facts, _ := measureAll(t, Options{Prometheus: srv.URL, Objectives: []Objective{ratio("checkout", 0.999)}})
	if !strings.Contains(facts[0].Error, "HTTP 401, not the Prometheus API: <html>login required</html>") {
		t.Errorf("error = %q", facts[0].Error)
	}
}
