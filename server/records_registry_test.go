package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/relgate/relgate/attest"
	"github.com/relgate/relgate/engine"
)

// testRegistry is go-containerregistry's in-process registry on loopback
// (with the referrers API), counting the requests it serves.
type testRegistry struct {
	host     string
	requests atomic.Int64
	reg      attest.Registry
}

func newTestRegistry(t testing.TB) *testRegistry {
	t.Helper()
	tr := &testRegistry{reg: attest.Registry{Insecure: true}}
	h := registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tr.requests.Add(1)
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	tr.host = strings.TrimPrefix(srv.URL, "http://")
	return tr
}

// image pushes a small random image and returns its reference by digest.
func (tr *testRegistry) image(t testing.TB, repo string) name.Digest {
	t.Helper()
	img, err := random.Image(256, 1)
	if err != nil {
		t.Fatal(err)
	}
	h, _ := img.Digest()
	d, err := tr.reg.ParseDigestRef(tr.host + "/" + repo + "@" + h.String())
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Put(d, img, remote.WithTransport(http.DefaultTransport)); err != nil {
		t.Fatal(err)
	}
	return d
}

// signed signs a decision for the given digests.
func signed(t testing.TB, s *attest.Signer, env, result string, at time.Time, digests ...string) []byte {
	t.Helper()
	d := &engine.Decision{Result: result, Score: 100, Environment: env, InputDigest: digestOfChar("c"), PolicyDigest: digestOfChar("d")}
	var subs []attest.Subject
	for _, dg := range digests {
		subs = append(subs, attest.Subject{Name: "app", Digest: dg})
	}
	rec, err := attest.Sign(context.Background(), s, subs, attest.NewPredicate(d, "test", at))
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

// attachRaw writes an envelope as the only layer of an image's .att
// manifest, bypassing Push's checks, as an attacker with push rights could.
func (tr *testRegistry) attachRaw(t testing.TB, img name.Digest, env []byte) {
	t.Helper()
	base := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	att, err := mutate.Append(base, mutate.Addendum{
		Layer: static.NewLayer(env, attest.EnvelopeMediaType), MediaType: attest.EnvelopeMediaType,
		Annotations: map[string]string{attest.AnnotationPredicateType: attest.PredicateType, attest.AnnotationCosignSignature: ""},
	})
	if err != nil {
		t.Fatal(err)
	}
	tag := img.Context().Tag(strings.Replace(img.DigestStr(), ":", "-", 1) + ".att")
	if err := remote.Write(tag, att, remote.WithTransport(http.DefaultTransport)); err != nil {
		t.Fatal(err)
	}
}

func registryServer(t testing.TB, keys []*attest.Verifier, rr RegistryRecords, maxAge time.Duration) *Server {
	t.Helper()
	s, err := New(context.Background(), Config{
		NewEngine: func(ctx context.Context) (*engine.Engine, error) { return engine.New(ctx, engine.Options{}) },
		Admission: Admission{Registry: &rr, Keys: keys, MaxAge: maxAge, Environments: Environments{Default: "production"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func lookups(s *Server, outcome string) int {
	return int(testutil.ToFloat64(s.registry.lookups.WithLabelValues(outcome)))
}

// TestAdmissionFromRegistry: each bad record or bad registry is a deny with
// a one-line reason and its own metric label; the good record admits.
func TestAdmissionFromRegistry(t *testing.T) {
	tr := newTestRegistry(t)
	f := newFixture(t)
	other := newFixture(t)
	now := time.Now()
	good, wrongKey, tampered, copied, expired, failed, none := tr.image(t, "shop/good"), tr.image(t, "shop/wrongkey"),
		tr.image(t, "shop/tampered"), tr.image(t, "shop/copied"), tr.image(t, "shop/expired"), tr.image(t, "shop/failed"), tr.image(t, "shop/none")
	ctx := context.Background()
	push := func(img name.Digest, env []byte) {
		t.Helper()
		if _, err := tr.reg.Push(ctx, img, env); err != nil {
			t.Fatal(err)
		}
	}
	push(good, signed(t, f.signer, "production", "pass", now, good.DigestStr()))
	push(wrongKey, signed(t, other.signer, "production", "pass", now, wrongKey.DigestStr()))
	push(expired, signed(t, f.signer, "production", "pass", now.Add(-48*time.Hour), expired.DigestStr()))
	push(failed, signed(t, f.signer, "production", "fail", now, failed.DigestStr()))
	tr.attachRaw(t, copied, signed(t, f.signer, "production", "pass", now, good.DigestStr()))
	// A payload changed after signing: the decision "fail" rewritten as "pass".
	var env map[string]any
	if err := json.Unmarshal(signed(t, f.signer, "production", "fail", now, tampered.DigestStr()), &env); err != nil {
		t.Fatal(err)
	}
	payload, _ := base64.StdEncoding.DecodeString(env["payload"].(string))
	env["payload"] = base64.StdEncoding.EncodeToString([]byte(strings.Replace(string(payload), `"fail"`, `"pass"`, 1)))
	raw, _ := json.Marshal(env)
	tr.attachRaw(t, tampered, raw)

	s := registryServer(t, []*attest.Verifier{f.signer.Public()}, RegistryRecords{Registry: tr.reg, Timeout: 5 * time.Second}, 24*time.Hour)
	for _, tc := range []struct {
		name, image, outcome, reason string
		allowed                      bool
	}{
		{"good", good.String(), outcomeVerified, "", true},
		{"signed by another key", wrongKey.String(), outcomeWrongKey, "not by the given key", false},
		{"payload changed", tampered.String(), outcomeBadSignature, "changed after signing", false},
		{"record of another digest", copied.String(), outcomeOtherDigest, "for another digest", false},
		{"expired", expired.String(), outcomeExpired, "older than the maximum age", false},
		{"failed decision", failed.String(), outcomeVerified, "decision is fail", false},
		{"no record", none.String(), outcomeNoRecord, "no valid signed relgate decision record", false},
		{"tag only", tr.host + "/shop/good:v1", outcomeTagOnly, "referenced by tag", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := lookups(s, tc.outcome)
			resp := admissionResponse(t, post(t, s.Handler(), "/v1/admission", reviewJSON("Pod", "", "shop", podJSON(tc.image))))
			if resp.Allowed != tc.allowed {
				t.Fatalf("allowed = %v, want %v: %+v", resp.Allowed, tc.allowed, resp.Result)
			}
			if !tc.allowed {
				if msg := resp.Result.Message; !strings.Contains(msg, tc.reason) || strings.Contains(msg, "\n") {
					t.Errorf("reason %q, want one line containing %q", msg, tc.reason)
				}
			}
			if resp.Result != nil {
				t.Log(resp.Result.Message)
			}
			if got := lookups(s, tc.outcome); got != before+1 {
				t.Errorf("relgate_registry_lookups_total{outcome=%q} went from %d to %d", tc.outcome, before, got)
			}
		})
	}

	// The good record is served from the cache: the registry is not asked.
	before := tr.requests.Load()
	resp := admissionResponse(t, post(t, s.Handler(), "/v1/admission", reviewJSON("Pod", "", "shop", podJSON(good.String()))))
	if !resp.Allowed || tr.requests.Load() != before || lookups(s, outcomeCacheHit) == 0 {
		t.Fatalf("second lookup: allowed %v, registry requests %d → %d", resp.Allowed, before, tr.requests.Load())
	}
	// A record's digest proves that digest in any repository.
	moved := strings.Replace(good.String(), "shop/good", "mirror/good", 1)
	if resp := admissionResponse(t, post(t, s.Handler(), "/v1/admission", reviewJSON("Pod", "", "shop", podJSON(moved)))); !resp.Allowed {
		t.Fatalf("the verified digest under another repository was denied: %+v", resp.Result)
	}
}

// TestRegistryFaultsFailClosed: a registry that errors or hangs is a deny
// with the reason, within the configured time, and is not cached.
func TestRegistryFaultsFailClosed(t *testing.T) {
	f := newFixture(t)
	release := make(chan struct{})
	var hung atomic.Int64
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hung.Add(1)
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(hang.Close)
	t.Cleanup(func() { close(release) })
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "storage backend down", http.StatusInternalServerError)
	}))
	t.Cleanup(broken.Close)

	timeout := 300 * time.Millisecond
	for _, tc := range []struct {
		name, host, outcome, reason string
	}{
		{"hangs", strings.TrimPrefix(hang.URL, "http://"), outcomeTimeout, "did not answer within 300ms"},
		{"answers 500", strings.TrimPrefix(broken.URL, "http://"), outcomeError, "500"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := registryServer(t, []*attest.Verifier{f.signer.Public()}, RegistryRecords{Registry: attest.Registry{Insecure: true}, Timeout: timeout}, time.Hour)
			ref := tc.host + "/shop/app@" + digestOfChar("a")
			for range 2 { // the failure is not cached: both ask the registry
				done := make(chan *httptestResult, 1)
				go func() {
					w := post(t, s.Handler(), "/v1/admission", reviewJSON("Pod", "", "shop", podJSON(ref)))
					done <- &httptestResult{w.Code, w.Body.String()}
				}()
				var res *httptestResult
				select {
				case res = <-done:
				case <-time.After(30 * time.Second): // a generous bound: this is a hang check, not a timing assertion
					t.Fatal("admission hung on a registry that does not answer")
				}
				var out struct {
					Response struct {
						Allowed bool `json:"allowed"`
						Status  struct {
							Message string `json:"message"`
						} `json:"status"`
					} `json:"response"`
				}
				if err := json.Unmarshal([]byte(res.body), &out); err != nil || res.code != http.StatusOK {
					t.Fatalf("status %d: %s", res.code, res.body)
				}
				if out.Response.Allowed || !strings.Contains(out.Response.Status.Message, tc.reason) {
					t.Fatalf("allowed %v, reason %q; want a deny naming %q", out.Response.Allowed, out.Response.Status.Message, tc.reason)
				}
			}
			if got := lookups(s, tc.outcome); got != 2 {
				t.Errorf("relgate_registry_lookups_total{outcome=%q} = %d, want 2", tc.outcome, got)
			}
		})
	}
	if hung.Load() == 0 {
		t.Error("the hanging registry was never asked")
	}
}

type httptestResult struct {
	code int
	body string
}

// TestRegistryCacheNeverServesPastMaxAge: a cached record that ages past
// --max-age is looked up again, and denied when no newer record exists.
func TestRegistryCacheNeverServesPastMaxAge(t *testing.T) {
	tr := newTestRegistry(t)
	f := newFixture(t)
	img := tr.image(t, "shop/app")
	maxAge := time.Hour
	if _, err := tr.reg.Push(context.Background(), img, signed(t, f.signer, "production", "pass", time.Now().Add(-maxAge+2*time.Second), img.DigestStr())); err != nil {
		t.Fatal(err)
	}
	s := registryServer(t, []*attest.Verifier{f.signer.Public()}, RegistryRecords{Registry: tr.reg, CacheTTL: time.Hour}, maxAge)
	review := reviewJSON("Pod", "", "shop", podJSON(img.String()))
	if resp := admissionResponse(t, post(t, s.Handler(), "/v1/admission", review)); !resp.Allowed {
		t.Fatalf("a fresh record was denied: %+v", resp.Result)
	}
	time.Sleep(3 * time.Second) // the record is now older than maxAge; the cache TTL is an hour
	before := tr.requests.Load()
	resp := admissionResponse(t, post(t, s.Handler(), "/v1/admission", review))
	if resp.Allowed || !strings.Contains(resp.Result.Message, "older than the maximum age") {
		t.Fatalf("a record past its max age was admitted: %+v", resp)
	}
	if tr.requests.Load() == before {
		t.Error("the aged record was served from the cache without asking the registry for a newer one")
	}
}
