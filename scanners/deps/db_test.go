package deps

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The trap: osv-scanner drops every result, with no error, when one
// ecosystem's database is missing. The scanner must fail and name it.
func TestMissingEcosystemDatabaseFailsLoudly(t *testing.T) {
	db := fixtureDB(t)
	if err := os.RemoveAll(filepath.Join(db, "osv-scalibr", "PyPI")); err != nil {
		t.Fatal(err)
	}
	in, run, err := scan(t, Options{Dir: filepath.Join("testdata", "repo"), Offline: true, DBDir: db})
	if err == nil {
		t.Fatalf("scan passed with %d facts and status %q; want an error naming PyPI", len(in.Vulnerabilities), run.Status)
	}
	if !strings.Contains(err.Error(), "no offline database for PyPI") || !strings.Contains(err.Error(), "--ecosystems PyPI") {
		t.Errorf("err = %v, want it to name PyPI and the fix", err)
	}
}

// Same for an archive that is corrupt or truncated, whether relgate
// downloaded it (checked against its manifest) or something else did
// (checked by opening it).
func TestCorruptDatabaseFailsLoudly(t *testing.T) {
	cases := []struct {
		name     string
		manifest bool
		damage   func(data []byte) []byte
		want     string
	}{
		{"truncated, with manifest", true, func(d []byte) []byte { return d[:len(d)/2] }, "bytes, but"},
		{"bit flipped, with manifest", true, func(d []byte) []byte { d[len(d)/2] ^= 0xff; return d }, "changed since it was validated"},
		{"truncated, without manifest", false, func(d []byte) []byte { return d[:len(d)/2] }, "corrupt archive"},
		{"garbage, without manifest", false, func([]byte) []byte { return []byte("<html>503 Service Unavailable</html>") }, "corrupt archive"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			db := fixtureDB(t)
			zipPath := ArchivePath(db, "npm")
			data, err := os.ReadFile(zipPath)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(zipPath, tc.damage(data), 0o644); err != nil {
				t.Fatal(err)
			}
			if !tc.manifest {
				os.Remove(filepath.Join(db, "osv-scalibr", "npm", manifestName))
			}
			_, _, err = scan(t, Options{Dir: filepath.Join("testdata", "repo"), Offline: true, DBDir: db})
			if err == nil || !strings.Contains(err.Error(), "npm") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want an error naming npm with %q", err, tc.want)
			}
		})
	}
}

// A database osv-scanner itself downloaded (no relgate manifest) is used,
// with the archive's file time as its age.
func TestDatabaseWithoutManifest(t *testing.T) {
	db := fixtureDB(t)
	for _, eco := range []string{"npm", "Go", "PyPI", "crates.io"} {
		os.Remove(filepath.Join(db, "osv-scalibr", eco, manifestName))
	}
	in, run, err := scan(t, Options{Dir: filepath.Join("testdata", "repo"), Offline: true, DBDir: db})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Vulnerabilities) != len(wantFixture) || run.DBUpdatedAt == nil {
		t.Errorf("got %d facts, db_updated_at %v", len(in.Vulnerabilities), run.DBUpdatedAt)
	}
}

// The second trap: osv-scanner's strict parser silently drops a record
// with a field it does not know. Building a database from such a record
// is an error naming it.
func TestBuildDBRejectsUnknownFields(t *testing.T) {
	src := copyTree(t, filepath.Join("testdata", "osv"), "")
	path := filepath.Join(src, "npm", "GHSA-35jh-r3h4-6jhm.json")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), `"summary":`, `"exploited": true, "summary":`, 1))
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	err = BuildDB(src, t.TempDir(), dbTime)
	if err == nil || !strings.Contains(err.Error(), "GHSA-35jh-r3h4-6jhm.json") || !strings.Contains(err.Error(), "exploited") {
		t.Fatalf("err = %v, want it to name the record and the unknown field", err)
	}
}

func TestValidateRecord(t *testing.T) {
	cases := []struct {
		name, record, wantID, wantErr string
	}{
		{"valid", `{"id":"X-1","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"}}]}`, "X-1", ""},
		{"unknown field", `{"id":"X-2","modified":"2024-01-01T00:00:00Z","cvss":"9.8","affected":[{"package":{"ecosystem":"npm","name":"a"}}]}`, "X-2", "cvss"},
		{"no id", `{"modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"}}]}`, "", "no id"},
		{"no modified", `{"id":"X-3","affected":[{"package":{"ecosystem":"npm","name":"a"}}]}`, "X-3", "modified"},
		{"no affected", `{"id":"X-4","modified":"2024-01-01T00:00:00Z"}`, "X-4", "affected"},
		{"withdrawn without affected", `{"id":"X-5","modified":"2024-01-01T00:00:00Z","withdrawn":"2024-02-01T00:00:00Z"}`, "X-5", ""},
		{"wrong type", `{"id":"X-6","modified":"yesterday","affected":[]}`, "", "decode record"},
		{"not json", `<html>`, "", "decode record"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			id, err := ValidateRecord([]byte(tc.record))
			if id != tc.wantID {
				t.Errorf("id = %q, want %q", id, tc.wantID)
			}
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)):
				t.Errorf("err = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
