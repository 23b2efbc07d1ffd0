package attest

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/relgate/relgate/engine"
)

// The registries the tests run against, both on loopback:
//   - go-containerregistry's in-process registry, with the OCI 1.1
//     referrers API switched on or off;
//   - Debian's docker-registry (distribution 2.8), which has no referrers
//     API: the tag-schema fallback and cosign's .att tag are what it serves.

// inProcessRegistry serves go-containerregistry's registry on loopback and
// returns its host:port.
func inProcessRegistry(t testing.TB, referrers bool) string {
	t.Helper()
	h := registry.New(registry.WithReferrersSupport(referrers), registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// distributionRegistry starts Debian's docker-registry on a free loopback
// port with its storage in a temporary directory.
func distributionRegistry(t testing.TB) string {
	t.Helper()
	bin, err := exec.LookPath("docker-registry")
	if err != nil {
		t.Fatal("docker-registry is not installed: apt-get install docker-registry (the Debian package of distribution)")
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	dir := t.TempDir()
	cfg := fmt.Sprintf("version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\n  delete:\n    enabled: true\nhttp:\n  addr: %s\n", filepath.Join(dir, "data"), addr)
	cfgPath := filepath.Join(dir, "config.yml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "serve", cfgPath)
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := http.Get("http://" + addr + "/v2/")
		if err == nil {
			resp.Body.Close()
			return addr
		}
		if time.Now().After(deadline) {
			t.Fatalf("docker-registry did not answer on %s: %v", addr, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// pushImage pushes a small random image and returns it by digest.
func pushImage(t testing.TB, reg Registry, host, repo string) name.Digest {
	t.Helper()
	img, err := random.Image(512, 1)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(host+"/"+repo+":v1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img, reg.options(context.Background())...); err != nil {
		t.Fatal(err)
	}
	h, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	d, err := reg.ParseDigestRef(host + "/" + repo + "@" + h.String())
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func p256Signer(t testing.TB) *Signer {
	t.Helper()
	sk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewSigner(sk)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// signFor signs a decision whose subjects are digests.
func signFor(t testing.TB, s *Signer, result string, at time.Time, digests ...string) []byte {
	t.Helper()
	var subs []Subject
	for _, d := range digests {
		subs = append(subs, Subject{Name: "registry.test/app", Digest: d})
	}
	d := &engine.Decision{Result: result, Score: 100, Environment: "production", InputDigest: "sha256:" + strings.Repeat("c", 64), PolicyDigest: "sha256:" + strings.Repeat("d", 64)}
	env, err := Sign(context.Background(), s, subs, NewPredicate(d, "test", at))
	if err != nil {
		t.Fatal(err)
	}
	return env
}

func TestPushFetchVerify(t *testing.T) {
	for _, tc := range []struct {
		name string
		host func(testing.TB) string
	}{
		{"in-process with referrers API", func(t testing.TB) string { return inProcessRegistry(t, true) }},
		{"in-process without referrers API", func(t testing.TB) string { return inProcessRegistry(t, false) }},
		{"debian docker-registry", distributionRegistry},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			reg := Registry{Insecure: true}
			host := tc.host(t)
			img := pushImage(t, reg, host, "shop/app")
			other := pushImage(t, reg, host, "shop/other")
			s := p256Signer(t)

			rec := signFor(t, s, "pass", time.Now(), img.DigestStr())
			pushed, err := reg.Push(ctx, img, rec)
			if err != nil {
				t.Fatal(err)
			}
			if want := host + "/shop/app:sha256-" + img.DigestStr()[7:] + ".att"; pushed.Tag != want {
				t.Errorf("tag %s, want %s", pushed.Tag, want)
			}
			// The record is an OCI 1.1 referrer of the image too (through the
			// referrers API, or its tag-schema fallback).
			idx, err := remote.Referrers(img, reg.options(ctx)...)
			if err != nil {
				t.Fatal(err)
			}
			im, err := idx.IndexManifest()
			if err != nil || len(im.Manifests) != 1 {
				t.Fatalf("referrers of the image: %+v, %v", im, err)
			}
			ref, err := remote.Image(img.Context().Digest(im.Manifests[0].Digest.String()), reg.options(ctx)...)
			if err != nil {
				t.Fatal(err)
			}
			if m, err := ref.Manifest(); err != nil || m.ArtifactType != string(EnvelopeMediaType) || m.Subject == nil || m.Subject.Digest.String() != img.DigestStr() {
				t.Fatalf("the referrer is not a DSSE artifact whose subject is the image: %+v, %v", m, err)
			}
			// Pushing the same record again adds nothing.
			if _, err := reg.Push(ctx, img, rec); err != nil {
				t.Fatal(err)
			}
			envs, err := reg.Fetch(ctx, img)
			if err != nil {
				t.Fatal(err)
			}
			if len(envs) != 1 || string(envs[0].Data) != string(rec) {
				t.Fatalf("fetched %d records, want the one pushed", len(envs))
			}
			recs, refused, err := reg.VerifyImage(ctx, img, []*Verifier{s.Public()}, Options{})
			if err != nil || len(recs) != 1 || len(refused) != 0 {
				t.Fatalf("verify: %d records, refused %q, err %v", len(recs), refused, err)
			}
			if recs[0].Predicate.Result != "pass" {
				t.Errorf("result %q", recs[0].Predicate.Result)
			}

			// A record for another image, attached to this one, is refused.
			if _, err := reg.Push(ctx, img, signFor(t, s, "pass", time.Now(), other.DigestStr())); err == nil {
				t.Fatal("Push attached a record to an image it does not name")
			}
			copied := signFor(t, s, "pass", time.Now(), other.DigestStr())
			attachRaw(t, reg, img, copied)
			recs, refused, err = reg.VerifyImage(ctx, img, []*Verifier{s.Public()}, Options{})
			if err != nil || len(recs) != 1 || len(refused) != 1 || !strings.Contains(refused[0], "another digest") {
				t.Fatalf("verify with a copied record: %d records, refused %q, err %v", len(recs), refused, err)
			}

			// Another key verifies nothing.
			recs, refused, err = reg.VerifyImage(ctx, img, []*Verifier{p256Signer(t).Public()}, Options{})
			if err != nil || len(recs) != 0 || len(refused) != 2 || !strings.Contains(refused[0], "not by the given key") {
				t.Fatalf("verify with another key: %d records, refused %q, err %v", len(recs), refused, err)
			}

			// Without the .att manifest, the referrer alone still carries
			// the record.
			att, err := remote.Head(attestationTag(img), reg.options(ctx)...)
			if err != nil {
				t.Fatal(err)
			}
			// go-containerregistry's registry deletes by tag, distribution by digest.
			_ = remote.Delete(attestationTag(img), reg.options(ctx)...)
			_ = remote.Delete(img.Context().Digest(att.Digest.String()), reg.options(ctx)...)
			if _, err := remote.Head(attestationTag(img), reg.options(ctx)...); err == nil {
				t.Fatal("the .att manifest is still there")
			}
			envs, err = reg.Fetch(ctx, img)
			if err != nil || len(envs) != 1 || string(envs[0].Data) != string(rec) || !strings.Contains(envs[0].Source, "@sha256:") {
				t.Fatalf("fetch through the referrer only: %d records, %v", len(envs), err)
			}

			// An image without records has none, and no error.
			recs, refused, err = reg.VerifyImage(ctx, other, []*Verifier{s.Public()}, Options{})
			if err != nil || len(recs) != 0 || len(refused) != 0 {
				t.Fatalf("verify an unattested image: %d records, refused %q, err %v", len(recs), refused, err)
			}
		})
	}
}

// attachRaw appends an envelope to an image's .att manifest without Push's
// check, as an attacker copying another image's record would.
func attachRaw(t testing.TB, reg Registry, img name.Digest, env []byte) {
	t.Helper()
	opts := reg.options(context.Background())
	base, err := remote.Image(attestationTag(img), opts...)
	if err != nil {
		t.Fatal(err)
	}
	att, err := appendEnvelope(base, env)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(attestationTag(img), att, opts...); err != nil {
		t.Fatal(err)
	}
}

func TestRegistryRefusesPlainHTTPBeyondLoopback(t *testing.T) {
	reg := Registry{Insecure: true}
	if _, err := reg.ParseDigestRef("registry.example.com/app@sha256:" + strings.Repeat("a", 64)); err == nil || !strings.Contains(err.Error(), "loopback") {
		t.Fatalf("insecure accepted a remote registry: %v", err)
	}
	if _, err := reg.ParseDigestRef("127.0.0.1:5000/app:v1"); err == nil || !strings.Contains(err.Error(), "by digest") {
		t.Fatalf("a tag reference was accepted: %v", err)
	}
	// Without Insecure, a registry served over plain HTTP is refused even on
	// loopback, where go-containerregistry would fall back to HTTP.
	host := inProcessRegistry(t, true)
	d, err := Registry{}.ParseDigestRef(host + "/app@sha256:" + strings.Repeat("a", 64))
	if err != nil {
		t.Fatal(err)
	}
	_, err = Registry{}.Fetch(context.Background(), d)
	if err == nil || !strings.Contains(err.Error(), "refuse plain HTTP") {
		t.Fatalf("fetch over plain HTTP without --registry-insecure: %v", err)
	}
}

// cosignBinary finds the cosign CLI .ci/cosign.sh installs, or fails with
// the command that installs it.
func cosignBinary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("RELGATE_COSIGN"); p != "" {
		return p
	}
	p, err := filepath.Abs("../.tools/bin/cosign")
	if err == nil {
		if _, err = os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatalf("cosign is not installed: run `eval \"$(bash .ci/cosign.sh .tools)\"` from the repository root (it runs GOBIN=$PWD/.tools/bin go install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5)")
	return ""
}

// TestCosignVerifiesPushedRecord: the real cosign CLI accepts what relgate
// pushes, for the key types it signs with, and refuses it under another key
// or another predicate type.
func TestCosignVerifiesPushedRecord(t *testing.T) {
	cosign := cosignBinary(t)
	_, edKey, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		key  func() *Signer
	}{
		{"ecdsa-p256", func() *Signer { return p256Signer(t) }},
		{"ed25519", func() *Signer { s, _ := NewSigner(edKey); return s }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			reg := Registry{Insecure: true}
			host := inProcessRegistry(t, true)
			img := pushImage(t, reg, host, "shop/app")
			s := tc.key()
			if _, err := reg.Push(ctx, img, signFor(t, s, "pass", time.Now(), img.DigestStr())); err != nil {
				t.Fatal(err)
			}
			dir := t.TempDir()
			pub := writePublicKey(t, dir, "relgate.pub", s.Public())
			otherPub := writePublicKey(t, dir, "other.pub", p256Signer(t).Public())
			verify := func(key, typ string) (string, error) {
				cmd := exec.Command(cosign, "verify-attestation", "--key", key, "--type", typ,
					"--insecure-ignore-tlog", "--allow-http-registry", img.String())
				cmd.Env = append(os.Environ(), "HOME="+dir, "DOCKER_CONFIG="+dir, "TUF_ROOT="+dir)
				out, err := cmd.CombinedOutput()
				return string(out), err
			}
			out, err := verify(pub, PredicateType)
			if err != nil {
				t.Fatalf("cosign verify-attestation refused relgate's record: %v\n%s", err, out)
			}
			if !strings.Contains(out, "verified against the specified public key") {
				t.Errorf("cosign did not say it verified the key:\n%s", out)
			}
			if out, err := verify(otherPub, PredicateType); err == nil {
				t.Fatalf("cosign accepted the record under another key:\n%s", out)
			}
			if out, err := verify(pub, "slsaprovenance"); err == nil {
				t.Fatalf("cosign accepted the record as another predicate type:\n%s", out)
			}
		})
	}
}

func writePublicKey(t testing.TB, dir, name string, v *Verifier) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(v.Public())
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
