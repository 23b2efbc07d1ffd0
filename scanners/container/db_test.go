package container

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"net"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/dbfetch"
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

// The default age is trivy's: a day. A test pins what the docs promise.
func TestDefaultDBMaxAgeIsADay(t *testing.T) {
	if DefaultDBMaxAge != 24*time.Hour {
		t.Errorf("DefaultDBMaxAge = %s, the README and config reference say 24h", DefaultDBMaxAge)
	}
}

func TestStaleness(t *testing.T) {
	root := fixtureDB(t) // data of dbUpdatedAt, downloaded an hour later
	cases := []struct {
		name   string
		root   string
		maxAge time.Duration
		now    time.Time
		want   string // substring; "" means current
	}{
		{"fresh", root, 0, dbUpdatedAt.Add(23 * time.Hour), ""},
		{"a day and an hour old", root, 0, dbUpdatedAt.Add(25 * time.Hour), "older than 24h0m0s"},
		{"shorter max age", root, 12 * time.Hour, dbUpdatedAt.Add(13 * time.Hour), "older than 12h0m0s"},
		{"longer max age", root, 72 * time.Hour, dbUpdatedAt.Add(71 * time.Hour), ""},
		// Downloaded within the hour: the publisher has nothing newer.
		{"just downloaded", root, time.Hour, dbUpdatedAt.Add(90 * time.Minute), ""},
		{"missing", t.TempDir(), 0, dbUpdatedAt, "missing"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := Staleness(tc.root, tc.maxAge, tc.now)
			if (tc.want == "") != (got == "") || !strings.Contains(got, tc.want) {
				t.Errorf("Staleness = %q, want %q", got, tc.want)
			}
		})
	}
}

// A stale database is downloaded, a current one is not: the registry is
// not even asked (here it does not exist).
func TestUpdateDBOnlyWhenStale(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(nilLogger())))
	defer srv.Close()
	repo := strings.TrimPrefix(srv.URL, "http://") + "/aquasecurity/trivy-db:2"
	pushDBArtifact(t, repo, filepath.Join(fixtureDB(t), "db"))

	root := fixtureDB(t)
	current := func() time.Time { return dbUpdatedAt.Add(2 * time.Hour) }
	info, err := UpdateDB(context.Background(), root, UpdateOptions{Repositories: []string{"127.0.0.1:1/none:2"}, Now: current})
	if err != nil || info.Updated {
		t.Fatalf("current database: %+v, %v; want it kept without a download", info, err)
	}
	later := func() time.Time { return dbUpdatedAt.Add(48 * time.Hour) }
	info, err = UpdateDB(context.Background(), root, UpdateOptions{Repositories: []string{repo}, Now: later})
	if err != nil || !info.Updated || info.DownloadedAt.Before(dbUpdatedAt.Add(2*time.Hour)) {
		t.Fatalf("stale database: %+v, %v; want a download", info, err)
	}
}

// A registry that cannot be reached is a no-network error naming the
// repositories; the old database stays.
func TestUpdateDBNoNetwork(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close() // nothing listens there now: every dial is refused
	root := fixtureDB(t)
	repos := []string{closed + "/a/trivy-db:2", closed + "/b/trivy-db:2"}
	_, err = UpdateDB(context.Background(), root, UpdateOptions{Repositories: repos, Force: true})
	if !dbfetch.IsNoNetwork(err) || !strings.Contains(err.Error(), repos[1]) {
		t.Fatalf("err = %v, want a no-network error naming the repositories", err)
	}
	if r := dbfetch.Reason(err); !strings.Contains(r, "connection refused") {
		t.Errorf("reason %q, want the refused dial", r)
	}
	if _, err := openDB(root); err != nil {
		t.Errorf("the old database is gone: %v", err)
	}
}

func TestMissingDBNamesTheFix(t *testing.T) {
	root := t.TempDir()
	_, err := openDB(root)
	want := "relgate db update --sources trivy --db-dir " + root
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("err = %v, want it to name %q", err, want)
	}
	if got := UpdateCommand(DefaultDBDir()); got != "relgate db update --sources trivy" {
		t.Errorf("UpdateCommand(default) = %q", got)
	}
	if got := UpdateCommand("/tmp/my dbs"); got != `relgate db update --sources trivy --db-dir '/tmp/my dbs'` {
		t.Errorf("UpdateCommand quotes %q", got)
	}
}
