package server

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
)

// The load generator is bounded in rate and time; run it once:
//
//	go test ./server -run '^$' -bench Load -benchtime 1x
var (
	loadDuration    = flag.Duration("load.duration", 10*time.Second, "how long each load run lasts")
	admissionRate   = flag.Int("load.admission-rate", 500, "admission requests per second")
	decisionRate    = flag.Int("load.decision-rate", 20, "decision requests per second (1,000-finding input)")
	loadMaxInFlight = flag.Int("load.inflight", 256, "requests in flight at most; more count as errors")
)

// loadResult summarises one open-loop run.
type loadResult struct {
	sent, errors int
	latencies    []time.Duration
}

func (r *loadResult) quantile(q float64) time.Duration {
	if len(r.latencies) == 0 {
		return 0
	}
	slices.Sort(r.latencies)
	return r.latencies[min(len(r.latencies)-1, int(q*float64(len(r.latencies))))]
}

// load sends requests at a fixed rate (open loop: a slow answer does not
// slow the sender, so queueing shows in the latencies) for duration.
func load(client *http.Client, url string, body []byte, header http.Header, rate int, duration time.Duration, ok func(*http.Response, []byte) bool) *loadResult {
	res := &loadResult{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	var inflight atomic.Int64
	// Each send has its own slot on the schedule, so a late wake-up sends
	// the missed requests at once instead of dropping them (as a Ticker would).
	interval := time.Second / time.Duration(rate)
	start := time.Now()
	for i := 0; ; i++ {
		slot := start.Add(time.Duration(i) * interval)
		if slot.Sub(start) >= duration {
			wg.Wait()
			return res
		}
		time.Sleep(time.Until(slot))
		res.sent++
		if inflight.Load() >= int64(*loadMaxInFlight) {
			mu.Lock()
			res.errors++
			mu.Unlock()
			continue
		}
		inflight.Add(1)
		wg.Go(func() {
			defer inflight.Add(-1)
			req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
			req.Header = header.Clone()
			start := time.Now()
			resp, err := client.Do(req)
			var data []byte
			if err == nil {
				data, err = io.ReadAll(resp.Body)
				resp.Body.Close()
			}
			took := time.Since(start)
			mu.Lock()
			defer mu.Unlock()
			if err != nil || !ok(resp, data) {
				res.errors++
				return
			}
			res.latencies = append(res.latencies, took)
		})
	}
}

func report(b *testing.B, name string, r *loadResult) {
	p50, p99 := r.quantile(0.50), r.quantile(0.99)
	b.ReportMetric(float64(p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(float64(r.errors), "errors")
	b.ReportMetric(float64(r.sent), "sent")
	b.Logf("%s: sent %d, errors %d, p50 %s, p99 %s", name, r.sent, r.errors, p50, p99)
}

// BenchmarkLoadAdmission: AdmissionReviews for an attested Deployment over
// TLS on loopback, verification cached by digest.
func BenchmarkLoadAdmission(b *testing.B) {
	f := newFixture(b)
	d := digestOfChar("a")
	f.record(b, "app", d, "production", "pass", time.Now())
	s := newServer(b, f, func(c *Config) { c.Token = "bench-token" })
	url, client := serveTLS(b, s)
	body := []byte(reviewJSON("Deployment", "apps", "shop", deploymentJSON("registry.local/app@"+d)))
	h := http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer bench-token"}}
	ok := func(resp *http.Response, data []byte) bool {
		return resp.StatusCode == http.StatusOK && bytes.Contains(data, []byte(`"allowed":true`))
	}
	// Warm the connections and the cache.
	load(client, url+"/v1/admission", body, h, 100, 200*time.Millisecond, ok)
	for b.Loop() {
		report(b, "admission", load(client, url+"/v1/admission", body, h, *admissionRate, *loadDuration, ok))
	}
}

// BenchmarkLoadDecision: a 1,000-finding input document judged per request.
func BenchmarkLoadDecision(b *testing.B) {
	s := newServer(b, newFixture(b), nil)
	url, client := serveTLS(b, s)
	in := engine.NewInput()
	in.Release.Environment = "production"
	for i := range 1000 {
		in.Vulnerabilities = append(in.Vulnerabilities, engine.Vulnerability{
			ID: fmt.Sprintf("GHSA-%04d", i), Severity: "high", Source: "osv", FixedVersions: []string{"1.0.1"},
			Package:  engine.Package{Name: fmt.Sprintf("pkg-%04d", i), Version: "1.0.0", Ecosystem: "Go"},
			Location: engine.Location{Path: "go.sum", StartLine: i + 1},
		})
	}
	var buf bytes.Buffer
	if err := in.Encode(&buf); err != nil {
		b.Fatal(err)
	}
	h := http.Header{"Content-Type": {"application/json"}}
	findings := 0
	ok := func(resp *http.Response, data []byte) bool {
		if resp.StatusCode != http.StatusOK {
			return false
		}
		findings = strings.Count(string(data), `"fingerprint"`)
		return true
	}
	load(client, url+"/v1/decision", buf.Bytes(), h, 5, time.Second, ok)
	if findings < 1000 {
		b.Fatalf("the decision has %d findings, want at least 1,000", findings)
	}
	for b.Loop() {
		report(b, "decision", load(client, url+"/v1/decision", buf.Bytes(), h, *decisionRate, *loadDuration, ok))
	}
}
