package main

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relgate/relgate/report"
)

const depsTestdata = "../../scanners/deps/testdata"

// osvExport stands in for osv.dev's export bucket, serving
// /<Ecosystem>/all.zip zipped from the deps scanner's fixture records.
func osvExport(t *testing.T) *httptest.Server {
	t.Helper()
	archives := map[string][]byte{}
	for _, eco := range []string{"npm", "Go", "PyPI", "crates.io"} {
		files, _ := filepath.Glob(filepath.Join(depsTestdata, "osv", eco, "*.json"))
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			w, _ := zw.Create(filepath.Base(f))
			w.Write(data)
		}
		zw.Close()
		archives["/"+eco+"/all.zip"] = buf.Bytes()
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, ok := archives[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Write(data)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// copyDir copies the fixture project so the test owns its files.
func copyDir(t *testing.T, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
	return dst
}

// The done-means: `db update` works against a local server, and
// `relgate check` on the fixtures finds exactly the expected advisories,
// with lockfile lines, in every report format.
func TestDBUpdateThenOfflineCheck(t *testing.T) {
	srv := osvExport(t)
	db := t.TempDir()
	code, out, errOut := cli(t, "db", "update", "--db-dir", db, "--url", srv.URL, "--ecosystems", "npm,Go,PyPI,crates.io")
	if code != exitPass {
		t.Fatalf("db update: exit %d\n%s%s", code, out, errOut)
	}
	for _, eco := range []string{"npm: 1 advisories", "Go: 2 advisories", "PyPI: 1 advisories", "crates.io: 1 advisories"} {
		if !strings.Contains(out, eco) {
			t.Errorf("db update output lacks %q:\n%s", eco, out)
		}
	}

	dir := copyDir(t, filepath.Join(depsTestdata, "repo"))
	code, out, errOut = cli(t, "check", "--offline", "--db-dir", db, "--scanners", "deps", "--env", "production", "-f", "json", dir)
	if code != exitFail {
		t.Fatalf("check: exit %d, want 1 (fail)\n%s%s", code, out, errOut)
	}
	d := decisionOf(t, out)
	var violations, warnings []string
	// Only the deps scanner ran; the release rules' view of a
	// directory without git is not what this test is about.
	for _, v := range d.Violations {
		if !strings.HasPrefix(v.Rule, "VUL") {
			continue
		}
		violations = append(violations, fmt.Sprintf("%s %s:%d", v.Rule, v.Location.Path, v.Location.StartLine))
	}
	for _, v := range d.Warnings {
		if !strings.HasPrefix(v.Rule, "VUL") {
			continue
		}
		warnings = append(warnings, fmt.Sprintf("%s %s:%d", v.Rule, v.Location.Path, v.Location.StartLine))
	}
	slices.Sort(violations)
	slices.Sort(warnings)
	// High with a fix fails production; medium warns below fail_on high;
	// the dev-only lodash warns.
	wantViolations := []string{"VUL001 svc/go.mod:5", "VUL001 web/package-lock.json:22", "VUL001 web/package-lock.json:26"}
	wantWarnings := []string{"VUL001 py/requirements.txt:3", "VUL001 rs/Cargo.lock:18", "VUL004 tools/package-lock.json:14"}
	if !slices.Equal(violations, wantViolations) || !slices.Equal(warnings, wantWarnings) {
		t.Errorf("violations %v\nwarnings %v\nwant %v\nand %v", violations, warnings, wantViolations, wantWarnings)
	}

	for _, format := range report.Formats() {
		t.Run(format, func(t *testing.T) {
			_, out, errOut := cli(t, "check", "--offline", "--db-dir", db, "--scanners", "deps", "--env", "production", "-f", format, dir)
			for _, want := range []string{"GHSA-35jh-r3h4-6jhm", "GO-2022-1059", "GHSA-j8r2-6x86-q33q", "RUSTSEC-2020-0071", "web/package-lock.json", "rs/Cargo.lock"} {
				if !strings.Contains(out, want) {
					t.Errorf("%s report lacks %q\n%s%s", format, want, out, errOut)
				}
			}
			// And the lockfile line of lodash 4.17.20, as each format writes it.
			line := map[string]string{
				"json": `"start_line": 26`, "sarif": `"startLine": 26`, "github": "file=web/package-lock.json,line=26",
			}[format]
			if line == "" {
				line = "web/package-lock.json:26"
			}
			if !strings.Contains(out, line) {
				t.Errorf("%s report lacks the lockfile line (%q)\n%s", format, line, out)
			}
		})
	}
}

// A project without lockfiles has no database to update: that is said on
// stdout and is exit 0, not a runtime error.
func TestDBUpdateNothingToUpdate(t *testing.T) {
	code, out, errOut := cli(t, "db", "update", "--db-dir", t.TempDir(), t.TempDir())
	if code != exitPass || !strings.Contains(out, "osv: nothing to update: no lockfiles in") {
		t.Errorf("exit %d, stdout %q, stderr %q; want 0 and a note", code, out, errOut)
	}
}

func TestDBUpdateFailures(t *testing.T) {
	srv := osvExport(t)
	code, _, errOut := cli(t, "db", "update", "--db-dir", t.TempDir(), "--url", srv.URL, "--ecosystems", "npm,NoSuchEcosystem")
	if code != exitRuntime || !strings.Contains(errOut, "NoSuchEcosystem") || !strings.Contains(errOut, "404") {
		t.Errorf("exit %d, stderr %q; want 3 naming the ecosystem and the 404", code, errOut)
	}
	// --offline without any database fails closed: the scanner errors and
	// production denies it.
	dir := copyDir(t, filepath.Join(depsTestdata, "repo", "py"))
	code, out, _ := cli(t, "check", "--offline", "--db-dir", filepath.Join(t.TempDir(), "none"), "--scanners", "deps", "--env", "production", "-f", "json", dir)
	if code != exitFail || !strings.Contains(out, "relgate db update") {
		t.Errorf("check without a database: exit %d\n%s", code, out)
	}
}
