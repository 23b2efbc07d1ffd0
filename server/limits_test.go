package server

import (
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/relgate/relgate/engine"
)

// vulnInput is a valid input document with n vulnerability findings.
func vulnInput(t testing.TB, n int) []byte {
	t.Helper()
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
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestLimiter: past the in-flight count or body budget the answer is 503
// with Retry-After, before the handler runs; probes are always answered; a
// declared body over the cap is 413 without being read.
func TestLimiter(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 4)
	var handled sync.Map
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		handled.Store(r.Header.Get("X-Id"), true)
		if r.Header.Get("X-Block") != "" {
			entered <- struct{}{}
			<-release
		}
		_, _ = w.Write([]byte("ok"))
	})
	reg := prometheus.NewRegistry()
	h := newLimiter(Limits{MaxInFlight: 2, MaxInFlightBytes: 1000}, 1000, reg).limit(next)
	req := func(id, path string, size int, block bool) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(strings.Repeat("x", size)))
		r.Header.Set("X-Id", id)
		if block {
			r.Header.Set("X-Block", "1")
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		return w
	}
	var wg sync.WaitGroup
	wg.Go(func() { req("big", "/v1/decision", 600, true) })
	<-entered
	if w := req("over-budget", "/v1/decision", 600, false); w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "1" {
		t.Fatalf("over the byte budget: %d %q %s", w.Code, w.Header().Get("Retry-After"), w.Body)
	}
	wg.Go(func() { req("small", "/v1/decision", 300, true) })
	<-entered
	if w := req("third", "/v1/admission", 10, false); w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "retry later") {
		t.Fatalf("over the in-flight count: %d %s", w.Code, w.Body)
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		if w := req("probe"+p, p, 0, false); w.Code != http.StatusOK {
			t.Errorf("%s while saturated: %d", p, w.Code)
		}
	}
	if w := req("huge", "/v1/decision", 1001, false); w.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("declared body over the cap: %d %s", w.Code, w.Body)
	}
	for _, id := range []string{"over-budget", "third", "huge"} {
		if _, ok := handled.Load(id); ok {
			t.Errorf("request %s reached the handler", id)
		}
	}
	close(release)
	wg.Wait()
	if w := req("after", "/v1/decision", 1000, false); w.Code != http.StatusOK {
		t.Fatalf("slots not released: %d %s", w.Code, w.Body)
	}
	if got := testCounter(t, reg, "relgate_http_rejected_total", "saturated"); got != 2 {
		t.Errorf("saturated rejections counted %v, want 2", got)
	}
}

func testCounter(t *testing.T, reg *prometheus.Registry, name, reason string) float64 {
	t.Helper()
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		for _, m := range mf.GetMetric() {
			for _, lp := range m.GetLabel() {
				if lp.GetName() == "reason" && lp.GetValue() == reason {
					return m.GetCounter().GetValue()
				}
			}
		}
	}
	return 0
}

func TestLimitsDefaultsAndChecks(t *testing.T) {
	l, err := Limits{}.WithDefaults(10 << 20)
	if err != nil || l != DefaultLimits() {
		t.Fatalf("zero limits: %+v, %v; want the defaults", l, err)
	}
	l, _ = Limits{}.WithDefaults(64 << 20)
	if l.MaxInFlightBytes != 64<<20 {
		t.Errorf("a body cap above the default budget must raise the budget: %d", l.MaxInFlightBytes)
	}
	for _, bad := range []Limits{{MaxInFlightBytes: 1 << 20}, {MaxConns: -1}, {ReadTimeout: -time.Second}} {
		if _, err := bad.WithDefaults(10 << 20); err == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

// TestOversizedRequests over TLS on loopback: headers over the cap are 431,
// a body over the cap is 413 whether its length is declared or not.
func TestOversizedRequests(t *testing.T) {
	s := newServer(t, newFixture(t), func(c *Config) { c.MaxBody = 4096; c.Limits.MaxHeaderBytes = 8 << 10 })
	url, client := serveTLS(t, s)
	do := func(req *http.Request) (int, string) {
		t.Helper()
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	req, _ := http.NewRequest(http.MethodGet, url+"/healthz", nil)
	req.Header.Set("X-Padding", strings.Repeat("a", 64<<10))
	if code, body := do(req); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("64 KiB of headers: %d %s", code, body)
	}
	big := `{"apiVersion":"relgate.dev/v1","kind":"ReleaseInput","x":"` + strings.Repeat("a", 100<<10) + `"}`
	req, _ = http.NewRequest(http.MethodPost, url+"/v1/decision", strings.NewReader(big))
	if code, body := do(req); code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "larger than 4096 bytes") {
		t.Errorf("declared 100 KiB body: %d %s", code, body)
	}
	// A reader of unknown length makes the client send it chunked.
	req, _ = http.NewRequest(http.MethodPost, url+"/v1/decision", io.MultiReader(strings.NewReader(big)))
	if req.ContentLength != 0 {
		t.Fatalf("want a body of unknown length, have %d", req.ContentLength)
	}
	if code, body := do(req); code != http.StatusRequestEntityTooLarge || !strings.Contains(body, "larger than 4096 bytes") {
		t.Errorf("chunked 100 KiB body: %d %s", code, body)
	}
	if code, body := do(mustRequest(t, http.MethodGet, url+"/healthz")); code != http.StatusOK {
		t.Errorf("healthz after oversized requests: %d %s", code, body)
	}
}

func mustRequest(t *testing.T, method, url string) *http.Request {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// TestSlowlorisIsCutOff: a client that dribbles its headers, or never
// starts the TLS handshake, is disconnected after the read-header timeout
// instead of holding its connection for as long as it likes.
func TestSlowlorisIsCutOff(t *testing.T) {
	const timeout = 500 * time.Millisecond
	s := newServer(t, newFixture(t), func(c *Config) { c.Limits.ReadHeaderTimeout = timeout })
	url, client := serveTLS(t, s)
	addr := strings.TrimPrefix(url, "https://")
	tlsCfg := client.Transport.(*http.Transport).TLSClientConfig

	t.Run("headers dribbled", func(t *testing.T) {
		conn, err := tls.Dial("tcp", addr, tlsCfg)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		closed := make(chan error, 1)
		go func() {
			_, err := conn.Read(make([]byte, 1))
			closed <- err
		}()
		start := time.Now()
		if _, err := io.WriteString(conn, "POST /v1/decision HTTP/1.1\r\nHost: relgate\r\n"); err != nil {
			t.Fatal(err)
		}
		// One header line every 100 ms, for up to 40 times the timeout.
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for i := 0; ; i++ {
			select {
			case err := <-closed:
				if !errors.Is(err, io.EOF) && !isReset(err) {
					t.Fatalf("want the server to close the connection, got %v", err)
				}
				t.Logf("cut off after %s and %d header lines", time.Since(start).Round(time.Millisecond), i)
				return
			case <-tick.C:
				if i == 200 {
					t.Fatalf("still connected after dribbling headers for %s (read-header timeout %s)", time.Since(start).Round(time.Millisecond), timeout)
				}
				_, _ = fmt.Fprintf(conn, "X-Slow-%d: 1\r\n", i)
			}
		}
	})
	t.Run("handshake never started", func(t *testing.T) {
		conn, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer conn.Close()
		_ = conn.SetReadDeadline(time.Now().Add(40 * timeout))
		_, err = conn.Read(make([]byte, 1))
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("still connected after %s without a handshake (read-header timeout %s)", 40*timeout, timeout)
		}
		if !errors.Is(err, io.EOF) && !isReset(err) {
			t.Fatalf("want the server to close the connection, got %v", err)
		}
	})
	// The server still serves.
	resp, err := client.Get(url + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
}

func isReset(err error) bool {
	return err != nil && strings.Contains(err.Error(), "connection reset")
}

// TestConnectionLimit: past MaxConns a new connection waits in the accept
// queue and is served once a slot frees.
func TestConnectionLimit(t *testing.T) {
	s := newServer(t, newFixture(t), func(c *Config) { c.Limits.MaxConns = 1 })
	url, client := serveTLS(t, s)
	hold, err := net.Dial("tcp", strings.TrimPrefix(url, "https://"))
	if err != nil {
		t.Fatal(err)
	}
	// The accept queue is first in, first out: hold is accepted first.
	short := &http.Client{Timeout: 300 * time.Millisecond, Transport: client.Transport}
	if resp, err := short.Get(url + "/healthz"); err == nil {
		resp.Body.Close()
		t.Fatal("a second connection was served while the only slot was held")
	}
	hold.Close()
	resp, err := client.Get(url + "/healthz")
	if err != nil {
		t.Fatalf("not served after the slot was freed: %v", err)
	}
	resp.Body.Close()
}
