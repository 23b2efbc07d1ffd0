package container

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/relgate/relgate/engine"
)

// dbArtifact packs a database directory (trivy.db, metadata.json) the way
// trivy's database is published: one tar.gz layer of trivy's media type,
// titled db.tar.gz, in an OCI artifact.
func pushDBArtifact(t *testing.T, ref, dbDir string) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, f := range []string{"trivy.db", "metadata.json"} {
		data, err := os.ReadFile(filepath.Join(dbDir, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := tw.WriteHeader(&tar.Header{Name: f, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	layer := static.NewLayer(buf.Bytes(), "application/vnd.aquasec.trivy.db.layer.v1.tar+gzip")
	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, "application/vnd.aquasec.trivy.config.v1+json")
	img, err := mutate.Append(img, mutate.Addendum{
		Layer:       layer,
		Annotations: map[string]string{"org.opencontainers.image.title": "db.tar.gz"},
	})
	if err != nil {
		t.Fatal(err)
	}
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
}

func TestUpdateDBFromLocalRegistry(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(nilLogger())))
	defer srv.Close()
	repo := strings.TrimPrefix(srv.URL, "http://") + "/aquasecurity/trivy-db:2"
	pushDBArtifact(t, repo, filepath.Join(fixtureDB(t), "db"))

	root := t.TempDir()
	info, err := UpdateDB(context.Background(), root, UpdateOptions{Repositories: []string{repo}})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if !info.Updated || info.SchemaVersion != 2 || !info.UpdatedAt.Equal(dbUpdatedAt) || info.DownloadedAt.IsZero() ||
		info.Path != filepath.Join(root, "db", "trivy.db") {
		t.Errorf("info = %+v", info)
	}

	// The downloaded database is the one the scanner reads.
	archive := filepath.Join(t.TempDir(), "shop.tar")
	writeDockerArchive(t, archive, "registry.example.com/shop:1.0", alpineImage(t))
	out := engine.NewInput()
	run, err := New(Options{Images: []string{archive}, DBDir: root}).Scan(context.Background(), out)
	if err != nil {
		t.Fatalf("scan with the downloaded database: %v", err)
	}
	if len(out.Vulnerabilities) != 3 || run.DBUpdatedAt == nil || !run.DBUpdatedAt.Equal(dbUpdatedAt) {
		t.Errorf("run %+v, %d vulnerabilities", run, len(out.Vulnerabilities))
	}

	// A current database is kept unless forced.
	again, err := UpdateDB(context.Background(), root, UpdateOptions{Repositories: []string{repo}})
	if err != nil || again.Updated {
		t.Errorf("second update: %+v, %v; want no download", again, err)
	}
	forced, err := UpdateDB(context.Background(), root, UpdateOptions{Repositories: []string{repo}, Force: true})
	if err != nil || !forced.Updated {
		t.Errorf("forced update: %+v, %v", forced, err)
	}
}

func TestUpdateDBErrors(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(nilLogger())))
	defer srv.Close()
	missing := strings.TrimPrefix(srv.URL, "http://") + "/nothing/here:2"
	_, err := UpdateDB(context.Background(), t.TempDir(), UpdateOptions{Repositories: []string{missing}})
	if err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("err = %v, want one naming %s", err, missing)
	}
	if _, err := UpdateDB(context.Background(), t.TempDir(), UpdateOptions{Repositories: []string{"Not A Ref"}}); err == nil {
		t.Error("a malformed repository was accepted")
	}

	// A corrupt database in the registry never replaces a working one.
	bad := t.TempDir()
	writeBytes(t, filepath.Join(bad, "trivy.db"), []byte(strings.Repeat("garbage!", 4096)))
	writeBytes(t, filepath.Join(bad, "metadata.json"), []byte(`{"Version": 2}`))
	badRepo := strings.TrimPrefix(srv.URL, "http://") + "/bad/trivy-db:2"
	pushDBArtifact(t, badRepo, bad)
	root := fixtureDB(t)
	before, err := os.ReadFile(filepath.Join(root, "db", "trivy.db"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = UpdateDB(context.Background(), root, UpdateOptions{Repositories: []string{badRepo}, Force: true})
	if err == nil || !strings.Contains(err.Error(), "does not open") {
		t.Fatalf("err = %v, want the downloaded database refused", err)
	}
	after, err := os.ReadFile(filepath.Join(root, "db", "trivy.db"))
	if err != nil || !bytes.Equal(before, after) {
		t.Fatalf("the working database was replaced (err %v)", err)
	}
	if entries, _ := os.ReadDir(root); len(entries) != 1 {
		t.Errorf("the staging directory was left behind: %v", entries)
	}
}
