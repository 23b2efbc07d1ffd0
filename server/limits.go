package server

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/net/netutil"
	"golang.org/x/sync/semaphore"
)

// Limits bound what clients can make the server hold, so that its memory
// has a ceiling under any load, authenticated or not: the connections it
// keeps open, the requests it works on at once and the body bytes they may
// bring, and how long it waits for a slow client.
//
// Judging an input document costs about 40 times its size in heap (measured
// on the 1,000–20,000-finding inputs of the load benchmarks), so the memory
// ceiling is roughly base + 40 × MaxInFlightBytes + 64 KiB × MaxConns; see
// docs/security.md for the figures with the defaults.
type Limits struct {
	// MaxConns bounds open connections; more wait in the kernel's accept
	// queue rather than in the process.
	MaxConns int
	// MaxInFlight bounds the API requests handled at once; beyond it the
	// answer is 503 with Retry-After, before the body is read.
	MaxInFlight int
	// MaxInFlightBytes bounds the request bodies handled at once (declared
	// Content-Length; a body of unknown length counts as Config.MaxBody).
	MaxInFlightBytes int64
	// MaxHeaderBytes bounds the request line and headers; beyond it the
	// answer is 431.
	MaxHeaderBytes int
	// ReadHeaderTimeout also bounds the TLS handshake (slowloris);
	// ReadTimeout the whole request, WriteTimeout the answer, IdleTimeout a
	// kept-alive connection between requests.
	ReadHeaderTimeout, ReadTimeout, WriteTimeout, IdleTimeout time.Duration
}

// DefaultMaxBody is the largest request body when Config.MaxBody is zero.
const DefaultMaxBody = 10 << 20

// DefaultLimits are the limits `relgate serve` starts with; a zero field of
// Config.Limits takes its value from here.
func DefaultLimits() Limits {
	return Limits{
		MaxConns:          1024,
		MaxInFlight:       32,
		MaxInFlightBytes:  16 << 20,
		MaxHeaderBytes:    32 << 10,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       60 * time.Second,
	}
}

// WithDefaults fills zero fields and checks that one request of the largest
// body can be served at all.
func (l Limits) WithDefaults(maxBody int64) (Limits, error) {
	d := DefaultLimits()
	ints := []struct {
		name   string
		v, def *int
	}{{"max connections", &l.MaxConns, &d.MaxConns}, {"max in flight", &l.MaxInFlight, &d.MaxInFlight}, {"max header bytes", &l.MaxHeaderBytes, &d.MaxHeaderBytes}}
	for _, f := range ints {
		if *f.v < 0 {
			return l, fmt.Errorf("check limits: %s must not be negative", f.name)
		}
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	times := []struct {
		name   string
		v, def *time.Duration
	}{{"read-header timeout", &l.ReadHeaderTimeout, &d.ReadHeaderTimeout}, {"read timeout", &l.ReadTimeout, &d.ReadTimeout}, {"write timeout", &l.WriteTimeout, &d.WriteTimeout}, {"idle timeout", &l.IdleTimeout, &d.IdleTimeout}}
	for _, f := range times {
		if *f.v < 0 {
			return l, fmt.Errorf("check limits: %s must not be negative", f.name)
		}
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	if l.MaxInFlightBytes < 0 || maxBody < 0 {
		return l, errors.New("check limits: byte limits must not be negative")
	}
	if l.MaxInFlightBytes == 0 {
		l.MaxInFlightBytes = max(d.MaxInFlightBytes, maxBody)
	}
	if l.MaxInFlightBytes < maxBody {
		return l, fmt.Errorf("check limits: the in-flight body budget (%d bytes) is smaller than the largest body (%d bytes), so such a request could never be served", l.MaxInFlightBytes, maxBody)
	}
	return l, nil
}

// limiter admits a request only while the in-flight count and body budget
// allow it. Rejecting before the body is read is what bounds memory: a
// waiting request would hold its body.
type limiter struct {
	slots    chan struct{}
	bytes    *semaphore.Weighted
	maxBody  int64
	rejected *prometheus.CounterVec
	inflight prometheus.Gauge
}

func newLimiter(lim Limits, maxBody int64, reg prometheus.Registerer) *limiter {
	l := &limiter{
		slots:   make(chan struct{}, lim.MaxInFlight),
		bytes:   semaphore.NewWeighted(lim.MaxInFlightBytes),
		maxBody: maxBody,
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "relgate_http_rejected_total", Help: "Requests refused before their body was read, by reason (saturated, too_large).",
		}, []string{"reason"}),
		inflight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "relgate_http_in_flight_requests", Help: "API requests being handled.",
		}),
	}
	reg.MustRegister(l.rejected, l.inflight)
	return l
}

// limit wraps the API. Probes are exempt: a saturated server is alive and
// ready, and kubelet must not restart it for being busy.
func (l *limiter) limit(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || r.URL.Path == "/readyz" {
			next.ServeHTTP(w, r)
			return
		}
		if r.ContentLength > l.maxBody {
			l.rejected.WithLabelValues("too_large").Inc()
			w.Header().Set("Connection", "close") // do not read a body we refuse
			httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", l.maxBody))
			return
		}
		weight := r.ContentLength
		if weight < 0 {
			weight = l.maxBody // unknown length: MaxBytesReader stops it there
		}
		select {
		case l.slots <- struct{}{}:
		default:
			l.saturated(w, r)
			return
		}
		defer func() { <-l.slots }()
		if !l.bytes.TryAcquire(weight) {
			l.saturated(w, r)
			return
		}
		defer l.bytes.Release(weight)
		l.inflight.Inc()
		defer l.inflight.Dec()
		next.ServeHTTP(w, r)
	})
}

// saturated answers 503. It drains the body (at most MaxBody, through a
// fixed buffer, so memory stays flat) because closing a connection with
// unread data resets it, and a client still sending would never see the
// answer that tells it to retry.
func (l *limiter) saturated(w http.ResponseWriter, r *http.Request) {
	l.rejected.WithLabelValues("saturated").Inc()
	w.Header().Set("Retry-After", strconv.Itoa(1))
	_, _ = io.Copy(io.Discard, io.LimitReader(r.Body, l.maxBody))
	httpError(w, http.StatusServiceUnavailable, "server busy: too many requests in flight, retry later")
}

// httpServer is the http.Server the limits configure.
func (s *Server) httpServer() *http.Server {
	l := s.cfg.Limits
	return &http.Server{
		Handler:           s.handler,
		ReadHeaderTimeout: l.ReadHeaderTimeout,
		ReadTimeout:       l.ReadTimeout,
		WriteTimeout:      l.WriteTimeout,
		IdleTimeout:       l.IdleTimeout,
		MaxHeaderBytes:    l.MaxHeaderBytes,
	}
}

// limitListener bounds open connections, TLS handshakes included.
func (s *Server) limitListener(ln net.Listener) net.Listener {
	return netutil.LimitListener(ln, s.cfg.Limits.MaxConns)
}

// PolicyDigest identifies the policies the server judges with now.
func (s *Server) PolicyDigest() string { return s.state.Load().engine.PolicyDigest() }
