package server

import (
	"bytes"
	"context"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/relgate/relgate/attest"
)

// BenchmarkLoadAdmissionRegistry: AdmissionReviews over TLS on loopback at
// -load.admission-rate (500/s) for a Deployment whose record lives in the
// registry, with the cache warm. Run once:
//
//	go test ./server -run '^$' -bench LoadAdmissionRegistry -benchtime 1x
func BenchmarkLoadAdmissionRegistry(b *testing.B) {
	tr := newTestRegistry(b)
	f := newFixture(b)
	img := tr.image(b, "shop/app")
	if _, err := tr.reg.Push(context.Background(), img, signed(b, f.signer, "production", "pass", time.Now(), img.DigestStr())); err != nil {
		b.Fatal(err)
	}
	s := registryServer(b, []*attest.Verifier{f.signer.Public()}, RegistryRecords{Registry: tr.reg}, 24*time.Hour)
	url, client := serveTLS(b, s)
	body := []byte(reviewJSON("Deployment", "apps", "shop", deploymentJSON(img.String())))
	h := http.Header{"Content-Type": {"application/json"}}
	var wrong atomic.Int64 // answered, but not admitted: a wrong result, unlike an overload error
	ok := func(resp *http.Response, data []byte) bool {
		if resp.StatusCode == http.StatusOK && !bytes.Contains(data, []byte(`"allowed":true`)) {
			wrong.Add(1)
		}
		return resp.StatusCode == http.StatusOK && bytes.Contains(data, []byte(`"allowed":true`))
	}
	// Warm the connections and the cache.
	if warm := load(client, url+"/v1/admission", body, h, 100, 200*time.Millisecond, ok); warm.errors > 0 {
		b.Fatalf("warm-up: %d of %d requests not admitted", warm.errors, warm.sent)
	}
	asked := tr.requests.Load()
	for b.Loop() {
		r := load(client, url+"/v1/admission", body, h, *admissionRate, *loadDuration, ok)
		if wrong.Load() > 0 {
			b.Fatalf("%d requests answered but not admitted", wrong.Load())
		}
		// Errors (timeouts, more than -load.inflight in flight) are
		// overload, reported with the latencies.
		report(b, "admission from the registry, warm cache", r)
	}
	if tr.requests.Load() != asked {
		b.Fatalf("the warm cache asked the registry %d times", tr.requests.Load()-asked)
	}
}

// BenchmarkRegistryColdLookup: one image's records fetched from the
// loopback registry and verified, with an empty cache each time.
func BenchmarkRegistryColdLookup(b *testing.B) {
	tr := newTestRegistry(b)
	f := newFixture(b)
	img := tr.image(b, "shop/app")
	if _, err := tr.reg.Push(context.Background(), img, signed(b, f.signer, "production", "pass", time.Now(), img.DigestStr())); err != nil {
		b.Fatal(err)
	}
	r, err := newRegistryRecords(RegistryRecords{Registry: tr.reg}, []*attest.Verifier{f.signer.Public()}, time.Hour, prometheus.NewRegistry())
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	for b.Loop() {
		r.found.Purge()
		res := r.lookup(ctx, img.String(), img.DigestStr())
		if len(res.recs) != 1 || res.hit {
			b.Fatalf("cold lookup: %d records, hit %v, refused %q", len(res.recs), res.hit, res.refused)
		}
	}
}
