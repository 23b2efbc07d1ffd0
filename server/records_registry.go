package server

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/expirable"
	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"github.com/relgate/relgate/attest"
)

// RegistryRecords reads decision records from each image's own registry
// (cosign's .att manifest and OCI 1.1 referrers) instead of a directory, so
// that webhook replicas share nothing but the registry.
type RegistryRecords struct {
	// Registry holds credentials and transport; Insecure is for loopback
	// test registries only.
	Registry attest.Registry
	// Timeout bounds one image's lookup; a registry that does not answer in
	// time is a refusal (a deny in enforce mode). Zero: 3s.
	Timeout time.Duration
	// CacheSize bounds the verified results kept, by digest. Zero: 10,000.
	CacheSize int
	// CacheTTL is how long a verified result is reused. Zero: 5m.
	CacheTTL time.Duration
	// NegativeTTL is how long "no record" is reused, so that a flood of
	// retries does not become a flood on the registry, yet a record pushed
	// after a first refused deploy counts soon. Zero: 10s.
	NegativeTTL time.Duration
}

// Lookup outcomes, the label of relgate_registry_lookups_total.
const (
	outcomeCacheHit     = "cache_hit"
	outcomeVerified     = "verified"
	outcomeExpired      = "expired" // verified, but every record is older than --max-age
	outcomeNoRecord     = "no_record"
	outcomeWrongKey     = "wrong_key"
	outcomeBadSignature = "bad_signature" // changed after signing
	outcomeOtherDigest  = "other_digest"
	outcomeInvalid      = "invalid_record"
	outcomeBadReference = "bad_reference"
	outcomeTagOnly      = "tag_only"
	outcomeError        = "registry_error"
	outcomeTimeout      = "registry_timeout"
)

// lookupResult is what admission needs about one image.
type lookupResult struct {
	recs    []*attest.Record
	refused []string
	hit     bool
}

// registryEntry is a cached lookup.
type registryEntry struct {
	recs    []*attest.Record
	refused []string
}

// registryRecords looks records up by digest with a bounded, expiring LRU
// of verified results in front of the registry. Concurrent lookups of one
// image share one registry round trip.
type registryRecords struct {
	cfg     RegistryRecords
	keys    []*attest.Verifier
	maxAge  time.Duration
	found   *expirable.LRU[string, registryEntry] // by digest: a record proves a digest, wherever it is stored
	missing *expirable.LRU[string, registryEntry] // by repository@digest: another repository may hold records
	group   singleflight.Group
	lookups *prometheus.CounterVec
}

func newRegistryRecords(cfg RegistryRecords, keys []*attest.Verifier, maxAge time.Duration, reg prometheus.Registerer) (*registryRecords, error) {
	if len(keys) == 0 {
		return nil, errors.New("new server: registry records need at least one public key")
	}
	if cfg.Timeout <= 0 {
		cfg.Timeout = 3 * time.Second
	}
	if cfg.CacheSize <= 0 {
		cfg.CacheSize = 10_000
	}
	if cfg.CacheTTL <= 0 {
		cfg.CacheTTL = 5 * time.Minute
	}
	if cfg.NegativeTTL <= 0 {
		cfg.NegativeTTL = 10 * time.Second
	}
	r := &registryRecords{
		cfg: cfg, keys: keys, maxAge: maxAge,
		found:   expirable.NewLRU[string, registryEntry](cfg.CacheSize, nil, cfg.CacheTTL),
		missing: expirable.NewLRU[string, registryEntry](cfg.CacheSize, nil, cfg.NegativeTTL),
		lookups: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "relgate_registry_lookups_total",
			Help: "Decision-record lookups in image registries by outcome (cache_hit, verified, expired, no_record, wrong_key, bad_signature, other_digest, invalid_record, bad_reference, tag_only, registry_error, registry_timeout).",
		}, []string{"outcome"}),
	}
	if err := reg.Register(r.lookups); err != nil {
		return nil, fmt.Errorf("new server: %w", err)
	}
	return r, nil
}

// lookupAll looks up every image at once, so that a Pod of many images
// waits for one timeout, not one per image. Images referenced by tag are
// only counted: the policy denies them.
func (r *registryRecords) lookupAll(ctx context.Context, images []image) []lookupResult {
	out := make([]lookupResult, len(images))
	var wg sync.WaitGroup
	for i, img := range images {
		if img.Digest == "" {
			r.lookups.WithLabelValues(outcomeTagOnly).Inc()
			continue
		}
		wg.Go(func() { out[i] = r.lookup(ctx, img.Image, img.Digest) })
	}
	wg.Wait()
	return out
}

// lookup returns the verified records and refusals of one image.
func (r *registryRecords) lookup(ctx context.Context, ref, digest string) lookupResult {
	if e, ok := r.found.Get(digest); ok && r.fresh(e.recs) {
		r.lookups.WithLabelValues(outcomeCacheHit).Inc()
		return lookupResult{recs: e.recs, refused: e.refused, hit: true}
	}
	d, err := r.cfg.Registry.ParseDigestRef(ref)
	if err != nil {
		r.lookups.WithLabelValues(outcomeBadReference).Inc()
		return lookupResult{refused: []string{err.Error()}}
	}
	key := d.String()
	if e, ok := r.missing.Get(key); ok {
		r.lookups.WithLabelValues(outcomeCacheHit).Inc()
		return lookupResult{recs: e.recs, refused: e.refused, hit: true}
	}
	ch := r.group.DoChan(key, func() (any, error) {
		// Detached from the first caller: its cancellation must not fail
		// the others waiting on the same lookup; the timeout still bounds it.
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), r.cfg.Timeout)
		defer cancel()
		recs, refused, err := r.cfg.Registry.VerifyImage(lctx, d, r.keys, attest.Options{}) // age is judged per request, in Rego
		if err != nil && lctx.Err() != nil {
			err = fmt.Errorf("registry %s did not answer within %s: %w", d.RegistryStr(), r.cfg.Timeout, context.DeadlineExceeded)
		}
		return registryEntry{recs: recs, refused: refused}, err
	})
	var res singleflight.Result
	select {
	case res = <-ch:
	case <-ctx.Done():
		r.lookups.WithLabelValues(outcomeTimeout).Inc()
		return lookupResult{refused: []string{fmt.Sprintf("look up records in %s: %v", d.RegistryStr(), ctx.Err())}}
	}
	if res.Err != nil {
		outcome := outcomeError
		if errors.Is(res.Err, context.DeadlineExceeded) {
			outcome = outcomeTimeout
		}
		r.lookups.WithLabelValues(outcome).Inc()
		// Not cached: the next request asks the registry again.
		return lookupResult{refused: []string{oneLine(res.Err.Error())}}
	}
	e := res.Val.(registryEntry)
	r.lookups.WithLabelValues(r.outcome(e)).Inc()
	if len(e.recs) > 0 {
		r.found.Add(digest, e)
	} else {
		r.missing.Add(key, e)
	}
	return lookupResult{recs: e.recs, refused: e.refused}
}

// fresh reports whether any record is within the maximum age: a cached
// entry whose records all aged out is looked up again, as CI may have
// pushed a newer record since.
func (r *registryRecords) fresh(recs []*attest.Record) bool {
	if r.maxAge <= 0 {
		return true
	}
	for _, rec := range recs {
		if time.Since(rec.Time) <= r.maxAge {
			return true
		}
	}
	return false
}

// outcome labels a lookup for the metric; the policy decides.
func (r *registryRecords) outcome(e registryEntry) string {
	switch {
	case len(e.recs) > 0 && r.fresh(e.recs):
		return outcomeVerified
	case len(e.recs) > 0:
		return outcomeExpired
	case len(e.refused) == 0:
		return outcomeNoRecord
	}
	reason := e.refused[0]
	switch {
	case strings.Contains(reason, "not by the given key"):
		return outcomeWrongKey
	case strings.Contains(reason, "does not verify"):
		return outcomeBadSignature
	case strings.Contains(reason, "another digest"):
		return outcomeOtherDigest
	default:
		return outcomeInvalid
	}
}

// oneLine keeps a reason on one line in an AdmissionReview message.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }
