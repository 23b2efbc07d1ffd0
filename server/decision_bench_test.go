package server

import (
	"bytes"
	"flag"
	"fmt"
	"net/http"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
)

// The decision benchmarks measure the goals of issue 14: a 10-finding input
// at 500 req/s open loop, and a 1,000-finding input sequentially and at
// 50 req/s. Bounded in time (-load.duration) and count; run them once:
//
//	go test ./server -run '^$' -bench 'Decision(10|1000)$' -benchtime 1x
var (
	smallRate  = flag.Int("load.small-rate", 500, "decision requests per second with a 10-finding input")
	largeRate  = flag.Int("load.large-rate", 50, "decision requests per second with a 1,000-finding input")
	sequential = flag.Int("load.sequential", 100, "sequential decision requests with a 1,000-finding input")
)

// decisionBody is an input of n high vulnerabilities with a fix: each one
// fails production, so every answer must list n violations.
func decisionBody(b *testing.B, n int) []byte {
	in := engine.NewInput()
	in.Release.Environment = "production"
	for i := range n {
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
	return buf.Bytes()
}

// failsWith accepts a decision that fails with at least n VUL001 findings.
func failsWith(n int) func(*http.Response, []byte) bool {
	return func(resp *http.Response, data []byte) bool {
		return resp.StatusCode == http.StatusOK && bytes.Contains(data, []byte(`"result": "fail"`)) &&
			strings.Count(string(data), `"rule": "VUL001"`) >= n
	}
}

func decisionServer(b *testing.B) (string, *http.Client) {
	url, client := serveTLS(b, newServer(b, newFixture(b), nil))
	return url + "/v1/decision", client
}

// BenchmarkDecision10: a 10-finding input at -load.small-rate req/s (goal:
// p99 ≤5 ms at 500 req/s, 0 errors).
func BenchmarkDecision10(b *testing.B) {
	url, client := decisionServer(b)
	body := decisionBody(b, 10)
	h := http.Header{"Content-Type": {"application/json"}}
	ok := failsWith(10)
	warm := load(client, url, body, h, 50, 200*time.Millisecond, ok)
	if warm.errors > 0 || len(warm.latencies) == 0 {
		b.Fatalf("warm-up: %d errors of %d", warm.errors, warm.sent)
	}
	for b.Loop() {
		report(b, "decision-10", load(client, url, body, h, *smallRate, *loadDuration, ok))
	}
}

// BenchmarkDecision1000: a 1,000-finding input, first -load.sequential
// requests one after another (goal: p99 ≤50 ms), then -load.large-rate
// req/s open loop (goal: ≥50 req/s with 0 errors).
func BenchmarkDecision1000(b *testing.B) {
	url, client := decisionServer(b)
	body := decisionBody(b, 1000)
	h := http.Header{"Content-Type": {"application/json"}}
	ok := failsWith(1000)
	b.Run("sequential", func(b *testing.B) {
		for b.Loop() {
			seq := &loadResult{}
			start, cpu := time.Now(), cpuTime()
			for range *sequential {
				if time.Since(start) > *loadDuration {
					break
				}
				// Rate 1 for a nanosecond sends exactly one request and
				// waits for its answer.
				r := load(client, url, body, h, 1, time.Nanosecond, ok)
				seq.sent += r.sent
				seq.errors += r.errors
				seq.latencies = append(seq.latencies, r.latencies...)
			}
			if len(seq.latencies) == 0 {
				b.Fatalf("no sequential decision succeeded (%d errors)", seq.errors)
			}
			b.ReportMetric(float64(len(seq.latencies))/time.Since(start).Seconds(), "req/s")
			// Client and server share the process: an upper bound of the
			// server's CPU per request, and what a loaded machine distorts least.
			b.ReportMetric(float64(cpuTime()-cpu)/float64(time.Millisecond)/float64(seq.sent), "cpu-ms/req")
			report(b, "decision-1000-sequential", seq)
		}
	})
	b.Run("open-loop", func(b *testing.B) {
		for b.Loop() {
			report(b, "decision-1000-open", load(client, url, body, h, *largeRate, *loadDuration, ok))
		}
	})
}

// cpuTime is the CPU the process has used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
