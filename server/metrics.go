package server

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// metrics are the server's Prometheus series, on a registry of its own so
// that two servers in one process (tests) do not collide.
type metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	decisions *prometheus.CounterVec
	cache     *prometheus.CounterVec
	reloads   *prometheus.CounterVec
	panics    prometheus.Counter
}

func newMetrics() *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "relgate_http_requests_total", Help: "HTTP requests by path and status code.",
		}, []string{"path", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "relgate_http_request_duration_seconds", Help: "HTTP request latency by path.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"path"}),
		decisions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "relgate_decisions_total", Help: "Decisions by endpoint and result (pass/warn/fail; allowed/denied/warned/exempt).",
		}, []string{"endpoint", "result"}),
		cache: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "relgate_record_cache_total", Help: "Decision-record lookups by image digest: hit or miss.",
		}, []string{"result"}),
		reloads: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "relgate_reloads_total", Help: "Policy and record reloads by result.",
		}, []string{"result"}),
		panics: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "relgate_http_panics_total", Help: "Handler panics recovered.",
		}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.decisions, m.cache, m.reloads, m.panics,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}
