package container

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"log"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/registry"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	xos "github.com/aquasecurity/trivy/pkg/x/os"

	"github.com/relgate/relgate/engine"
)

// fixtureDB writes the fixture database into a fresh directory.
func fixtureDB(t testing.TB) string {
	t.Helper()
	root := t.TempDir()
	writeDB(t, root)
	return root
}

func nilLogger() *log.Logger { return log.New(io.Discard, "", 0) }

func scanImages(t *testing.T, o Options) (*engine.Input, engine.ScannerRun) {
	t.Helper()
	if o.DBDir == "" {
		o.DBDir = fixtureDB(t)
	}
	out := engine.NewInput()
	run, err := New(o).Scan(context.Background(), out)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return out, run
}

func TestAlpineDockerArchive(t *testing.T) {
	repo := t.TempDir()
	img := alpineImage(t)
	writeDockerArchive(t, filepath.Join(repo, "build", "shop.tar"), "registry.example.com/shop:1.0", img)
	writeFiles(t, repo, files{".relgate.yaml": "containers:\n  images:\n    - build/shop.tar\n"})

	out, run := scanImages(t, Options{Dir: repo, Images: []string{filepath.Join(repo, "build", "shop.tar")}, Offline: true})

	if run.DBUpdatedAt == nil || !run.DBUpdatedAt.Equal(dbUpdatedAt) || !strings.HasPrefix(run.Version, "v") {
		t.Errorf("run = %+v, want trivy's version and the database's age", run)
	}
	cfgName, _ := img.ConfigName()
	loc := engine.Location{Path: ".relgate.yaml", StartLine: 3, EndLine: 3}
	wantC := []engine.Container{{
		Image:    "build/shop.tar",
		ID:       cfgName.String(),
		Source:   "docker-archive",
		Tags:     []string{"registry.example.com/shop:1.0"},
		OS:       engine.OS{Family: "alpine", Version: "3.18.4", EOL: true},
		User:     "",
		Layers:   2,
		Packages: 5, // musl, libcrypto3, libssl3, lodash and the app's own package.json, as trivy counts them
		Location: loc,
	}}
	if !reflect.DeepEqual(out.Containers, wantC) {
		t.Errorf("containers:\n got %+v\nwant %+v", out.Containers, wantC)
	}

	published := cve20235678Published
	lodashPublished := cve202123337Published
	openssl := func(pkg string) engine.Vulnerability {
		return engine.Vulnerability{
			ID:            "CVE-2023-5678",
			Summary:       "openssl: Generating excessively long X9.42 DH keys or checking excessively long X9.42 DH keys or parameters may be very slow",
			Package:       engine.Package{Name: pkg, Version: "3.1.4-r0", Ecosystem: "Alpine:v3.18", PURL: "pkg:apk/alpine/" + pkg + "@3.1.4-r0?arch=x86_64&distro=3.18.4"},
			Severity:      "medium",
			CVSSScore:     5.3,
			CVSSVector:    "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L",
			FixedVersions: []string{"3.1.4-r1"},
			Published:     &published,
			Source:        "trivy",
			Location:      loc,
			Image:         "build/shop.tar",
			Layer:         imageLayer(t, img, 0), // the apk database's layer
		}
	}
	want := []engine.Vulnerability{
		openssl("libcrypto3"),
		openssl("libssl3"),
		{
			ID:            "CVE-2021-23337",
			Aliases:       []string{"GHSA-35jh-r3h4-6jhm"},
			Summary:       "nodejs-lodash: command injection via template",
			Package:       engine.Package{Name: "lodash", Version: "4.17.20", Ecosystem: "npm", PURL: "pkg:npm/lodash@4.17.20"},
			Severity:      "high",
			CVSSScore:     7.2,
			CVSSVector:    "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
			FixedVersions: []string{"4.17.21"},
			Published:     &lodashPublished,
			Source:        "trivy",
			Location:      loc,
			Image:         "build/shop.tar",
			// An installed package.json does not say whether it is direct.
			Layer: imageLayer(t, img, 1), // the app's layer
			CWEs:  []string{"CWE-77", "CWE-94"},
		},
	}
	if !reflect.DeepEqual(out.Vulnerabilities, want) {
		t.Errorf("vulnerabilities:\n got %s\nwant %s", dump(out.Vulnerabilities), dump(want))
	}
	if run.Stats["images"] != 1 || run.Stats["vulnerabilities"] != 3 {
		t.Errorf("stats = %v", run.Stats)
	}
}

func dump(vs []engine.Vulnerability) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString("\n  ")
		b.WriteString(strings.ReplaceAll(strings.TrimSpace(strings.ReplaceAll(
			strings.Join([]string{v.ID, strings.Join(v.Aliases, ","), v.Summary, v.Package.Name, v.Package.Version, v.Package.Ecosystem, v.Package.PURL,
				v.Severity, v.CVSSVector, strings.Join(v.FixedVersions, ","), v.Source, v.Image, v.Location.Path}, " | "), "\n", " ")), "  ", " "))
		if v.Direct != nil {
			b.WriteString(" direct=" + map[bool]string{true: "true", false: "false"}[*v.Direct])
		}
		if v.Layer != nil {
			b.WriteString(" layer=" + v.Layer.Digest + "/" + v.Layer.DiffID)
		}
		if len(v.CWEs) > 0 {
			b.WriteString(" cwe=" + strings.Join(v.CWEs, ","))
		}
	}
	return b.String()
}

// debianWant is what the Debian image reports, wherever it is read from.
func debianVuln(image string, loc engine.Location, layer *engine.Layer) engine.Vulnerability {
	published := cve20240727Published
	return engine.Vulnerability{
		ID:            "CVE-2024-0727",
		Summary:       "openssl: denial of service via null dereference",
		Package:       engine.Package{Name: "libssl3", Version: "3.0.11-1~deb12u2", Ecosystem: "Debian:12", PURL: "pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12.5"},
		Severity:      "low", // Debian's own rating wins over NVD's medium
		CVSSScore:     5.5,   // there is no Debian CVSS, so NVD's
		CVSSVector:    "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H",
		FixedVersions: []string{"3.0.13-1~deb12u1"},
		Published:     &published,
		Source:        "trivy",
		Location:      loc,
		Image:         image,
		Layer:         layer,
	}
}

// imageLayer is the image's i-th layer as trivy names it: the digest of
// the layer as stored and its diff ID.
func imageLayer(t *testing.T, img v1.Image, i int) *engine.Layer {
	t.Helper()
	layers, err := img.Layers()
	if err != nil || i >= len(layers) {
		t.Fatalf("layer %d: %v", i, err)
	}
	digest, err := layers[i].Digest()
	if err != nil {
		t.Fatal(err)
	}
	diffID, err := layers[i].DiffID()
	if err != nil {
		t.Fatal(err)
	}
	return &engine.Layer{Digest: digest.String(), DiffID: diffID.String()}
}

func TestDebianOCILayoutWithDockerfile(t *testing.T) {
	repo := t.TempDir()
	img := debianImage(t)
	writeOCILayout(t, filepath.Join(repo, "oci"), img)
	writeFiles(t, repo, files{"docker/Dockerfile": `# build stage
FROM golang:1.26 AS build
RUN go build -o /server .

FROM debian:12.5-slim \
  AS runtime
COPY --from=build /server /server
USER app
`})
	ref := filepath.Join(repo, "oci")
	out, _ := scanImages(t, Options{Dir: repo, Images: []string{ref}, ImageDockerfiles: map[string]string{"oci": "docker/Dockerfile"}})

	digest, _ := img.Digest()
	cfgName, _ := img.ConfigName()
	loc := engine.Location{Path: "docker/Dockerfile", StartLine: 5, EndLine: 6}
	wantC := []engine.Container{{
		Image: "oci", Digest: digest.String(), ID: cfgName.String(), Source: "oci-layout",
		OS:   engine.OS{Family: "debian", Version: "12.5", EOL: false},
		User: "app", Layers: 1, Packages: 2, Location: loc,
	}}
	if !reflect.DeepEqual(out.Containers, wantC) {
		t.Errorf("containers:\n got %+v\nwant %+v", out.Containers, wantC)
	}
	want := []engine.Vulnerability{debianVuln("oci", loc, imageLayer(t, img, 0))}
	if !reflect.DeepEqual(out.Vulnerabilities, want) {
		t.Errorf("vulnerabilities:\n got %s\nwant %s", dump(out.Vulnerabilities), dump(want))
	}
}

func TestOCILayoutTarball(t *testing.T) {
	tmp := t.TempDir()
	img := debianImage(t)
	writeOCILayout(t, filepath.Join(tmp, "layout"), img)
	archive := filepath.Join(tmp, "debian-oci.tar")
	tarDir(t, filepath.Join(tmp, "layout"), archive)

	out, _ := scanImages(t, Options{Images: []string{archive}})
	if len(out.Containers) != 1 || out.Containers[0].Source != "oci-layout" || out.Containers[0].OS.Family != "debian" {
		t.Fatalf("containers = %+v", out.Containers)
	}
	want := []engine.Vulnerability{debianVuln(filepath.ToSlash(archive), engine.Location{Path: ".relgate.yaml"}, imageLayer(t, img, 0))}
	if !reflect.DeepEqual(out.Vulnerabilities, want) {
		t.Errorf("vulnerabilities:\n got %s\nwant %s", dump(out.Vulnerabilities), dump(want))
	}
	entries, _ := os.ReadDir(filepath.Dir(xos.TempDir()))
	for _, e := range entries {
		if e.Name() == filepath.Base(xos.TempDir()) {
			t.Errorf("the unpacked layout is left in %s", xos.TempDir())
		}
	}
}

// TestRegistryImage pulls images from an in-process registry.
func TestRegistryImage(t *testing.T) {
	srv := httptest.NewServer(registry.New(registry.Logger(nilLogger())))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	tag := host + "/shop/api:1.0"
	img := debianImage(t)
	push(t, tag, img)
	digest, _ := img.Digest()

	out, _ := scanImages(t, Options{Images: []string{tag}})
	c := out.Containers[0]
	if c.Image != tag || c.Source != "registry" || c.Digest != digest.String() || c.User != "app" {
		t.Errorf("container = %+v", c)
	}
	if len(out.Vulnerabilities) != 1 || out.Vulnerabilities[0].ID != "CVE-2024-0727" || out.Vulnerabilities[0].Image != tag {
		t.Errorf("vulnerabilities = %s", dump(out.Vulnerabilities))
	}
}

func push(t testing.TB, ref string, img v1.Image) {
	t.Helper()
	r, err := name.ParseReference(ref)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(r, img); err != nil {
		t.Fatal(err)
	}
}

func TestUnreachableRegistryNamesTheImage(t *testing.T) {
	srv := httptest.NewServer(nil)
	u, _ := url.Parse(srv.URL)
	srv.Close() // nothing listens there any more
	ref := u.Host + "/shop/api:1.0"
	_, err := New(Options{Images: []string{ref}, DBDir: fixtureDB(t)}).Scan(context.Background(), engine.NewInput())
	if err == nil || !strings.Contains(err.Error(), ref) {
		t.Fatalf("err = %v, want an error naming %s", err, ref)
	}
}

func TestImageWithoutOS(t *testing.T) {
	tmp := t.TempDir()
	img := newImage(t, "65532", layer(t, files{"app/server": "\x7fELF not really"}))
	archive := filepath.Join(tmp, "scratch.tar")
	writeDockerArchive(t, archive, "registry.example.com/scratch:1", img)
	out, _ := scanImages(t, Options{Images: []string{archive}})
	c := out.Containers[0]
	if c.OS != (engine.OS{}) || c.Packages != 0 || c.User != "65532" || len(out.Vulnerabilities) != 0 {
		t.Errorf("container = %+v, vulnerabilities = %d", c, len(out.Vulnerabilities))
	}
}

func TestBadArchives(t *testing.T) {
	tmp := t.TempDir()
	good := filepath.Join(tmp, "good.tar")
	writeDockerArchive(t, good, "registry.example.com/shop:1.0", alpineImage(t))
	data, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(tmp, "truncated.tar")
	writeBytes(t, truncated, data[:len(data)/2])
	garbage := filepath.Join(tmp, "garbage.tar")
	writeBytes(t, garbage, []byte("this is not a tarball at all, just text\n"))
	evilLayout := filepath.Join(tmp, "evil-oci.tar")
	writeTar(t, evilLayout, files{"oci-layout": `{"imageLayoutVersion":"1.0.0"}`, "index.json": "{}", "../../escaped": "x"})

	cases := []struct{ name, path, want string }{
		{"truncated", truncated, "truncated.tar"},
		{"garbage", garbage, "garbage.tar"},
		{"missing", filepath.Join(tmp, "missing.tar"), "missing.tar"},
		{"layout escaping", evilLayout, "leaves the archive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := New(Options{Images: []string{c.path}, DBDir: fixtureDB(t)}).Scan(context.Background(), engine.NewInput())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(filepath.Dir(filepath.Dir(xos.TempDir())), "escaped")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("an archive entry escaped its directory")
	}
}

// TestLayerWithParentPaths scans an image whose layer has entries that
// climb out of the root: nothing is written outside trivy's own files.
func TestLayerWithParentPaths(t *testing.T) {
	tmp := t.TempDir()
	img := newImage(t, "app", layer(t, files{
		"etc/debian_version":  "12.5\n",
		"var/lib/dpkg/status": dpkgStatus,
		"../../../../tmp/relgate-escaped-" + filepath.Base(tmp): "x",
	}))
	archive := filepath.Join(tmp, "evil.tar")
	writeDockerArchive(t, archive, "registry.example.com/evil:1", img)
	out := engine.NewInput()
	_, err := New(Options{Images: []string{archive}, DBDir: fixtureDB(t)}).Scan(context.Background(), out)
	if err != nil && !strings.Contains(err.Error(), "evil.tar") {
		t.Fatalf("err = %v, want success or an error naming the image", err)
	}
	if _, err := os.Stat("/tmp/relgate-escaped-" + filepath.Base(tmp)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a layer entry was written outside the scan")
	}
}

func TestDatabaseProblemsFailClosed(t *testing.T) {
	tmp := t.TempDir()
	archive := filepath.Join(tmp, "shop.tar")
	writeDockerArchive(t, archive, "registry.example.com/shop:1.0", alpineImage(t))

	fixture := fixtureDB(t)
	copyDB := func(t *testing.T) string {
		root := t.TempDir()
		for _, f := range []string{"trivy.db", "metadata.json"} {
			data, err := os.ReadFile(filepath.Join(fixture, "db", f))
			if err != nil {
				t.Fatal(err)
			}
			writeBytes(t, filepath.Join(root, "db", f), data)
		}
		return root
	}
	cases := []struct {
		name  string
		setup func(t *testing.T) string
		want  string
	}{
		{"default directory empty", func(t *testing.T) string {
			t.Setenv("XDG_CACHE_HOME", t.TempDir())
			t.Setenv("HOME", t.TempDir())
			return ""
		}, "relgate db update"},
		{"missing", func(t *testing.T) string { return t.TempDir() }, "relgate db update"},
		{"no metadata", func(t *testing.T) string {
			root := copyDB(t)
			os.Remove(filepath.Join(root, "db", "metadata.json"))
			return root
		}, "metadata.json"},
		{"other schema", func(t *testing.T) string {
			root := copyDB(t)
			writeBytes(t, filepath.Join(root, "db", "metadata.json"), []byte(`{"Version": 1}`))
			return root
		}, "schema version 1"},
		{"corrupt", func(t *testing.T) string {
			root := copyDB(t)
			writeBytes(t, filepath.Join(root, "db", "trivy.db"), []byte(strings.Repeat("garbage!", 2048)))
			return root
		}, "corrupt database"},
		{"truncated", func(t *testing.T) string {
			root := copyDB(t)
			p := filepath.Join(root, "db", "trivy.db")
			data, _ := os.ReadFile(p)
			writeBytes(t, p, data[:len(data)/2])
			return root
		}, "corrupt database"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			root := c.setup(t)
			_, err := New(Options{Images: []string{archive}, DBDir: root}).Scan(context.Background(), engine.NewInput())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want one containing %q", err, c.want)
			}
			if root != "" && c.name != "missing" {
				if _, err := os.Stat(filepath.Join(root, "db", "trivy.db")); err != nil {
					t.Errorf("the database file was removed: %v", err)
				}
			}
		})
	}
}

func TestNoImagesSkips(t *testing.T) {
	run, err := New(Options{}).Scan(context.Background(), engine.NewInput())
	if err != nil || run.Status != engine.StatusSkipped {
		t.Fatalf("run %+v err %v, want skipped", run, err)
	}
}

func writeBytes(t testing.TB, path string, data []byte) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
}

func writeTar(t testing.TB, path string, entries files) {
	t.Helper()
	rc, err := layer(t, entries).Uncompressed() // a layer is just a tarball
	if err != nil {
		t.Fatal(err)
	}
	defer rc.Close()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.ReadFrom(rc); err != nil {
		t.Fatal(err)
	}
}
