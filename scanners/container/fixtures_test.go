package container

import (
	"archive/tar"
	"bytes"
	"io"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	bolt "go.etcd.io/bbolt"

	trivydb "github.com/aquasecurity/trivy-db/pkg/db"
	"github.com/aquasecurity/trivy-db/pkg/metadata"
	dbtypes "github.com/aquasecurity/trivy-db/pkg/types"
)

// The fixture database holds real advisories for the packages in the test
// images: what trivy's database says about them, cut down to these packages.
var (
	dbUpdatedAt = time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)

	// CVE-2023-5678: OpenSSL's X9.42 DH key checks are very slow on
	// excessively long keys. Alpine 3.18 fixed it in openssl 3.1.4-r1.
	cve20235678Published = time.Date(2023, 11, 6, 16, 15, 42, 0, time.UTC)
	// CVE-2024-0727: a NULL dereference in OpenSSL's PKCS12 parsing.
	// Debian 12 fixed it in openssl 3.0.13-1~deb12u1 and rates it low.
	cve20240727Published = time.Date(2024, 1, 26, 9, 15, 7, 0, time.UTC)
	// CVE-2021-23337 (GHSA-35jh-r3h4-6jhm): command injection in lodash's
	// template, fixed in 4.17.21.
	cve202123337Published = time.Date(2021, 2, 15, 13, 15, 12, 0, time.UTC)
)

// writeDB writes trivy's database with the fixture advisories under
// root/db, in trivy's layout, using trivy-db's own Put API.
func writeDB(t testing.TB, root string) {
	t.Helper()
	dir := filepath.Join(root, "db")
	trivyMu.Lock() // trivy-db's handle is process-wide
	defer trivyMu.Unlock()
	if err := trivydb.Init(dir); err != nil {
		t.Fatal(err)
	}
	dbc := trivydb.Config{}
	err := dbc.BatchUpdate(func(tx *bolt.Tx) error {
		sources := map[string]dbtypes.DataSource{
			"alpine 3.18": {ID: "alpine", Name: "Alpine Secdb", URL: "https://secdb.alpinelinux.org/"},
			"debian 12":   {ID: "debian", Name: "Debian Security Tracker", URL: "https://salsa.debian.org/security-tracker-team/security-tracker"},
			"npm::GitHub Security Advisory npm": {ID: "ghsa", Name: "GitHub Security Advisory npm",
				URL: "https://github.com/advisories?query=type%3Areviewed+ecosystem%3Anpm"},
		}
		for bkt, src := range sources {
			if err := dbc.PutDataSource(tx, bkt, src); err != nil {
				return err
			}
		}
		advisories := []struct {
			bkt, pkg, id string
			adv          dbtypes.Advisory
		}{
			{"alpine 3.18", "openssl", "CVE-2023-5678", dbtypes.Advisory{FixedVersion: "3.1.4-r1"}},
			{"debian 12", "openssl", "CVE-2024-0727", dbtypes.Advisory{FixedVersion: "3.0.13-1~deb12u1"}},
			{"npm::GitHub Security Advisory npm", "lodash", "CVE-2021-23337", dbtypes.Advisory{
				VendorIDs:          []string{"GHSA-35jh-r3h4-6jhm"},
				PatchedVersions:    []string{"4.17.21"},
				VulnerableVersions: []string{"<4.17.21"},
			}},
		}
		for _, a := range advisories {
			if err := dbc.PutAdvisory(tx, []string{a.bkt, a.pkg}, a.id, a.adv); err != nil {
				return err
			}
		}
		vulns := map[string]dbtypes.Vulnerability{
			"CVE-2023-5678": {
				Title:          "openssl: Generating excessively long X9.42 DH keys or checking excessively long X9.42 DH keys or parameters may be very slow",
				Description:    "Issue summary: Generating excessively long X9.42 DH keys or checking\nexcessively long X9.42 DH keys or parameters may be very slow.",
				Severity:       "MEDIUM",
				VendorSeverity: dbtypes.VendorSeverity{"nvd": dbtypes.SeverityMedium},
				CVSS: dbtypes.VendorCVSS{
					"nvd": {V3Vector: "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L", V3Score: 5.3},
				},
				References:    []string{"https://www.openssl.org/news/secadv/20231106.txt"},
				PublishedDate: &cve20235678Published,
			},
			"CVE-2024-0727": {
				Title:          "openssl: denial of service via null dereference",
				Description:    "Issue summary: Processing a maliciously formatted PKCS12 file may lead OpenSSL\nto crash leading to a potential Denial of Service attack",
				Severity:       "MEDIUM",
				VendorSeverity: dbtypes.VendorSeverity{"nvd": dbtypes.SeverityMedium, "debian": dbtypes.SeverityLow},
				CVSS: dbtypes.VendorCVSS{
					"nvd": {V3Vector: "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H", V3Score: 5.5},
				},
				References:    []string{"https://www.openssl.org/news/secadv/20240125.txt"},
				PublishedDate: &cve20240727Published,
			},
			"CVE-2021-23337": {
				Title:          "nodejs-lodash: command injection via template",
				CweIDs:         []string{"CWE-94", "CWE-77"},
				Description:    "Lodash versions prior to 4.17.21 are vulnerable to Command Injection via the template function.",
				Severity:       "HIGH",
				VendorSeverity: dbtypes.VendorSeverity{"ghsa": dbtypes.SeverityHigh, "nvd": dbtypes.SeverityHigh},
				CVSS: dbtypes.VendorCVSS{
					"ghsa": {V3Vector: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", V3Score: 7.2},
					"nvd":  {V3Vector: "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H", V3Score: 7.2, V2Vector: "AV:N/AC:L/Au:S/C:P/I:P/A:P", V2Score: 6.5},
				},
				References:    []string{"https://github.com/advisories/GHSA-35jh-r3h4-6jhm"},
				PublishedDate: &cve202123337Published,
			},
		}
		for id, v := range vulns {
			if err := dbc.PutVulnerability(tx, id, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := trivydb.Close(); err != nil {
		t.Fatal(err)
	}
	meta := metadata.Metadata{
		Version:      trivydb.SchemaVersion,
		UpdatedAt:    dbUpdatedAt,
		NextUpdate:   dbUpdatedAt.Add(24 * time.Hour),
		DownloadedAt: dbUpdatedAt.Add(time.Hour),
	}
	if err := metadata.NewClient(dir).Update(meta); err != nil {
		t.Fatal(err)
	}
}

// files is a layer's content: path → file body. Directories are implied.
type files map[string]string

// layer builds an uncompressed image layer from files.
func layer(t testing.TB, fs files) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	names := make([]string, 0, len(fs))
	for n := range fs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		body := fs[n]
		hdr := &tar.Header{Name: n, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg, ModTime: time.Unix(0, 0)}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if _, err := io.WriteString(tw, body); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	l, err := tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(data)), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// newImage builds a linux/amd64 image from layers, run by user.
func newImage(t testing.TB, user string, layers ...v1.Layer) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		t.Fatal(err)
	}
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cf = cf.DeepCopy()
	cf.Architecture, cf.OS = "amd64", "linux"
	cf.Created = v1.Time{Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	cf.Config.User = user
	cf.Config.Cmd = []string{"/app/server"}
	for range layers {
		cf.History = append(cf.History, v1.History{CreatedBy: "COPY . /", Created: cf.Created})
	}
	img, err = mutate.ConfigFile(img, cf)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

const alpineInstalled = `C:Q1fakechecksummusl=
P:musl
V:1.2.4-r2
A:x86_64
S:383152
I:622592
T:the musl c library (libc) implementation
U:https://musl.libc.org/
L:MIT
o:musl
m:Timo Teräs <timo.teras@iki.fi>
t:1695238224
F:lib
R:ld-musl-x86_64.so.1

C:Q1fakechecksumcrypto=
P:libcrypto3
V:3.1.4-r0
A:x86_64
S:1708987
I:4403200
T:Crypto library from openssl
U:https://www.openssl.org/
L:Apache-2.0
o:openssl
m:Ariadne Conill <ariadne@dereferenced.org>
t:1698156516
D:so:libc.musl-x86_64.so.1
F:lib
R:libcrypto.so.3

C:Q1fakechecksumssl=
P:libssl3
V:3.1.4-r0
A:x86_64
S:363393
I:606208
T:SSL shared libraries
U:https://www.openssl.org/
L:Apache-2.0
o:openssl
m:Ariadne Conill <ariadne@dereferenced.org>
t:1698156516
D:so:libc.musl-x86_64.so.1 so:libcrypto.so.3
F:lib
R:libssl.so.3

`

const alpineOSRelease = `NAME="Alpine Linux"
ID=alpine
VERSION_ID=3.18.4
PRETTY_NAME="Alpine Linux v3.18"
HOME_URL="https://alpinelinux.org/"
BUG_REPORT_URL="https://gitlab.alpinelinux.org/alpine/aports/-/issues"
`

const packageLock = `{
  "name": "shop",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "shop",
      "version": "1.0.0",
      "dependencies": {
        "lodash": "4.17.20"
      }
    },
    "node_modules/lodash": {
      "version": "4.17.20",
      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.20.tgz",
      "integrity": "sha512-PlhdFcillOINfeV7Ni6oF1TAEayyZBoZ8bcshTHqOYJYlrqzRK5hagpagky5o4HfCzzd1TRkXPMFq6cKk9rGmA=="
    }
  }
}
`

// alpineImage is an Alpine 3.18 image (end of life) with openssl 3.1.4-r0
// and a Node application with lodash 4.17.20 locked and installed, run as
// root. As trivy image does, the scan reads the installed package, not the
// lockfile, so lodash is reported once.
func alpineImage(t testing.TB) v1.Image {
	return newImage(t, "",
		layer(t, files{
			"etc/alpine-release":   "3.18.4\n",
			"etc/os-release":       alpineOSRelease,
			"lib/apk/db/installed": alpineInstalled,
		}),
		layer(t, files{
			"app/package.json":      `{"name": "shop", "version": "1.0.0", "dependencies": {"lodash": "4.17.20"}}`,
			"app/package-lock.json": packageLock,
			"app/node_modules/lodash/package.json": `{"name": "lodash", "version": "4.17.20", "license": "MIT",
  "description": "Lodash modular utilities.", "main": "lodash.js"}`,
		}),
	)
}

const dpkgStatus = `Package: base-files
Essential: yes
Status: install ok installed
Priority: required
Section: admin
Installed-Size: 340
Maintainer: Santiago Vila <sanvila@debian.org>
Architecture: amd64
Multi-Arch: foreign
Version: 12.4+deb12u5
Description: Debian base system miscellaneous files

Package: libssl3
Status: install ok installed
Priority: optional
Section: libs
Installed-Size: 6165
Maintainer: Debian OpenSSL Team <pkg-openssl-devel@alioth-lists.debian.net>
Architecture: amd64
Multi-Arch: same
Source: openssl
Version: 3.0.11-1~deb12u2
Depends: libc6 (>= 2.34)
Description: Secure Sockets Layer toolkit - shared libraries

`

const debianOSRelease = `PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
NAME="Debian GNU/Linux"
VERSION_ID="12"
VERSION="12 (bookworm)"
VERSION_CODENAME=bookworm
ID=debian
`

// debianImage is a Debian 12 image with openssl 3.0.11-1~deb12u2, run as
// an unprivileged user.
func debianImage(t testing.TB) v1.Image {
	return newImage(t, "app",
		layer(t, files{
			"etc/debian_version":   "12.5\n",
			"etc/os-release":       debianOSRelease,
			"var/lib/dpkg/status":  dpkgStatus,
			"usr/lib/os-release":   debianOSRelease,
			"etc/apt/sources.list": "deb http://deb.debian.org/debian bookworm main\n",
		}),
	)
}

// writeDockerArchive writes img as `docker save` does, tagged tag.
func writeDockerArchive(t testing.TB, path, tag string, img v1.Image) {
	t.Helper()
	ref, err := name.NewTag(tag)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := tarball.WriteToFile(path, ref, img); err != nil {
		t.Fatal(err)
	}
}

// writeOCILayout writes img as an OCI image layout directory.
func writeOCILayout(t testing.TB, dir string, img v1.Image) {
	t.Helper()
	p, err := layout.Write(dir, empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.AppendImage(img); err != nil {
		t.Fatal(err)
	}
}

// tarDir packs dir into a tarball at path, entries relative to dir.
func tarDir(t testing.TB, dir, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	err = filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err != nil || p == dir {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		hdr, err := tar.FileInfoHeader(fi, "")
		if err != nil {
			return err
		}
		hdr.Name = filepath.ToSlash(rel)
		if err := tw.WriteHeader(hdr); err != nil {
			return err
		}
		if fi.IsDir() {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = tw.Write(data)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
}
