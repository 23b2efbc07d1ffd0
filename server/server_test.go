package server

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"

	"github.com/relgate/relgate/attest"
	"github.com/relgate/relgate/engine"
)

func digestOfChar(c string) string { return "sha256:" + strings.Repeat(c, 64) }

// fixture is a records directory signed with a key made in the test.
type fixture struct {
	dir    string
	signer *attest.Signer
}

func newFixture(t testing.TB) *fixture {
	t.Helper()
	_, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := attest.NewSigner(sk)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{dir: t.TempDir(), signer: s}
}

// record signs a decision for digest and writes it to the directory.
func (f *fixture) record(t testing.TB, name, digest, env, result string, at time.Time) []byte {
	t.Helper()
	d := &engine.Decision{Result: result, Score: 100, Environment: env, InputDigest: digestOfChar("c"), PolicyDigest: digestOfChar("d")}
	if result == "fail" {
		d.Score = 0
		d.Violations = []engine.Finding{{Rule: "SEC001", Severity: "critical"}}
	}
	rec, err := attest.Sign(context.Background(), f.signer, []attest.Subject{{Name: "registry.local/" + name, Digest: digest}}, attest.NewPredicate(d, "test", at))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.dir, name+".json"), rec, 0o644); err != nil {
		t.Fatal(err)
	}
	return rec
}

func newServer(t testing.TB, f *fixture, mutate func(*Config)) *Server {
	t.Helper()
	cfg := Config{
		NewEngine: func(ctx context.Context) (*engine.Engine, error) { return engine.New(ctx, engine.Options{}) },
		Admission: Admission{
			RecordsDir: f.dir, Keys: []*attest.Verifier{f.signer.Public()}, MaxAge: 24 * time.Hour,
			Environments: Environments{Default: "production", Namespaces: map[string]string{"shop-staging": "staging", "*-dev": "dev"}, Exempt: []string{"kube-system"}},
		},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func podJSON(images ...string) string {
	var cs []string
	for i, img := range images {
		cs = append(cs, fmt.Sprintf(`{"name":"c%d","image":%q}`, i, img))
	}
	return `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[` + strings.Join(cs, ",") + `]}}`
}

func deploymentJSON(img string) string {
	return `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"initContainers":[],"containers":[{"name":"app","image":"` + img + `"}]}}}}`
}

func reviewJSON(kind, group, ns, object string) string {
	return fmt.Sprintf(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1","kind":{"group":%q,"version":"v1","kind":%q},"resource":{"group":%q,"version":"v1","resource":"x"},"namespace":%q,"operation":"CREATE","object":%s}}`,
		group, kind, group, ns, object)
}

func post(t testing.TB, h http.Handler, path, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, path, strings.NewReader(body))
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func admissionResponse(t testing.TB, w *httptest.ResponseRecorder) *admissionv1.AdmissionResponse {
	t.Helper()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	var out admissionv1.AdmissionReview
	if err := json.Unmarshal(w.Body.Bytes(), &out); err != nil || out.Response == nil {
		t.Fatalf("decode review: %v\n%s", err, w.Body)
	}
	if out.Response.UID != "u-1" || out.APIVersion != "admission.k8s.io/v1" {
		t.Fatalf("response does not answer the request: %s", w.Body)
	}
	return out.Response
}

func TestAdmission(t *testing.T) {
	f := newFixture(t)
	now := time.Now()
	good, failed, staging, old, tampered := digestOfChar("a"), digestOfChar("b"), digestOfChar("e"), digestOfChar("f"), digestOfChar("9")
	f.record(t, "good", good, "production", "pass", now)
	f.record(t, "failed", failed, "production", "fail", now)
	f.record(t, "staging", staging, "staging", "pass", now)
	f.record(t, "old", old, "production", "pass", now.Add(-48*time.Hour))
	rec := f.record(t, "tampered", tampered, "production", "fail", now)
	var env map[string]any
	_ = json.Unmarshal(rec, &env)
	env["signatures"].([]any)[0].(map[string]any)["sig"] = "AAAA" + env["signatures"].([]any)[0].(map[string]any)["sig"].(string)[4:]
	forged, _ := json.Marshal(env)
	_ = os.WriteFile(filepath.Join(f.dir, "tampered.json"), forged, 0o644)

	h := newServer(t, f, nil).Handler()
	ref := func(d string) string { return "registry.local/app@" + d }
	cases := []struct {
		name, ns, body string
		allowed        bool
		want           string
	}{
		{"pod attested", "shop", reviewJSON("Pod", "", "shop", podJSON(ref(good))), true, ""},
		{"deployment attested", "shop", reviewJSON("Deployment", "apps", "shop", deploymentJSON(ref(good))), true, ""},
		{"pod by tag", "shop", reviewJSON("Pod", "", "shop", podJSON("registry.local/app:1.0")), false, "referenced by tag"},
		{"deployment unattested", "shop", reviewJSON("Deployment", "apps", "shop", deploymentJSON(ref(digestOfChar("0")))), false, "no valid signed relgate decision record"},
		{"failed decision", "shop", reviewJSON("Pod", "", "shop", podJSON(ref(failed))), false, "decision is fail (rules SEC001)"},
		{"other environment", "shop", reviewJSON("Pod", "", "shop", podJSON(ref(staging))), false, "record for environment staging"},
		{"staging namespace", "shop-staging", reviewJSON("Pod", "", "shop-staging", podJSON(ref(staging))), true, ""},
		{"too old", "shop", reviewJSON("Pod", "", "shop", podJSON(ref(old))), false, "older than the maximum age"},
		{"tampered record", "shop", reviewJSON("Pod", "", "shop", podJSON(ref(tampered))), false, "tampered.json: invalid record"},
		{"one bad image of two", "shop", reviewJSON("Pod", "", "shop", podJSON(ref(good), "nginx")), false, "c1: image nginx"},
		{"exempt namespace", "kube-system", reviewJSON("Pod", "", "kube-system", podJSON("nginx")), true, ""},
		{"unknown kind allowed with warning", "shop", reviewJSON("Widget", "x.io", "shop", `{"spec":{}}`), true, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp := admissionResponse(t, post(t, h, "/v1/admission", c.body))
			if resp.Allowed != c.allowed {
				t.Fatalf("allowed = %v, want %v: %+v", resp.Allowed, c.allowed, resp.Result)
			}
			if !c.allowed && (resp.Result == nil || resp.Result.Code != 403 || !strings.Contains(resp.Result.Message, c.want)) {
				t.Fatalf("result = %+v, want a 403 mentioning %q", resp.Result, c.want)
			}
		})
	}
	resp := admissionResponse(t, post(t, h, "/v1/admission", reviewJSON("Widget", "x.io", "shop", `{}`)))
	if len(resp.Warnings) != 1 {
		t.Errorf("unknown kind: warnings = %v", resp.Warnings)
	}
}

func TestAdmissionWarnModeAndFailurePolicy(t *testing.T) {
	f := newFixture(t)
	h := newServer(t, f, func(c *Config) { c.Admission.Mode = ModeWarn }).Handler()
	resp := admissionResponse(t, post(t, h, "/v1/admission", reviewJSON("Pod", "", "shop", podJSON("nginx:latest"))))
	if !resp.Allowed || len(resp.Warnings) != 1 || !strings.Contains(resp.Warnings[0], "would deny") {
		t.Fatalf("warn mode: %+v", resp)
	}
	h = newServer(t, f, func(c *Config) { c.Admission.FailurePolicy = "deny" }).Handler()
	if resp := admissionResponse(t, post(t, h, "/v1/admission", reviewJSON("Widget", "x.io", "shop", `{}`))); resp.Allowed {
		t.Fatal("failure policy deny admitted an unknown kind")
	}
}

func TestBadRequests(t *testing.T) {
	f := newFixture(t)
	h := newServer(t, f, func(c *Config) { c.Token = "s3cret-test-token"; c.MaxBody = 4096 }).Handler()
	auth := []string{"Authorization", "Bearer s3cret-test-token"}
	cases := []struct {
		name, path, body string
		header           []string
		code             int
		want             string
	}{
		{"no auth", "/v1/admission", reviewJSON("Pod", "", "shop", podJSON("nginx")), nil, 401, "bearer token"},
		{"wrong auth", "/v1/decision", "{}", []string{"Authorization", "Bearer nope"}, 401, "bearer token"},
		{"too large", "/v1/admission", `{"x":"` + strings.Repeat("a", 5000) + `"}`, auth, 413, "larger than"},
		{"too large decision", "/v1/decision", `{"x":"` + strings.Repeat("a", 5000) + `"}`, auth, 413, "larger than"},
		{"malformed json", "/v1/admission", `{"apiVersion":`, auth, 400, "decode AdmissionReview"},
		{"not a review", "/v1/admission", `{"apiVersion":"v1","kind":"Pod"}`, auth, 400, "want an admission.k8s.io/v1 AdmissionReview"},
		{"no request", "/v1/admission", `{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}`, auth, 400, "no request"},
		{"malformed object", "/v1/admission", reviewJSON("Pod", "", "shop", `{"spec":{"containers":"x"}}`), auth, 400, "decode Pod"},
		{"malformed input", "/v1/decision", `{"apiVersion":"relgate.dev/v1","kind":"ReleaseInput","nope":1}`, auth, 400, "nope"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			w := post(t, h, c.path, c.body, c.header...)
			if w.Code != c.code || !strings.Contains(w.Body.String(), c.want) {
				t.Fatalf("status %d body %s, want %d with %q", w.Code, w.Body, c.code, c.want)
			}
			if strings.Contains(w.Body.String(), "s3cret") {
				t.Fatal("the token leaked")
			}
		})
	}
	// The server keeps serving after every bad request.
	w := post(t, h, "/v1/admission", reviewJSON("Pod", "", "kube-system", podJSON("nginx")), auth...)
	if resp := admissionResponse(t, w); !resp.Allowed {
		t.Fatal("exempt pod denied after bad requests")
	}
	for _, p := range []string{"/healthz", "/readyz"} {
		rw := httptest.NewRecorder()
		h.ServeHTTP(rw, httptest.NewRequest(http.MethodGet, p, nil))
		if rw.Code != 200 {
			t.Errorf("%s without auth: %d", p, rw.Code)
		}
	}
}

func TestPanicIsRecovered(t *testing.T) {
	s := newServer(t, newFixture(t), nil)
	h := s.instrument(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }))
	w := post(t, h, "/v1/decision", "{}")
	if w.Code != 500 {
		t.Fatalf("status %d", w.Code)
	}
	rw := httptest.NewRecorder()
	s.Handler().ServeHTTP(rw, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if !strings.Contains(rw.Body.String(), "relgate_http_panics_total 1") {
		t.Errorf("panic not counted:\n%s", rw.Body)
	}
}

func TestDecisionMatchesEngine(t *testing.T) {
	s := newServer(t, newFixture(t), nil)
	in := engine.NewInput()
	in.Release.Environment = "dev"
	var buf bytes.Buffer
	if err := in.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	w := post(t, s.Handler(), "/v1/decision", buf.String())
	if w.Code != 200 {
		t.Fatalf("status %d: %s", w.Code, w.Body)
	}
	eng, err := engine.New(context.Background(), engine.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d, err := eng.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	_ = d.Encode(&want)
	if w.Body.String() != want.String() {
		t.Errorf("server decision differs from the engine's:\n%s\n---\n%s", w.Body, want.String())
	}
}

// TestReloadUnderLoad swaps the state while requests run: none fails, and
// a record added before the reload admits afterwards.
func TestReloadUnderLoad(t *testing.T) {
	f := newFixture(t)
	s := newServer(t, f, func(c *Config) { c.Admission.Rescan = time.Hour })
	d := digestOfChar("7")
	body := reviewJSON("Pod", "", "shop", podJSON("registry.local/app@"+d))
	if admissionResponse(t, post(t, s.Handler(), "/v1/admission", body)).Allowed {
		t.Fatal("admitted before the record existed")
	}
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errs := make(chan string, 100)
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				if w := post(t, s.Handler(), "/v1/admission", body); w.Code != 200 {
					errs <- w.Body.String()
				}
			}
		})
	}
	f.record(t, "seven", d, "production", "pass", time.Now())
	for range 3 {
		if err := s.Reload(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("request failed during reload: %s", e)
	}
	if !admissionResponse(t, post(t, s.Handler(), "/v1/admission", body)).Allowed {
		t.Fatal("the reloaded record does not admit")
	}
}

// selfSigned makes a loopback serving certificate.
func selfSigned(t testing.TB) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relgate.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, DNSNames: []string{"localhost"},
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

// serveTLS runs the server on loopback with TLS and returns its URL and a
// client that trusts it; the server shuts down when the test ends.
func serveTLS(t testing.TB, s *Server) (string, *http.Client) {
	t.Helper()
	cert, pool := selfSigned(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- s.Serve(ctx, ln, &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, 5*time.Second)
	}()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, MaxIdleConnsPerHost: 64,
	}}
	return "https://" + ln.Addr().String(), client
}

func TestServeTLS(t *testing.T) {
	f := newFixture(t)
	s := newServer(t, f, nil)
	url, client := serveTLS(t, s)
	resp, err := client.Post(url+"/v1/admission", "application/json", strings.NewReader(reviewJSON("Pod", "", "shop", podJSON("nginx"))))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"allowed":false`) || resp.TLS == nil || resp.TLS.Version < tls.VersionTLS12 {
		t.Fatalf("status %d, TLS %v: %s", resp.StatusCode, resp.TLS, body)
	}
	old := &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true, MaxVersion: tls.VersionTLS11}}}
	if _, err := old.Get(url + "/healthz"); err == nil {
		t.Fatal("a TLS 1.1 client was served")
	}
}
