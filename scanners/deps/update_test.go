package deps

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// zipRecords zips the JSON records of one fixture ecosystem, as osv.dev
// exports them.
func zipRecords(t testing.TB, eco string, edit func(name string, data []byte) []byte) []byte {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join("testdata", "osv", eco, "*.json"))
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			data = edit(filepath.Base(f), data)
		}
		w, err := zw.Create(filepath.Base(f))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// exportServer stands in for osv.dev's export bucket: it serves
// /<Ecosystem>/all.zip from the fixture records, with the headers Google
// Cloud Storage sends, unless a test swaps in a broken response.
type exportServer struct {
	*httptest.Server
	mu       sync.Mutex
	archives map[string][]byte
	broken   map[string]func(w http.ResponseWriter)
	requests []string
}

var exportTime = time.Date(2026, 11, 20, 6, 0, 0, 0, time.UTC)

func newExportServer(t testing.TB) *exportServer {
	s := &exportServer{archives: map[string][]byte{}, broken: map[string]func(http.ResponseWriter){}}
	for _, eco := range []string{"npm", "Go", "PyPI", "crates.io"} {
		s.archives[eco] = zipRecords(t, eco, nil)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.requests = append(s.requests, r.URL.Path)
		eco, ok := strings.CutSuffix(strings.TrimPrefix(r.URL.Path, "/"), "/all.zip")
		if fail := s.broken[eco]; ok && fail != nil {
			fail(w)
			return
		}
		data, found := s.archives[eco]
		if !ok || !found {
			http.NotFound(w, r)
			return
		}
		sum := make([]byte, 4)
		binary.BigEndian.PutUint32(sum, crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
		w.Header().Set("X-Goog-Hash", "crc32c="+base64.StdEncoding.EncodeToString(sum)+",md5=irrelevant==")
		w.Header().Set("Last-Modified", exportTime.Format(http.TimeFormat))
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *exportServer) breakEcosystem(eco string, fail func(w http.ResponseWriter)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.broken[eco] = fail
}

var updateNow = func() time.Time { return time.Date(2026, 11, 21, 0, 0, 0, 0, time.UTC) }

func TestUpdateDBThenScan(t *testing.T) {
	srv := newExportServer(t)
	db := t.TempDir()
	got, err := UpdateDB(context.Background(), UpdateOptions{Dir: db, BaseURL: srv.URL, Ecosystems: []string{"npm", "Go", "PyPI", "crates.io"}, Now: updateNow})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	var names []string
	for _, u := range got {
		names = append(names, u.Ecosystem)
		if u.Records == 0 || len(u.Invalid) != 0 || !u.UpdatedAt.Equal(exportTime) {
			t.Errorf("%s: %d records, invalid %v, updated %v (want the server's Last-Modified)", u.Ecosystem, u.Records, u.Invalid, u.UpdatedAt)
		}
	}
	if !slices.Equal(names, []string{"Go", "PyPI", "crates.io", "npm"}) {
		t.Errorf("updated %v", names)
	}
	in, run, err := scan(t, Options{Dir: filepath.Join("testdata", "repo"), Offline: true, DBDir: db})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(summaries(in), wantFixture) {
		t.Errorf("facts after update:\n%s", strings.Join(summaries(in), "\n"))
	}
	if run.DBUpdatedAt == nil || !run.DBUpdatedAt.Equal(exportTime) {
		t.Errorf("db_updated_at = %v, want %v", run.DBUpdatedAt, exportTime)
	}
}

// With no ecosystems named, those of the project's lockfiles are fetched.
func TestUpdateDBTakesEcosystemsFromProject(t *testing.T) {
	srv := newExportServer(t)
	dir := t.TempDir()
	copyTree(t, filepath.Join("testdata", "repo", "py"), filepath.Join(dir, "py"))
	copyTree(t, filepath.Join("testdata", "repo", "rs"), filepath.Join(dir, "rs"))
	got, err := UpdateDB(context.Background(), UpdateOptions{Dir: t.TempDir(), BaseURL: srv.URL, Project: dir, Now: updateNow})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, u := range got {
		names = append(names, u.Ecosystem)
	}
	if !slices.Equal(names, []string{"PyPI", "crates.io"}) {
		t.Errorf("updated %v, want PyPI and crates.io", names)
	}
}

// A failed download never replaces the database in place: a 404, a 500, a
// body cut short, a checksum mismatch and an archive that is not a zip all
// leave the old one, and the scan still works with it.
func TestUpdateDBFailuresKeepOldDatabase(t *testing.T) {
	cases := []struct {
		name string
		fail func(w http.ResponseWriter)
		want string
	}{
		{"404", func(w http.ResponseWriter) { http.Error(w, "no such object", http.StatusNotFound) }, "404"},
		{"500", func(w http.ResponseWriter) { http.Error(w, "backend error", http.StatusInternalServerError) }, "500"},
		{"truncated body", func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "100000")
			w.Write([]byte("PK\x03\x04 only the start"))
		}, "download"},
		{"checksum mismatch", func(w http.ResponseWriter) {
			w.Header().Set("X-Goog-Hash", "crc32c=AAAAAA==")
			w.Write(zipRecords(t, "npm", nil))
		}, "checksum mismatch"},
		{"not a zip", func(w http.ResponseWriter) { w.Write([]byte("<html>maintenance</html>")) }, "not a valid zip"},
		{"empty zip", func(w http.ResponseWriter) {
			var buf bytes.Buffer
			zip.NewWriter(&buf).Close()
			w.Write(buf.Bytes())
		}, "no OSV records"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newExportServer(t)
			db := t.TempDir()
			opts := UpdateOptions{Dir: db, BaseURL: srv.URL, Ecosystems: []string{"npm", "Go", "PyPI", "crates.io"}, Now: updateNow, Retry: fastRetry}
			if _, err := UpdateDB(context.Background(), opts); err != nil {
				t.Fatal(err)
			}
			before, _ := os.ReadFile(ArchivePath(db, "npm"))
			srv.breakEcosystem("npm", tc.fail)
			got, err := UpdateDB(context.Background(), opts)
			if err == nil || !strings.Contains(err.Error(), "update npm database") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want a failed npm update mentioning %q", err, tc.want)
			}
			if len(got) != 3 {
				t.Errorf("%d ecosystems updated, want the other 3", len(got))
			}
			after, _ := os.ReadFile(ArchivePath(db, "npm"))
			if !bytes.Equal(before, after) {
				t.Error("the npm database changed after a failed update")
			}
			leftovers, _ := filepath.Glob(filepath.Join(db, "osv-scalibr", "npm", ".*"))
			if len(leftovers) != 0 {
				t.Errorf("temporary files left behind: %v", leftovers)
			}
			if in, _, err := scan(t, Options{Dir: filepath.Join("testdata", "repo"), Offline: true, DBDir: db}); err != nil || len(in.Vulnerabilities) != len(wantFixture) {
				t.Errorf("scan with the old database: %d facts, err %v", len(in.Vulnerabilities), err)
			}
		})
	}
}

// Records osv-scanner would silently drop are reported by the update and
// by every scan that uses the database; that is the only trace of the
// advisories that go missing.
func TestUpdateDBReportsRecordsOSVScannerDrops(t *testing.T) {
	srv := newExportServer(t)
	srv.archives["npm"] = zipRecords(t, "npm", func(_ string, data []byte) []byte {
		return []byte(strings.Replace(string(data), `"summary":`, `"exploited": true, "summary":`, 1))
	})
	db := t.TempDir()
	got, err := UpdateDB(context.Background(), UpdateOptions{Dir: db, BaseURL: srv.URL, Ecosystems: []string{"npm", "Go", "PyPI", "crates.io"}, Now: updateNow})
	if err != nil {
		t.Fatal(err)
	}
	var npm EcosystemUpdate
	for _, u := range got {
		if u.Ecosystem == "npm" {
			npm = u
		}
	}
	if len(npm.Invalid) != 1 || npm.Invalid[0].ID != "GHSA-35jh-r3h4-6jhm" || !strings.Contains(npm.Invalid[0].Error, "exploited") {
		t.Fatalf("invalid = %+v, want GHSA-35jh-r3h4-6jhm for its unknown field", npm.Invalid)
	}
	in, run, err := scan(t, Options{Dir: filepath.Join("testdata", "repo"), Offline: true, DBDir: db})
	if err != nil {
		t.Fatal(err)
	}
	// osv-scanner really does drop it: no lodash finding is left...
	for _, v := range in.Vulnerabilities {
		if v.Package.Name == "lodash" {
			t.Errorf("lodash still found; the fixture no longer shows the trap")
		}
	}
	// ...and the run record says so.
	if run.Stats["db_invalid_records"] != 1 {
		t.Errorf("stats = %v, want db_invalid_records 1", run.Stats)
	}
}

func TestUpdateDBRejectsUnsafeEcosystemNames(t *testing.T) {
	srv := newExportServer(t)
	db := t.TempDir()
	for _, eco := range []string{"../etc", "a/b", "..", "x?y"} {
		_, err := UpdateDB(context.Background(), UpdateOptions{Dir: db, BaseURL: srv.URL, Ecosystems: []string{eco}})
		if err == nil || !strings.Contains(err.Error(), "invalid ecosystem name") {
			t.Errorf("%q: err = %v", eco, err)
		}
	}
	if len(srv.requests) != 0 {
		t.Errorf("requests made: %v", srv.requests)
	}
}
