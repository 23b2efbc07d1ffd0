package engine_test

import (
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

	"github.com/relgate/relgate/engine"
)

// pushBundle pushes a bundle archive to an in-process registry the way
// `oras push` does, and returns its oci:// reference.
func pushBundle(t *testing.T, host, repoTag, archive string, extraLayers int) string {
	t.Helper()
	ctx := context.Background()
	data, err := os.ReadFile(archive)
	if err != nil {
		t.Fatal(err)
	}
	store := memory.New()
	var layers []ocispec.Descriptor
	for i := 0; i <= extraLayers; i++ {
		desc := content.NewDescriptorFromBytes("application/vnd.oci.image.layer.v1.tar+gzip", append(data, make([]byte, i)...))
		if err := store.Push(ctx, desc, strings.NewReader(string(append(data, make([]byte, i)...)))); err != nil {
			t.Fatal(err)
		}
		layers = append(layers, desc)
	}
	m, err := oras.PackManifest(ctx, store, oras.PackManifestVersion1_1, "application/vnd.openpolicyagent.bundle", oras.PackManifestOptions{Layers: layers})
	if err != nil {
		t.Fatal(err)
	}
	name, tag, _ := strings.Cut(repoTag, ":")
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
	return engine.OCIScheme + host + "/" + repoTag
}

func TestOCIBundle(t *testing.T) {
	t.Setenv("DOCKER_CONFIG", t.TempDir()) // no credentials of the machine's
	srv := httptest.NewServer(registry.New(registry.Logger(log.New(io.Discard, "", 0))))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	archive := acmeBundle(t, t.TempDir())
	ref := pushBundle(t, host, "security/relgate-policies:1.0", archive, 0)

	e := newEngine(t, engine.Options{Policies: []string{ref}})
	d, err := e.Evaluate(context.Background(), releaseInput("production", "main", "v1.2.3", "1.2.3"))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Violations) != 1 || d.Violations[0].Rule != "ACME001" {
		t.Fatalf("violations = %+v", d.Violations)
	}
	if entries, _ := os.ReadDir(os.TempDir()); len(entries) > 0 {
		for _, en := range entries {
			if strings.HasPrefix(en.Name(), "relgate-oci-") {
				if _, err := os.Stat(filepath.Join(os.TempDir(), en.Name(), "bundle-0.tar.gz")); err == nil {
					t.Errorf("pulled bundle left behind in %s", en.Name())
				}
			}
		}
	}

	wb, err := engine.LoadWorkbench(context.Background(), engine.WorkbenchOptions{Paths: []string{ref}})
	if err != nil {
		t.Fatal(err)
	}
	if pkgs := wb.RuleDocs(); len(pkgs) != 1 || pkgs[0].Rules[0].ID != "ACME001" {
		t.Errorf("catalogue of the pulled bundle: %+v", pkgs)
	}

	two := pushBundle(t, host, "security/two-layers:1.0", archive, 1)
	for _, tt := range []struct{ ref, want string }{
		{engine.OCIScheme + host + "/security/relgate-policies:2.0", "pull policy bundle oci://" + host + "/security/relgate-policies:2.0"},
		{engine.OCIScheme + host + "/security/relgate-policies", "name a tag or digest"},
		{two, "want one tar+gzip bundle layer, the manifest has 2"},
		{engine.OCIScheme + "127.0.0.1:1/security/relgate-policies:1.0", "connection refused"},
	} {
		_, err := engine.New(context.Background(), engine.Options{Policies: []string{tt.ref}})
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.ref, err, tt.want)
		}
	}
}
