package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// TestRegistryRecordsEndToEnd is issue 16's "done": an image is pushed to a
// loopback registry; `relgate check --attest --push` attaches the decision
// record to it; the real cosign CLI verifies that record; `relgate attest
// verify` reads it back from the registry; and two `relgate serve` replicas,
// each with its own cache and reading only the registry, admit a Pod with
// that digest and deny one with another digest.
func TestRegistryRecordsEndToEnd(t *testing.T) {
	cosign := cosignCLI(t)
	r := releaseRepo(t)
	tmp := t.TempDir()

	var registryRequests atomic.Int64
	regHandler := registry.New(registry.WithReferrersSupport(true), registry.Logger(log.New(io.Discard, "", 0)))
	regSrv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		registryRequests.Add(1)
		regHandler.ServeHTTP(w, req)
	}))
	t.Cleanup(regSrv.Close)
	host := strings.TrimPrefix(regSrv.URL, "http://")
	image, other := pushRandomImage(t, host+"/shop/app"), pushRandomImage(t, host+"/shop/other")

	sk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	priv, pub := writeKeyPair(t, tmp, "signing", sk, &sk.PublicKey)

	// CI: judge the release, sign, attach the record to the image. This
	// run brings the release facts alone, and declares so.
	releaseOnly := writeFile(t, filepath.Join(tmp, "release-only.yaml"), "environments:\n  staging:\n    evidence:\n      scanners: [release]\n")
	code, _, stderr := cli(t, "check", r.Dir, "--scanners", "release", "--env", "staging", "--config", releaseOnly, "--artifact", "shop="+image.DigestStr(),
		"--attest", priv, "--attest-out", filepath.Join(tmp, "record.json"), "--push", image.String(), "--registry-insecure", "-f", "json")
	if code != exitPass {
		t.Fatalf("check --attest --push: exit %d\n%s", code, stderr)
	}
	// A digest the record does not name is not pushed to.
	code, _, stderr = cli(t, "check", r.Dir, "--scanners", "release", "--env", "staging", "--config", releaseOnly, "--artifact", "shop="+image.DigestStr(),
		"--attest", priv, "--attest-out", filepath.Join(tmp, "other.json"), "--push", other.String(), "--registry-insecure", "-f", "json")
	if code != exitUsage || !strings.Contains(stderr, "does not name") {
		t.Fatalf("check --push to a digest the record does not name: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := cli(t, "check", r.Dir, "--push", image.String()); code != exitUsage || !strings.Contains(stderr, "--push needs --attest") {
		t.Fatalf("--push without --attest: exit %d\n%s", code, stderr)
	}

	// cosign verifies the record relgate attached, with the same public key.
	cmd := exec.Command(cosign, "verify-attestation", "--key", pub, "--type", "https://relgate.dev/decision/v1",
		"--insecure-ignore-tlog", "--allow-http-registry", image.String())
	cmd.Env = append(os.Environ(), "HOME="+tmp, "DOCKER_CONFIG="+tmp, "TUF_ROOT="+tmp)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cosign verify-attestation: %v\n%s", err, out)
	}

	// relgate reads it back from the registry.
	code, out, stderr := cli(t, "attest", "verify", "--key", pub, "--registry-insecure", image.String())
	if code != exitPass || !strings.Contains(out, "result pass") || !strings.Contains(out, "environment staging") {
		t.Fatalf("attest verify IMAGE@DIGEST: exit %d\n%s%s", code, out, stderr)
	}
	if code, _, stderr := cli(t, "attest", "verify", "--key", pub, "--registry-insecure", other.String()); code != exitFail || !strings.Contains(stderr, "no decision record verifies") {
		t.Fatalf("attest verify of an unattested image: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := cli(t, "attest", "verify", "--key", pub, "registry.example.com/app@"+image.DigestStr(), "--registry-insecure"); code != exitUsage || !strings.Contains(stderr, "loopback") {
		t.Fatalf("--registry-insecure for a remote registry: exit %d\n%s", code, stderr)
	}

	// Two webhook replicas that share nothing but the registry.
	cert, key, pool := writeServingCert(t, tmp)
	envs := writeFile(t, filepath.Join(tmp, "environments.yaml"), "default: production\nnamespaces:\n  shop-staging: staging\n")
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	bin := relgateBinary(t)
	var replicas []string
	for i := range 2 {
		// Separate processes, as replicas behind a Service are: nothing in
		// memory is shared, only the registry.
		cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--tls-cert", cert, "--tls-key", key, "--key", pub,
			"--max-age", "1h", "--environments", envs, "--records-from", "registry", "--registry-insecure",
			"--registry-timeout", "5s", "--cache-size", "100", "--cache-ttl", "1m", "--log-level", "info")
		cmd.Dir = tmp // serve reads ./.relgate.yaml, as eval does
		addr := startServe(t, cmd, fmt.Sprintf("replica %d", i))
		url := "https://" + addr
		waitReady(t, client, url)
		replicas = append(replicas, url)
	}
	admit := func(url, img string) (bool, string) {
		t.Helper()
		body := fmt.Sprintf(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u","kind":{"group":"","version":"v1","kind":"Pod"},"resource":{"group":"","version":"v1","resource":"pods"},"namespace":"shop-staging","operation":"CREATE","object":{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"app","image":%q}]}}}}`, img)
		resp, err := client.Post(url+"/v1/admission", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var review struct {
			Response struct {
				Allowed bool `json:"allowed"`
				Status  struct {
					Message string `json:"message"`
				} `json:"status"`
			} `json:"response"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&review); err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("status %d: %v", resp.StatusCode, err)
		}
		return review.Response.Allowed, review.Response.Status.Message
	}
	for i, url := range replicas {
		before := registryRequests.Load()
		if ok, msg := admit(url, image.String()); !ok {
			t.Fatalf("replica %d denied the attested image: %s", i, msg)
		}
		if registryRequests.Load() == before {
			t.Fatalf("replica %d admitted without asking the registry", i)
		}
		if ok, msg := admit(url, other.String()); ok || !strings.Contains(msg, "no valid signed relgate decision record") {
			t.Fatalf("replica %d: another digest: allowed %v, %q", i, ok, msg)
		}
	}
}

// pushRandomImage pushes a small image to repo and returns it by digest.
func pushRandomImage(t *testing.T, repo string) name.Digest {
	t.Helper()
	img, err := random.Image(1024, 2)
	if err != nil {
		t.Fatal(err)
	}
	tag, err := name.NewTag(repo+":v1", name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(tag, img); err != nil {
		t.Fatal(err)
	}
	h, err := img.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return tag.Context().Digest(h.String())
}

// cosignCLI finds the cosign CLI .ci/cosign.sh installs, or fails with the
// command that installs it.
func cosignCLI(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("RELGATE_COSIGN"); p != "" {
		return p
	}
	if p, err := filepath.Abs("../../.tools/bin/cosign"); err == nil {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	t.Fatal("cosign is not installed: run `eval \"$(bash .ci/cosign.sh .tools)\"` from the repository root (GOBIN=$PWD/.tools/bin go install github.com/sigstore/cosign/v2/cmd/cosign@v2.6.5)")
	return ""
}
