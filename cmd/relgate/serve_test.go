package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeKeyPair writes a PEM private key (PKCS#8) and its public key.
func writeKeyPair(t *testing.T, dir, name string, sk, pk any) (priv, pub string) {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(sk)
	if err != nil {
		t.Fatal(err)
	}
	pder, err := x509.MarshalPKIXPublicKey(pk)
	if err != nil {
		t.Fatal(err)
	}
	priv = writeFile(t, filepath.Join(dir, name+".pem"), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})))
	pub = writeFile(t, filepath.Join(dir, name+".pub"), string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pder})))
	return priv, pub
}

// writeServingCert writes a self-signed loopback certificate and returns a
// pool that trusts it.
func writeServingCert(t *testing.T, dir string) (cert, key string, pool *x509.CertPool) {
	t.Helper()
	sk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "relgate.test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &sk.PublicKey, sk)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(sk)
	c, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(c)
	cert = writeFile(t, filepath.Join(dir, "tls.crt"), string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	key = writeFile(t, filepath.Join(dir, "tls.key"), string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})))
	return cert, key, pool
}

// TestAttestThenServeAdmission is the "done": check --attest signs
// decisions, relgate serve admits the attested digest and denies, with
// reasons, unattested, tag-referenced and failed images, for a Pod and a
// Deployment.
func TestAttestThenServeAdmission(t *testing.T) {
	r := releaseRepo(t)
	tmp := t.TempDir()
	records := filepath.Join(tmp, "records")
	if err := os.MkdirAll(records, 0o755); err != nil {
		t.Fatal(err)
	}
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	priv, pub := writeKeyPair(t, tmp, "signing", sk, pk)
	good, failed := "sha256:"+strings.Repeat("a", 64), "sha256:"+strings.Repeat("b", 64)

	// A passing decision for staging (the dev environment passes) ...
	releaseOnly := writeFile(t, filepath.Join(tmp, "release-only.yaml"), "environments:\n  staging:\n    evidence:\n      scanners: [release]\n")
	code, _, stderr := cli(t, "check", r.Dir, "--scanners", "release", "--env", "staging", "--config", releaseOnly, "--artifact", "shop="+good,
		"--attest", priv, "--attest-out", filepath.Join(records, "good.json"), "-f", "json")
	if code != exitPass {
		t.Fatalf("check --attest (pass): exit %d\n%s", code, stderr)
	}
	// ... and a failed one: a feature branch is not releasable to production.
	r.Branch("feature/x")
	r.Write("x.go", "package main\n")
	r.Commit("feat: x")
	code, _, stderr = cli(t, "check", r.Dir, "--scanners", "release", "--env", "production", "--artifact", "shop="+failed,
		"--attest", priv, "--attest-out", filepath.Join(records, "failed.json"), "-f", "json")
	if code != exitFail {
		t.Fatalf("check --attest (fail): exit %d\n%s", code, stderr)
	}
	if code, out, stderr := cli(t, "attest", "verify", "--key", pub, filepath.Join(records, "good.json")); code != exitPass || !strings.Contains(out, "result pass") {
		t.Fatalf("attest verify: exit %d\n%s%s", code, out, stderr)
	}
	osk, opk := mustEd25519(t)
	_, otherPub := writeKeyPair(t, tmp, "other", osk, opk)
	if code, _, stderr := cli(t, "attest", "verify", "--key", otherPub, filepath.Join(records, "good.json")); code != exitFail || !strings.Contains(stderr, "not by the given key") {
		t.Fatalf("attest verify with another key: exit %d\n%s", code, stderr)
	}

	cert, key, pool := writeServingCert(t, tmp)
	envs := writeFile(t, filepath.Join(tmp, "environments.yaml"), "default: production\nnamespaces:\n  shop-staging: staging\nexempt: [kube-system]\n")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	a := &app{stdout: io.Discard, stderr: io.Discard, logLevel: "warn"}
	wd, _ := os.Getwd()
	t.Chdir(tmp) // serve reads ./.relgate.yaml, as eval does
	go func() {
		done <- a.serve(ctx, &serveOptions{
			cert: cert, key: key, records: records, keys: []string{pub}, maxAge: time.Hour, grace: 5 * time.Second,
			mode: "enforce", failurePolicy: "allow", environments: envs,
		}, ln)
	}()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		_ = os.Chdir(wd)
	}()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	url := "https://" + ln.Addr().String()
	waitReady(t, client, url)

	pod := func(img string) string {
		return `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"spec":{"containers":[{"name":"app","image":"` + img + `"}]}}`
	}
	deployment := func(img string) string {
		return `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"d"},"spec":{"template":{"spec":{"containers":[{"name":"app","image":"` + img + `"}]}}}}`
	}
	cases := []struct {
		name, kind, group, ns, object string
		allowed                       bool
		want                          string
	}{
		{"pod attested", "Pod", "", "shop-staging", pod("registry.local/shop@" + good), true, ""},
		{"deployment attested", "Deployment", "apps", "shop-staging", deployment("registry.local/shop@" + good), true, ""},
		{"pod unattested", "Pod", "", "shop-staging", pod("registry.local/shop@sha256:" + strings.Repeat("c", 64)), false, "no valid signed relgate decision record"},
		{"deployment by tag", "Deployment", "apps", "shop-staging", deployment("registry.local/shop:1.0.1"), false, "referenced by tag"},
		{"deployment failed decision", "Deployment", "apps", "shop", deployment("registry.local/shop@" + failed), false, "decision is fail (rules REL001"},
		{"pod attested for staging, not production", "Pod", "", "shop", pod("registry.local/shop@" + good), false, "a record for environment staging"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			body := fmt.Sprintf(`{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"uid-%d","kind":{"group":%q,"version":"v1","kind":%q},"resource":{"group":%q,"version":"v1","resource":"x"},"namespace":%q,"operation":"CREATE","object":%s}}`,
				len(c.name), c.group, c.kind, c.group, c.ns, c.object)
			resp, err := client.Post(url+"/v1/admission", "application/json", strings.NewReader(body))
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var review struct {
				Response struct {
					UID     string `json:"uid"`
					Allowed bool   `json:"allowed"`
					Status  struct {
						Code    int    `json:"code"`
						Message string `json:"message"`
					} `json:"status"`
				} `json:"response"`
			}
			if err := json.NewDecoder(resp.Body).Decode(&review); err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("status %d: %v", resp.StatusCode, err)
			}
			got := review.Response
			if got.UID != fmt.Sprintf("uid-%d", len(c.name)) || got.Allowed != c.allowed {
				t.Fatalf("response %+v, want allowed=%v", got, c.allowed)
			}
			if !c.allowed && (got.Status.Code != 403 || !strings.Contains(got.Status.Message, c.want)) {
				t.Fatalf("status %+v, want 403 with %q", got.Status, c.want)
			}
		})
	}
}

func mustEd25519(t *testing.T) (any, any) {
	t.Helper()
	pk, sk, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return sk, pk
}

func waitReady(t *testing.T, client *http.Client, url string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := client.Get(url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("relgate serve did not become ready")
}
