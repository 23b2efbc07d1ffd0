// Package server is `relgate serve`: the decision endpoint (an input
// document in, the same decision the CLI gives out) and a Kubernetes
// validating admission webhook that admits images only on a signed, passing
// relgate decision record. Policies are compiled once and swapped
// atomically on reload; replicas are stateless.
package server

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"net"
	"net/http"
	"path"
	"runtime/debug"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/relgate/relgate/attest"
	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/redact"
)

// Admission modes.
const (
	ModeEnforce = "enforce" // deny what the policy denies
	ModeWarn    = "warn"    // dry run: admit, and return the denial as warnings
)

// Config configures a Server.
type Config struct {
	// NewEngine compiles the release policies; it is called at start and on
	// every reload.
	NewEngine func(context.Context) (*engine.Engine, error)
	// Token, when set, must be presented as "Authorization: Bearer TOKEN".
	Token string
	// MaxBody bounds a request body (bytes); zero means 10 MiB.
	MaxBody int64
	// Limits bound connections, requests in flight and slow clients; zero
	// fields take DefaultLimits.
	Limits Limits
	// Admission settings.
	Admission Admission
	// Redactor masks secrets in decision and admission responses; nil:
	// none.
	Redactor *redact.Redactor
}

// Admission configures the webhook.
type Admission struct {
	RecordsDir string             // directory of decision records (*.json)
	Keys       []*attest.Verifier // records must be signed by one of these
	MaxAge     time.Duration      // refuse records older than this; zero: any age
	Mode       string             // ModeEnforce (default) or ModeWarn
	// FailurePolicy answers kinds relgate does not read images from:
	// "allow" (default, with a warning) or "deny".
	FailurePolicy string
	Environments  Environments
	// Rescan bounds how often a lookup miss re-reads RecordsDir; zero: 10s.
	Rescan time.Duration
	// Registry, when set, reads records from each image's registry instead
	// of RecordsDir.
	Registry *RegistryRecords
}

// Environments maps namespaces to release environments.
type Environments struct {
	Default    string            `json:"default" yaml:"default"`       // when no namespace pattern matches
	Namespaces map[string]string `json:"namespaces" yaml:"namespaces"` // namespace or glob → environment
	Exempt     []string          `json:"exempt" yaml:"exempt"`         // namespaces or globs never checked
}

// environment returns the namespace's environment: an exact entry wins over
// a glob, globs are tried in sorted order.
func (e Environments) environment(ns string) string {
	if env, ok := e.Namespaces[ns]; ok {
		return env
	}
	for _, pat := range sortedKeys(e.Namespaces) {
		if ok, _ := path.Match(pat, ns); ok {
			return e.Namespaces[pat]
		}
	}
	if e.Default != "" {
		return e.Default
	}
	return "production" // fail safe, as the CLI does
}

func (e Environments) exempt(ns string) bool {
	for _, pat := range e.Exempt {
		if ok, _ := path.Match(pat, ns); ok {
			return true
		}
	}
	return false
}

// state is what a reload replaces at once; a request keeps the state it
// started with, so a reload never drops or mixes a request.
type state struct {
	engine    *engine.Engine
	admission *admissionPolicy
	records   *records
}

// Server answers decision and admission requests.
type Server struct {
	cfg     Config
	state   atomic.Pointer[state]
	metrics *metrics
	ready   atomic.Bool
	handler http.Handler
	// registry outlives reloads: its cache holds verified records only.
	registry *registryRecords
}

// New compiles the policies, reads the records and builds the handler.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.MaxBody == 0 {
		cfg.MaxBody = 10 << 20
	}
	limits, err := cfg.Limits.WithDefaults(cfg.MaxBody)
	if err != nil {
		return nil, err
	}
	cfg.Limits = limits
	a := &cfg.Admission
	if a.Mode == "" {
		a.Mode = ModeEnforce
	}
	if a.Mode != ModeEnforce && a.Mode != ModeWarn {
		return nil, fmt.Errorf("new server: unknown mode %q (want enforce or warn)", a.Mode)
	}
	if a.FailurePolicy == "" {
		a.FailurePolicy = "allow"
	}
	if a.FailurePolicy != "allow" && a.FailurePolicy != "deny" {
		return nil, fmt.Errorf("new server: unknown failure policy %q (want allow or deny)", a.FailurePolicy)
	}
	if a.Rescan == 0 {
		a.Rescan = 10 * time.Second
	}
	if a.RecordsDir != "" && len(a.Keys) == 0 {
		return nil, errors.New("new server: records need at least one public key")
	}
	if a.RecordsDir != "" && a.Registry != nil {
		return nil, errors.New("new server: records come from a directory or from the registry, not both")
	}
	s := &Server{cfg: cfg, metrics: newMetrics()}
	if a.Registry != nil {
		var err error
		if s.registry, err = newRegistryRecords(*a.Registry, a.Keys, a.MaxAge, s.metrics.reg); err != nil {
			return nil, err
		}
	}
	if err := s.Reload(ctx); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	s.ready.Store(true)
	return s, nil
}

// Reload recompiles the policies and re-reads the records, then swaps them
// in. On error the running state stays.
func (s *Server) Reload(ctx context.Context) error {
	st, err := s.load(ctx)
	if err != nil {
		s.metrics.reloads.WithLabelValues("error").Inc()
		return err
	}
	s.state.Store(st)
	s.metrics.reloads.WithLabelValues("ok").Inc()
	return nil
}

func (s *Server) load(ctx context.Context) (*state, error) {
	eng, err := s.cfg.NewEngine(ctx)
	if err != nil {
		return nil, fmt.Errorf("compile policies: %w", err)
	}
	adm, err := compileAdmission(ctx)
	if err != nil {
		return nil, err
	}
	a := s.cfg.Admission
	recs := newRecords(a.RecordsDir, a.Keys, a.Rescan)
	if err := recs.scan(ctx); err != nil {
		return nil, err
	}
	return &state{engine: eng, admission: adm, records: recs}, nil
}

// Handler is the HTTP handler, for tests and embedding.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("POST /v1/decision", s.authed(redactResponses(http.HandlerFunc(s.handleDecision), s.cfg.Redactor)))
	mux.Handle("POST /v1/admission", s.authed(redactResponses(http.HandlerFunc(s.handleAdmission), s.cfg.Redactor)))
	mux.Handle("GET /metrics", s.authed(promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})))
	// Probes carry no credentials: kubelet cannot send a bearer token.
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) {
		if !s.ready.Load() {
			http.Error(w, "not ready", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ok\n"))
	})
	return s.instrument(newLimiter(s.cfg.Limits, s.cfg.MaxBody, s.metrics.reg).limit(mux))
}

// statusWriter remembers the status code for the metrics.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// instrument counts and times every request, bounds its body and turns a
// handler panic into a 500 so that the process keeps serving.
func (s *Server) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		label := r.URL.Path
		switch label {
		case "/v1/decision", "/v1/admission", "/metrics", "/healthz", "/readyz":
		default:
			label = "other" // unbounded paths would be unbounded series
		}
		defer func() {
			if p := recover(); p != nil {
				s.metrics.panics.Inc()
				slog.Error("handler panic", "path", label, "panic", fmt.Sprint(p), "stack", string(debug.Stack()))
				if sw.code == 0 {
					httpError(sw, http.StatusInternalServerError, "internal error")
				}
			}
			s.metrics.requests.WithLabelValues(label, strconv.Itoa(sw.code)).Inc()
			s.metrics.latency.WithLabelValues(label).Observe(time.Since(start).Seconds())
		}()
		r.Body = http.MaxBytesReader(sw, r.Body, s.cfg.MaxBody)
		next.ServeHTTP(sw, r)
	})
}

func (s *Server) authed(next http.Handler) http.Handler {
	if s.cfg.Token == "" {
		return next
	}
	want := []byte("Bearer " + s.cfg.Token)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if subtle.ConstantTimeCompare([]byte(r.Header.Get("Authorization")), want) != 1 {
			w.Header().Set("WWW-Authenticate", `Bearer realm="relgate"`)
			httpError(w, http.StatusUnauthorized, "missing or wrong bearer token")
			return
		}
		next.ServeHTTP(w, r)
	})
}

// handleDecision judges an input document with the same engine and JSON
// as `relgate eval`.
func (s *Server) handleDecision(w http.ResponseWriter, r *http.Request) {
	st := s.state.Load()
	in, err := engine.DecodeInput("request", r.Body)
	if err != nil {
		if tooLarge(err) {
			httpError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("body larger than %d bytes", s.cfg.MaxBody))
			return
		}
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := st.engine.CheckEnvironment(in.Release.Environment); err != nil {
		httpError(w, http.StatusBadRequest, err.Error())
		return
	}
	d, err := st.engine.Evaluate(r.Context(), in)
	if err != nil {
		slog.Error("evaluate", "err", err)
		httpError(w, http.StatusInternalServerError, "evaluate: "+err.Error())
		return
	}
	s.metrics.decisions.WithLabelValues("decision", d.Result).Inc()
	w.Header().Set("Content-Type", "application/json")
	_ = d.Encode(w)
}

func tooLarge(err error) bool {
	var mb *http.MaxBytesError
	return errors.As(err, &mb)
}

func httpError(w http.ResponseWriter, code int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": msg, "code": code})
}

// Serve answers on ln with TLS 1.2+ until ctx ends, then shuts down
// gracefully: readiness fails first, in-flight requests finish (bounded by
// grace).
func (s *Server) Serve(ctx context.Context, ln net.Listener, tlsCfg *tls.Config, grace time.Duration) error {
	if tlsCfg == nil || tlsCfg.MinVersion < tls.VersionTLS12 {
		return errors.New("serve: TLS 1.2 or later is required")
	}
	hs := s.httpServer()
	hs.TLSConfig = tlsCfg
	hs.ErrorLog = slog.NewLogLogger(slog.Default().Handler(), slog.LevelWarn)
	// Connections that have not sent a request yet hold nothing in
	// flight, but net/http's Shutdown waits up to 5 s for them: a client
	// that dialled and went quiet would eat the whole grace period (and,
	// under the connection limit, a slot). They are closed at shutdown.
	var mu sync.Mutex
	fresh := map[net.Conn]bool{}
	hs.ConnState = func(c net.Conn, state http.ConnState) {
		mu.Lock()
		defer mu.Unlock()
		if state == http.StateNew {
			fresh[c] = true
		} else {
			delete(fresh, c)
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(tls.NewListener(s.limitListener(ln), tlsCfg)) }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	s.ready.Store(false)
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- hs.Shutdown(sctx) }()
	// Shutdown has closed the listener once it runs; close the quiet
	// connections, now and as late ones appear, until it returns.
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var err error
	for waiting := true; waiting; {
		mu.Lock()
		for c := range fresh {
			_ = c.Close()
			delete(fresh, c)
		}
		mu.Unlock()
		select {
		case err = <-shut:
			waiting = false
		case <-tick.C:
		}
	}
	if err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

func sortedKeys(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }
