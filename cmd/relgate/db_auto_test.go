package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// trivyDBRegistry serves the demo's trivy database as trivy publishes its
// own (one tar.gz layer in an OCI artifact) and counts the requests.
func trivyDBRegistry(t *testing.T) (repo string, requests *atomic.Int32) {
	t.Helper()
	requests = new(atomic.Int32)
	reg := registry.New(registry.Logger(log.New(io.Discard, "", 0)))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		reg.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	// A layer bigger than the smallest download that reports progress,
	// as trivy's real one is: incompressible bytes in a file the update
	// does not install.
	padding := make([]byte, 256<<10)
	rand.NewChaCha8([32]byte{}).Read(padding)
	for _, f := range []string{"trivy.db", "metadata.json", "padding"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "demo-db", "db", f))
		if f == "padding" {
			data, err = padding, nil
		}
		if err != nil {
			t.Fatal(err)
		}
		if err := tw.WriteHeader(&tar.Header{Name: f, Mode: 0o644, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	zw.Close()
	img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), "application/vnd.aquasec.trivy.config.v1+json")
	img, err := mutate.Append(img, mutate.Addendum{
		Layer:       static.NewLayer(buf.Bytes(), "application/vnd.aquasec.trivy.db.layer.v1.tar+gzip"),
		Annotations: map[string]string{"org.opencontainers.image.title": "db.tar.gz"},
	})
	if err != nil {
		t.Fatal(err)
	}
	repo = strings.TrimPrefix(srv.URL, "http://") + "/aquasecurity/trivy-db:2"
	ref, err := name.ParseReference(repo)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
	requests.Store(0)
	return repo, requests
}

// imageProject is a project whose config scans the demo's image archive
// with trivy's database from repo.
func imageProject(t *testing.T, repo string) string {
	t.Helper()
	dir := t.TempDir()
	img, err := os.ReadFile(filepath.Join("..", "..", "testdata", "demo", "build", "shop.tar"))
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "shop.tar"), string(img))
	writeFile(t, filepath.Join(dir, ".relgate.yaml"), "containers:\n  images: [shop.tar]\n  db_repositories: ["+repo+"]\n")
	return dir
}

// containersRun is the containers scanner's run record in a saved input.
func containersRun(t *testing.T, input string) (status, errMsg string) {
	t.Helper()
	var in struct {
		Scanners []struct {
			Name, Status, Error string
		} `json:"scanners"`
	}
	if err := json.Unmarshal([]byte(mustRead(t, input)), &in); err != nil {
		t.Fatal(err)
	}
	for _, s := range in.Scanners {
		if s.Name == "containers" {
			return s.Status, s.Error
		}
	}
	t.Fatalf("no containers run in %s", input)
	return "", ""
}

// Without --offline, an image scan downloads a missing trivy database
// first, and not again while it is current; --offline never asks.
func TestCheckDownloadsTrivyDBWhenMissing(t *testing.T) {
	repo, requests := trivyDBRegistry(t)
	dir := imageProject(t, repo)
	db := filepath.Join(t.TempDir(), "db")
	input := filepath.Join(t.TempDir(), "input.json")
	code, _, stderr := cli(t, "check", dir, "--scanners", "containers", "--env", "staging", "--db-dir", db, "--save-input", input)
	if code == exitRuntime || code == exitUsage {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if st, msg := containersRun(t, input); st != "ok" {
		t.Fatalf("containers %s: %s\n%s", st, msg, stderr)
	}
	if !strings.Contains(stderr, "relgate: trivy: schema 2, data of 2026-11-20T06:00:00Z, downloaded") || requests.Load() == 0 {
		t.Errorf("%d registry requests, stderr:\n%s", requests.Load(), stderr)
	}
	if strings.ContainsAny(stderr, "\x1b\x1d\r") {
		t.Errorf("piped, the download drew progress: %q", stderr)
	}

	// Downloaded within the hour: current, the registry is not asked.
	before := requests.Load()
	code, _, stderr = cli(t, "check", dir, "--scanners", "containers", "--env", "staging", "--db-dir", db)
	if code == exitRuntime || requests.Load() != before || strings.Contains(stderr, "downloaded") {
		t.Errorf("second run: exit %d, %d new requests\n%s", code, requests.Load()-before, stderr)
	}

	// --offline with no database: no request, and the scanner's error
	// names the command that fixes it.
	empty := filepath.Join(t.TempDir(), "none")
	code, _, stderr = cli(t, "check", dir, "--scanners", "containers", "--env", "staging", "--offline", "--db-dir", empty, "--save-input", input)
	if requests.Load() != before || code == exitRuntime {
		t.Errorf("--offline: exit %d, %d requests\n%s", code, requests.Load()-before, stderr)
	}
	if st, msg := containersRun(t, input); st != "error" || !strings.Contains(msg, "relgate db update --sources trivy --db-dir "+empty) {
		t.Errorf("--offline without a database: containers %s: %q", st, msg)
	}
}

// With no network the check says so in one line and goes on: the missing
// database is the scanner's error, which production denies.
func TestCheckNoNetworkSaysSoOnce(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	dir := imageProject(t, closed+"/aquasecurity/trivy-db:2")
	input := filepath.Join(t.TempDir(), "input.json")
	code, _, stderr := cli(t, "check", dir, "--scanners", "containers", "--env", "production", "--db-dir", filepath.Join(t.TempDir(), "db"), "--save-input", input)
	if code != exitFail {
		t.Errorf("exit %d, want the gate to fail on the scanner error\n%s", code, stderr)
	}
	var lines []string
	for _, l := range strings.Split(stderr, "\n") {
		if strings.Contains(l, "no network") {
			lines = append(lines, l)
		}
	}
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "relgate: no network: trivy database not updated (dial tcp "+closed) ||
		!strings.HasSuffix(lines[0], "; run with --offline to use the local databases") {
		t.Errorf("want one no-network line, got %q\n%s", lines, stderr)
	}
	if st, msg := containersRun(t, input); st != "error" || !strings.Contains(msg, "relgate db update --sources trivy") {
		t.Errorf("containers %s: %q", st, msg)
	}
}

func TestDBUpdateNoNetworkOSV(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	closed := ln.Addr().String()
	ln.Close()
	code, out, stderr := cli(t, "db", "update", "--db-dir", t.TempDir(), "--url", "http://"+closed, "--ecosystems", "npm,Go,PyPI")
	want := "relgate: no network: osv database not updated (dial tcp " + closed + ": connect: connection refused); run with --offline to use the local databases\n"
	if code != exitRuntime || stderr != want || out != "" {
		t.Errorf("exit %d, stdout %q, stderr %q; want 3 and %q", code, out, stderr, want)
	}
}

// db update fetches what the enabled scanners need: osv for deps, trivy
// for containers when the config names images.
func TestDBUpdateDefaultSources(t *testing.T) {
	repo, requests := trivyDBRegistry(t)
	dir := imageProject(t, repo)
	writeFile(t, filepath.Join(dir, ".relgate.yaml"), "scanners: {enabled: [containers]}\ncontainers:\n  images: [shop.tar]\n  db_repositories: ["+repo+"]\n")
	db := t.TempDir()
	code, out, stderr := cli(t, "db", "update", dir, "--db-dir", db)
	if code != exitPass || !strings.Contains(out, "trivy: schema 2") || strings.Contains(out, "osv") || requests.Load() == 0 {
		t.Errorf("exit %d, stdout %q\n%s", code, out, stderr)
	}
	writeFile(t, filepath.Join(dir, ".relgate.yaml"), "scanners: {enabled: [secrets]}\n")
	if code, out, _ := cli(t, "db", "update", dir, "--db-dir", db); code != exitPass || !strings.Contains(out, "nothing to update") {
		t.Errorf("no database needed: exit %d, %q", code, out)
	}
}

// TestCheckDownloadOnTerminal: on a terminal, the automatic trivy database
// download before an image scan is a line of the live display, not a
// second thing drawing on the terminal: every byte the terminal receives
// is one the VT100 understands, and the final screen has one line for the
// download, the scanner's under it, and the download's report above.
// `db update` on a terminal shows its downloads the same way, and prints
// its report after the display's last frame.
func TestCheckDownloadOnTerminal(t *testing.T) {
	repo, requests := trivyDBRegistry(t)
	dir := imageProject(t, repo)
	db := filepath.Join(t.TempDir(), "db")
	ptmx, tty := openPTY(t, 24, 100)
	read := readAll(ptmx)
	code := run([]string{"check", dir, "--scanners", "containers", "--env", "staging", "--db-dir", db}, io.Discard, tty)
	tty.Close()
	raw := read()
	scr := newScreen(t, 24, 100)
	scr.Write(raw)
	rows := strings.Join(scr.rows(), "\n")
	if code == exitRuntime || code == exitUsage || requests.Load() == 0 {
		t.Fatalf("exit %d, %d registry requests\n%s", code, requests.Load(), rows)
	}
	if bytes.Contains(raw, []byte("\x1d")) {
		t.Errorf("an event line reached the terminal: %q", raw)
	}
	dl := rowWith(t, scr, "trivy db")
	if !regexp.MustCompile(`^✓ trivy db    downloaded  \d[.\d]*m?s  \d+(\.\d\d)? [KM]?i?B$`).MatchString(dl) {
		t.Errorf("download line %q\n%s", dl, rows)
	}
	sc := rowWith(t, scr, "containers")
	if !regexp.MustCompile(`^✓ containers  ok +\d`).MatchString(sc) {
		t.Errorf("scanner line %q\n%s", sc, rows)
	}
	lines := scr.rows()
	report := slices.IndexFunc(lines, func(r string) bool { return strings.HasPrefix(r, "relgate: trivy: schema 2") })
	if at := slices.Index(lines, dl); report < 0 || at <= report || slices.Index(lines, sc) != at+1 {
		t.Errorf("want the download's report, then its line, then the scanner's:\n%s", rows)
	}

	db2 := filepath.Join(t.TempDir(), "db")
	ptmx, tty = openPTY(t, 24, 100)
	read = readAll(ptmx)
	var stdout bytes.Buffer
	code = run([]string{"db", "update", dir, "--sources", "trivy", "--db-dir", db2}, &stdout, tty)
	tty.Close()
	scr = newScreen(t, 24, 100)
	scr.Write(read())
	if code != exitPass || !strings.HasPrefix(stdout.String(), "trivy: schema 2") {
		t.Fatalf("db update: exit %d, stdout %q\n%s", code, stdout.String(), strings.Join(scr.rows(), "\n"))
	}
	if dl := rowWith(t, scr, "trivy db"); !strings.HasPrefix(dl, "✓ trivy db  downloaded") {
		t.Errorf("db update's download line %q", dl)
	}

	// --quiet on a terminal: no display, so no progress of any kind.
	before := requests.Load()
	ptmx, tty = openPTY(t, 24, 100)
	read = readAll(ptmx)
	code = run([]string{"check", dir, "--scanners", "containers", "--env", "staging", "--db-dir", filepath.Join(t.TempDir(), "db"), "--quiet"}, io.Discard, tty)
	tty.Close()
	if raw := read(); code == exitRuntime || requests.Load() == before || bytes.ContainsAny(raw, "\x1b\x1d") ||
		bytes.ContainsRune(bytes.ReplaceAll(raw, []byte("\r\n"), nil), '\r') { // the terminal ends lines with \r\n
		t.Errorf("--quiet: exit %d, %d requests, terminal got %q", code, requests.Load()-before, raw)
	}
}
