package attest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The layout cosign reads attestations from: a manifest tagged
// "sha256-<hex>.att" in the image's repository whose layers are DSSE
// envelopes, each annotated with its predicate type and an empty cosign
// signature (the signature lives inside the envelope).
const (
	// EnvelopeMediaType is the media type of a layer holding a DSSE envelope.
	EnvelopeMediaType types.MediaType = "application/vnd.dsse.envelope.v1+json"
	// AnnotationPredicateType names the statement's predicate type on a layer.
	AnnotationPredicateType = "predicateType"
	// AnnotationCosignSignature is cosign's signature annotation; empty for
	// attestations.
	AnnotationCosignSignature = "dev.cosignproject.cosign/signature"
	attestationTagSuffix      = ".att"
)

// Bounds on what a registry may hand back: a record is a few KB, and a
// repository that attaches thousands of layers to one image is an attack,
// not a release.
const (
	maxEnvelopeSize = 1 << 20
	maxEnvelopes    = 64
)

// Registry says how relgate talks to registries. The zero value uses the
// default keychain (docker config, credential helpers) over HTTPS only.
type Registry struct {
	// Insecure allows plain HTTP, and only to loopback registries (tests and
	// a registry on localhost); any other host is refused.
	Insecure bool
	// Keychain resolves credentials; nil means authn.DefaultKeychain.
	Keychain authn.Keychain
	// Transport is the HTTP transport; nil means remote.DefaultTransport.
	Transport http.RoundTripper
	// UserAgent is sent with every request.
	UserAgent string
}

// ParseDigestRef reads IMAGE@sha256:<hex>. A reference by tag is refused:
// a tag can be moved after the decision, a digest cannot.
func (r Registry) ParseDigestRef(ref string) (name.Digest, error) {
	if !strings.Contains(ref, "@") {
		return name.Digest{}, fmt.Errorf("parse image %q: not a reference by digest (want IMAGE@sha256:<hex>)", ref)
	}
	var opts []name.Option
	if r.Insecure {
		opts = append(opts, name.Insecure)
	}
	d, err := name.NewDigest(ref, opts...)
	if err != nil {
		return name.Digest{}, fmt.Errorf("parse image %q: %w", ref, err)
	}
	if r.Insecure && !isLoopback(d.RegistryStr()) {
		return name.Digest{}, fmt.Errorf("parse image %q: plain HTTP is allowed for loopback registries only, not %s", ref, d.RegistryStr())
	}
	return d, nil
}

func isLoopback(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// httpsOnly refuses plain-HTTP requests unless to a loopback host with
// Insecure set: go-containerregistry otherwise falls back to HTTP for
// private-range addresses on its own.
type httpsOnly struct {
	next     http.RoundTripper
	insecure bool
}

func (t httpsOnly) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "https" && !(t.insecure && isLoopback(req.URL.Host)) {
		return nil, fmt.Errorf("refuse plain HTTP to %s: only loopback registries with --registry-insecure", req.URL.Host)
	}
	return t.next.RoundTrip(req)
}

func (r Registry) options(ctx context.Context) []remote.Option {
	keys := r.Keychain
	if keys == nil {
		keys = authn.DefaultKeychain
	}
	tr := r.Transport
	if tr == nil {
		tr = remote.DefaultTransport
	}
	opts := []remote.Option{
		remote.WithContext(ctx),
		remote.WithAuthFromKeychain(keys),
		remote.WithTransport(httpsOnly{next: tr, insecure: r.Insecure}),
		// A short retry: the caller's deadline, not the backoff, bounds a lookup.
		remote.WithRetryBackoff(remote.Backoff{Duration: 100 * time.Millisecond, Factor: 2, Steps: 2}),
	}
	if r.UserAgent != "" {
		opts = append(opts, remote.WithUserAgent(r.UserAgent))
	}
	return opts
}

// attestationTag is where cosign looks for the attestations of an image.
func attestationTag(d name.Digest) name.Tag {
	return d.Context().Tag(strings.Replace(d.DigestStr(), ":", "-", 1) + attestationTagSuffix)
}

// Pushed says where a record was attached.
type Pushed struct {
	Tag      string // repo:sha256-<hex>.att, the manifest cosign reads
	Referrer string // repo@sha256:… of the OCI 1.1 referrer manifest
}

// Push attaches a signed record to the image it names: as a layer of the
// image's cosign attestation manifest (kept: the attestations of other
// tools already there; skipped: a layer with the same bytes) and as an OCI
// 1.1 referrer whose subject is the image. Registries without the
// referrers API get go-containerregistry's tag-schema fallback.
func (r Registry) Push(ctx context.Context, image name.Digest, envelope []byte) (*Pushed, error) {
	claimed := ClaimedSubjects(envelope)
	if !slices.Contains(claimed, image.DigestStr()) {
		return nil, fmt.Errorf("push record to %s: the record does not name this digest (it names %s)", image, strings.Join(claimed, ", "))
	}
	opts := r.options(ctx)
	desc, err := remote.Head(image, opts...)
	if err != nil {
		return nil, fmt.Errorf("push record to %s: find image: %w", image, err)
	}
	layer := static.NewLayer(envelope, EnvelopeMediaType)

	tag := attestationTag(image)
	base, err := remote.Image(tag, opts...)
	var terr *transport.Error
	switch {
	case errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound:
		base = mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
	case err != nil:
		return nil, fmt.Errorf("push record to %s: read %s: %w", image, tag, err)
	}
	if dup, err := hasLayer(base, layer); err != nil {
		return nil, fmt.Errorf("push record to %s: read %s: %w", image, tag, err)
	} else if !dup {
		att, err := appendEnvelope(base, envelope)
		if err != nil {
			return nil, fmt.Errorf("push record to %s: %w", image, err)
		}
		if err := remote.Write(tag, att, opts...); err != nil {
			return nil, fmt.Errorf("push record to %s: write %s: %w", image, tag, err)
		}
	}

	ref, err := r.pushReferrer(image, *desc, layer, opts)
	if err != nil {
		return nil, fmt.Errorf("push record to %s: referrer: %w", image, err)
	}
	return &Pushed{Tag: tag.String(), Referrer: ref.String()}, nil
}

// layerAnnotations are what cosign reads on an attestation layer.
func layerAnnotations() map[string]string {
	return map[string]string{AnnotationCosignSignature: "", AnnotationPredicateType: PredicateType}
}

// appendEnvelope adds an envelope as a layer of an attestation manifest.
func appendEnvelope(base v1.Image, envelope []byte) (v1.Image, error) {
	layer := static.NewLayer(envelope, EnvelopeMediaType)
	return mutate.Append(base, mutate.Addendum{Layer: layer, Annotations: layerAnnotations(), MediaType: EnvelopeMediaType})
}

func hasLayer(img v1.Image, l v1.Layer) (bool, error) {
	want, err := l.Digest()
	if err != nil {
		return false, err
	}
	m, err := img.Manifest()
	if err != nil {
		return false, err
	}
	return slices.ContainsFunc(m.Layers, func(d v1.Descriptor) bool { return d.Digest == want }), nil
}

// emptyConfig is the OCI 1.1 empty descriptor's content.
var emptyConfig = []byte("{}")

const emptyConfigMediaType = "application/vnd.oci.empty.v1+json"

// pushReferrer writes an artifact manifest (artifactType: the DSSE media
// type, the OCI empty config) whose subject is the image.
func (r Registry) pushReferrer(image name.Digest, subject v1.Descriptor, layer v1.Layer, opts []remote.Option) (name.Digest, error) {
	cfg := static.NewLayer(emptyConfig, emptyConfigMediaType)
	for _, l := range []v1.Layer{cfg, layer} {
		if err := remote.WriteLayer(image.Context(), l, opts...); err != nil {
			return name.Digest{}, err
		}
	}
	ld, err := layerDescriptor(layer)
	if err != nil {
		return name.Digest{}, err
	}
	ld.Annotations = layerAnnotations()
	cd, err := layerDescriptor(cfg)
	if err != nil {
		return name.Digest{}, err
	}
	subject = v1.Descriptor{MediaType: subject.MediaType, Size: subject.Size, Digest: subject.Digest}
	m := v1.Manifest{
		SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: string(EnvelopeMediaType),
		Config: cd, Layers: []v1.Descriptor{ld}, Subject: &subject,
		Annotations: map[string]string{AnnotationPredicateType: PredicateType},
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return name.Digest{}, err
	}
	h, _, err := v1.SHA256(bytes.NewReader(raw))
	if err != nil {
		return name.Digest{}, err
	}
	ref := image.Context().Digest(h.String())
	if err := remote.Put(ref, rawManifest{raw, types.OCIManifestSchema1}, opts...); err != nil {
		return name.Digest{}, err
	}
	return ref, nil
}

func layerDescriptor(l v1.Layer) (v1.Descriptor, error) {
	d, err := l.Digest()
	if err != nil {
		return v1.Descriptor{}, err
	}
	sz, err := l.Size()
	if err != nil {
		return v1.Descriptor{}, err
	}
	mt, err := l.MediaType()
	if err != nil {
		return v1.Descriptor{}, err
	}
	return v1.Descriptor{MediaType: mt, Size: sz, Digest: d}, nil
}

type rawManifest struct {
	raw []byte
	mt  types.MediaType
}

func (m rawManifest) RawManifest() ([]byte, error)        { return m.raw, nil }
func (m rawManifest) MediaType() (types.MediaType, error) { return m.mt, nil }

// Envelope is one record found in a registry, not yet verified.
type Envelope struct {
	Source string // where it was found: the .att tag or the referrer digest
	Data   []byte
}

// Fetch reads the relgate records attached to an image: the layers of its
// cosign attestation manifest and of its OCI 1.1 referrers of the DSSE
// artifact type, deduplicated by content. Layers another tool attached
// (another predicate type) are skipped. No record is not an error; a
// registry that fails is.
func (r Registry) Fetch(ctx context.Context, image name.Digest) ([]Envelope, error) {
	opts := r.options(ctx)
	var out []Envelope
	seen := map[v1.Hash]bool{}
	collect := func(source string, img v1.Image) error {
		m, err := img.Manifest()
		if err != nil {
			return err
		}
		for _, l := range m.Layers {
			if l.MediaType != EnvelopeMediaType || seen[l.Digest] {
				continue
			}
			if pt, ok := l.Annotations[AnnotationPredicateType]; ok && pt != PredicateType {
				continue
			}
			if len(out) >= maxEnvelopes {
				return fmt.Errorf("more than %d records attached", maxEnvelopes)
			}
			if l.Size > maxEnvelopeSize {
				return fmt.Errorf("layer %s is %d bytes, more than a record's %d", l.Digest, l.Size, maxEnvelopeSize)
			}
			seen[l.Digest] = true
			data, err := readLayer(img, l.Digest)
			if err != nil {
				return fmt.Errorf("read layer %s: %w", l.Digest, err)
			}
			out = append(out, Envelope{Source: source, Data: data})
		}
		return nil
	}

	tag := attestationTag(image)
	img, err := remote.Image(tag, opts...)
	var terr *transport.Error
	switch {
	case errors.As(err, &terr) && terr.StatusCode == http.StatusNotFound:
	case err != nil:
		return nil, fmt.Errorf("fetch records of %s: read %s: %w", image, tag, err)
	default:
		if err := collect(tag.String(), img); err != nil {
			return nil, fmt.Errorf("fetch records of %s: %s: %w", image, tag, err)
		}
	}

	// Not filtered by artifactType on the registry: some registries (go-
	// containerregistry's among them) list an artifact under its config's
	// media type instead of its artifactType, so the manifest decides.
	idx, err := remote.Referrers(image, opts...)
	if err != nil {
		return nil, fmt.Errorf("fetch records of %s: referrers: %w", image, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return nil, fmt.Errorf("fetch records of %s: referrers: %w", image, err)
	}
	for _, d := range im.Manifests {
		switch d.ArtifactType {
		case string(EnvelopeMediaType), emptyConfigMediaType, "":
		default:
			continue // another tool's artifact
		}
		ref := image.Context().Digest(d.Digest.String())
		img, err := remote.Image(ref, opts...)
		if err != nil {
			return nil, fmt.Errorf("fetch records of %s: referrer %s: %w", image, d.Digest, err)
		}
		if m, err := img.Manifest(); err != nil {
			return nil, fmt.Errorf("fetch records of %s: referrer %s: %w", image, d.Digest, err)
		} else if m.ArtifactType != string(EnvelopeMediaType) {
			continue
		}
		if err := collect(ref.String(), img); err != nil {
			return nil, fmt.Errorf("fetch records of %s: referrer %s: %w", image, d.Digest, err)
		}
	}
	return out, nil
}

func readLayer(img v1.Image, h v1.Hash) ([]byte, error) {
	l, err := img.LayerByDigest(h)
	if err != nil {
		return nil, err
	}
	rc, err := l.Compressed()
	if err != nil {
		return nil, err
	}
	defer func() { _ = rc.Close() }() // read-only: a close error loses nothing
	data, err := io.ReadAll(io.LimitReader(rc, maxEnvelopeSize+1))
	if err != nil {
		return nil, err
	}
	if len(data) > maxEnvelopeSize {
		return nil, fmt.Errorf("larger than %d bytes", maxEnvelopeSize)
	}
	if got, _, err := v1.SHA256(bytes.NewReader(data)); err != nil || got != h {
		return nil, fmt.Errorf("content does not match its digest")
	}
	return data, nil
}

// VerifyImage fetches the records attached to an image and verifies each:
// signed by one of keys, and naming this very digest among its subjects (a
// record copied from another image proves nothing about this one). Refused
// records come back as reasons, each prefixed by where it was found.
func (r Registry) VerifyImage(ctx context.Context, image name.Digest, keys []*Verifier, o Options) (recs []*Record, refused []string, err error) {
	envs, err := r.Fetch(ctx, image)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range envs {
		rec, err := Verify(ctx, e.Data, keys, o)
		if err == nil && !slices.ContainsFunc(rec.Subjects, func(s Subject) bool { return s.Digest == image.DigestStr() }) {
			err = invalid("the record is for another digest (%s), not %s", subjectDigests(rec.Subjects), image.DigestStr())
		}
		if err != nil {
			if !IsInvalid(err) {
				return nil, nil, err
			}
			refused = append(refused, e.Source+": "+err.Error())
			continue
		}
		recs = append(recs, rec)
	}
	return recs, refused, nil
}

func subjectDigests(subs []Subject) string {
	var ds []string
	for _, s := range subs {
		ds = append(ds, s.Digest)
	}
	return strings.Join(slices.Compact(ds), ", ")
}
