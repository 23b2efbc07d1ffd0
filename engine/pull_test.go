package engine_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"

	"github.com/relgate/relgate/engine"
)

func sha256File(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	h := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(h[:])
}

// TestPullBundle: a bundle fetched over HTTPS is stored for offline use,
// and gates from there with no network.
func TestPullBundle(t *testing.T) {
	archive := acmeBundle(t, t.TempDir())
	want := sha256File(t, archive)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/policies/acme.tar.gz" {
			http.NotFound(w, r)
			return
		}
		http.ServeFile(w, r, archive)
	}))
	defer srv.Close()

	out := filepath.Join(t.TempDir(), "offline")
	file, digest, err := engine.PullBundle(context.Background(), engine.PullOptions{
		URL: srv.URL + "/policies/acme.tar.gz", Output: out, Digest: want, Client: srv.Client(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if file != filepath.Join(out, "acme.tar.gz") || digest != want || sha256File(t, file) != want {
		t.Fatalf("pulled %s %s, want %s in %s", file, digest, want, out)
	}
	srv.Close() // offline from here on
	e := newEngine(t, engine.Options{Policies: []string{file}})
	d, err := e.Evaluate(context.Background(), releaseInput("production", "main", "v1.2.3", "1.2.3"))
	if err != nil || len(d.Violations) != 1 || d.Violations[0].Rule != "ACME001" {
		t.Fatalf("gate with the pulled bundle: %v %+v", err, d)
	}
}

// TestPullBundleRefusals: nothing unverified is stored.
func TestPullBundleRefusals(t *testing.T) {
	archive := acmeBundle(t, t.TempDir())
	good := sha256File(t, archive)
	overlap := writeBundle(t, filepath.Join(t.TempDir(), "lib.tar.gz"), map[string]string{
		".manifest": `{"roots": ["relgate/lib"]}`, "lib.rego": "package relgate.lib\n\nx := 1\n",
	})
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/acme.tar.gz":
			http.ServeFile(w, r, archive)
		case "/lib.tar.gz":
			http.ServeFile(w, r, overlap)
		case "/junk.tar.gz":
			_, _ = io.WriteString(w, "not a bundle")
		case "/downgrade.tar.gz":
			http.Redirect(w, r, "http://example.invalid/acme.tar.gz", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	for _, tt := range []struct {
		name, url, digest, want string
	}{
		{"wrong digest", srv.URL + "/acme.tar.gz", "sha256:" + strings.Repeat("0", 64), "its digest is " + good + ", not sha256:000"},
		{"malformed digest", srv.URL + "/acme.tar.gz", "sha256:abc", `digest "sha256:abc"`},
		{"not found", srv.URL + "/none.tar.gz", "", "server answered 404"},
		{"not a bundle", srv.URL + "/junk.tar.gz", "", "check pulled bundle"},
		{"claims a built-in root", srv.URL + "/lib.tar.gz", "", `overlaps the built-in policies at "relgate/lib"`},
		{"plain HTTP unpinned", "http://example.invalid/acme.tar.gz", "", "plain HTTP can be tampered with"},
		{"redirect off TLS", srv.URL + "/downgrade.tar.gz", "", "redirected to http://example.invalid/acme.tar.gz"},
		{"unknown scheme", "ftp://example.invalid/acme.tar.gz", "", "want https://, http:// or oci://"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			out := t.TempDir()
			_, _, err := engine.PullBundle(context.Background(), engine.PullOptions{URL: tt.url, Output: out, Digest: tt.digest, Client: srv.Client()})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if entries, _ := os.ReadDir(out); len(entries) != 0 {
				t.Errorf("left in the output directory: %v", entries)
			}
		})
	}
}

// TestPullBundlePlainHTTPAndOCI: plain HTTP on loopback (or pinned), and
// a bundle from an in-process OCI registry, named after its reference.
func TestPullBundlePlainHTTPAndOCI(t *testing.T) {
	archive := acmeBundle(t, t.TempDir())
	want := sha256File(t, archive)
	web := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(archive))))
	defer web.Close()
	file, digest, err := engine.PullBundle(context.Background(), engine.PullOptions{URL: web.URL + "/acme.tar.gz", Output: t.TempDir()})
	if err != nil || digest != want || filepath.Base(file) != "acme.tar.gz" {
		t.Fatalf("loopback http: %s %s %v", file, digest, err)
	}

	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no credentials of the machine's
	reg := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer reg.Close()
	ref := pushBundle(t, strings.TrimPrefix(reg.URL, "http://"), "security/relgate-policies:1.0", archive, 0)
	out := t.TempDir()
	file, digest, err = engine.PullBundle(context.Background(), engine.PullOptions{URL: ref, Output: out, Digest: want})
	if err != nil || digest != want || file != filepath.Join(out, "relgate-policies-1.0.tar.gz") || sha256File(t, file) != want {
		t.Fatalf("oci: %s %s %v", file, digest, err)
	}
}
