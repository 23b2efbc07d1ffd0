package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/registry"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/content/memory"
	"oras.land/oras-go/v2/registry/remote"
)

// acmeArchive is the team's policy directory as an OPA bundle archive.
func acmeArchive(t *testing.T) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, src := range map[string]string{
		".manifest":           `{"roots": ["relgate/rules/acme", "relgate/rules/acme_test"]}`,
		"acme/acme.rego":      acmePolicy,
		"acme/acme_test.rego": strings.Replace(acmeTest, "WANT", "1", 1),
	} {
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(src)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, src); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, filepath.Join(t.TempDir(), "acme.tar.gz"), buf.String())
}

// TestPolicyBundles: the team's rules shipped as a bundle archive and as an
// OCI artifact gate like a directory; an unreachable registry is a clear
// runtime error.
func TestPolicyBundles(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir())
	archive := acmeArchive(t)
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	ref := pushArchive(t, host, "security/policies", "1.0", archive)

	r := releaseRepo(t)
	for _, p := range []string{archive, ref} {
		code, stdout, stderr := cli(t, "check", r.Dir, "--scanners", "release", "--config", releaseOnly(t), "--policy", p, "--format", "json")
		if code != exitFail || strings.Join(ruleIDs(decisionOf(t, stdout).Violations), ",") != "ACME001" {
			t.Errorf("--policy %s: exit %d\n%s\n%s", p, code, stdout, stderr)
		}
		if code, stdout, stderr := cli(t, "policy", "test", p, "--run", "acme"); code != 0 || !strings.Contains(stdout, "PASS: 2/2") {
			t.Errorf("policy test %s: exit %d\n%s\n%s", p, code, stdout, stderr)
		}
	}

	gone := "oci://127.0.0.1:1/security/policies:1.0"
	code, _, stderr := cli(t, "check", r.Dir, "--scanners", "release", "--policy", gone)
	if code != exitRuntime || !strings.Contains(stderr, "pull policy bundle "+gone) {
		t.Errorf("unreachable registry: exit %d, %s", code, stderr)
	}
}

func pushArchive(t *testing.T, host, name, tag, archive string) string {
	t.Helper()
	ctx := context.Background()
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	store := memory.New()
	layer := content.NewDescriptorFromBytes("application/vnd.oci.image.layer.v1.tar+gzip", data)
	if err := store.Push(ctx, layer, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	m, err := oras.PackManifest(ctx, store, oras.PackManifestVersion1_1, "application/vnd.openpolicyagent.bundle",
		oras.PackManifestOptions{Layers: []ocispec.Descriptor{layer}})
	if err != nil {
		t.Fatal(err)
	}
	if err := store.Tag(ctx, m, tag); err != nil {
		t.Fatal(err)
	}
	repo, err := remote.NewRepository(host + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	repo.PlainHTTP = true
	if _, err := oras.Copy(ctx, store, tag, repo, tag, oras.DefaultCopyOptions); err != nil {
		t.Fatal(err)
	}
	return "oci://" + host + "/" + name + ":" + tag
}
