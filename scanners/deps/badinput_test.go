package deps

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

func errorPaths(run engine.ScannerRun) []string {
	var out []string
	for _, e := range run.Errors {
		out = append(out, e.Path)
	}
	return out
}

// A malformed lockfile is a fact about that file; every other lockfile is
// still scanned and nothing else is lost.
func TestMalformedLockfilesAreFileErrors(t *testing.T) {
	dir := copyTree(t, filepath.Join("testdata", "repo"), "")
	write(t, filepath.Join(dir, "admin", "package-lock.json"), `{"packages": {`)
	write(t, filepath.Join(dir, "broken", "package-lock.json"), `{"lockfileVersion": 3, "packages": [}`)
	write(t, filepath.Join(dir, "rs-fixed", "Cargo.lock"), "[[package]\nname = \"time\"\n")
	in, run, err := scan(t, Options{Dir: dir, Offline: true, DBDir: fixtureDB(t)})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if got := summaries(in); !slices.Equal(got, wantFixture) {
		t.Errorf("facts:\n%s\nwant every vulnerable package still found", strings.Join(got, "\n"))
	}
	want := []string{"admin/package-lock.json", "broken/package-lock.json", "rs-fixed/Cargo.lock"}
	if got := errorPaths(run); !slices.Equal(got, want) {
		t.Errorf("file errors %v, want %v", got, want)
	}
	for _, e := range run.Errors {
		if e.Message == "" || strings.Contains(e.Message, dir) {
			t.Errorf("%s: message %q should say what is wrong without the absolute path", e.Path, e.Message)
		}
	}
	if run.Status != "" {
		t.Errorf("status %q, want ok: the rest of the scan stands", run.Status)
	}
}

// A project whose only lockfile is broken has something to scan: it is
// not skipped, and the error is there for policy.
func TestOnlyMalformedLockfileIsNotSkipped(t *testing.T) {
	dir := t.TempDir()
	write(t, filepath.Join(dir, "package-lock.json"), `{"packages": `)
	in, run, err := scan(t, Options{Dir: dir, Offline: true, DBDir: fixtureDB(t)})
	if err != nil {
		t.Fatal(err)
	}
	if run.Status == engine.StatusSkipped || !slices.Equal(errorPaths(run), []string{"package-lock.json"}) || len(in.Vulnerabilities) != 0 {
		t.Errorf("status %q errors %v facts %d", run.Status, run.Errors, len(in.Vulnerabilities))
	}
}

// An invalid osv-scanner.toml means its ignores were not applied: the
// scan goes on (reporting more, never less) and the file is named.
func TestInvalidOSVScannerConfigIsFileError(t *testing.T) {
	dir := copyTree(t, filepath.Join("testdata", "repo"), "")
	write(t, filepath.Join(dir, "py", "osv-scanner.toml"), "[[IgnoredVulns]\nid = \n")
	in, run, err := scan(t, Options{Dir: dir, Offline: true, DBDir: fixtureDB(t)})
	if err != nil {
		t.Fatal(err)
	}
	if len(in.Vulnerabilities) != len(wantFixture) || !slices.Equal(errorPaths(run), []string{"py/osv-scanner.toml"}) {
		t.Errorf("%d facts, errors %v", len(in.Vulnerabilities), run.Errors)
	}
}

func TestParseExtractionError(t *testing.T) {
	cases := []struct {
		msg   string
		want  []fileError
		fatal bool
	}{
		{"Error during extraction: (extracting as javascript/packagelockjson) srv/app/package-lock.json: could not extract: unexpected EOF",
			[]fileError{{"/srv/app/package-lock.json", "could not extract: unexpected EOF"}}, false},
		{"Error during extraction: (extracting as rust/cargolock) \n\ta/Cargo.lock: bad toml\n\tb/Cargo.lock: bad: very",
			[]fileError{{"/a/Cargo.lock", "bad toml"}, {"/b/Cargo.lock", "bad: very"}}, false},
		{"Error during extraction: (extracting as vulnmatch/osvlocal) unable to fetch OSV database: no offline version", nil, true},
		{"Error during extraction: (extracting as go/gomod) walk failed", nil, true},
		{"could not load db for PyPI ecosystem: unable to fetch OSV database", nil, true},
	}
	for _, tc := range cases {
		files, _, fatal := logFacts([]logRecord{{err: true, msg: tc.msg}})
		if !slices.Equal(files, tc.want) || (len(fatal) > 0) != tc.fatal {
			t.Errorf("%q: files %v fatal %v", tc.msg, files, fatal)
		}
	}
}

// An error an extractor logs without naming its file belongs to the file
// osv-scanner next logs as scanned; one logged outside the walk, or after
// its last file, belongs to no file and fails the scan.
func TestUnnamedExtractorErrorsGoToTheirFile(t *testing.T) {
	records := []logRecord{
		{err: true, msg: "could not load something before the walk"},
		{msg: "Starting filesystem walk for root: /"},
		{msg: "Scanned /r/a/go.mod file and found 3 packages"},
		{err: true, msg: "Invalid spec line: rails"},
		{err: true, msg: "Invalid spec line: rack"},
		{msg: "Scanned /r/b/Gemfile.lock file and found 1 package"},
		{msg: "Scanned /r/c/Cargo.lock file and found 0 packages"},
		{err: true, msg: "fserr (non-permission error): readdirent /r/d: input/output error"},
		{err: true, msg: "dangling"},
		{msg: "End status: 9 dirs visited, 12 inodes visited, 3 Extract calls, 1ms elapsed, 1ms wall time"},
		{err: true, msg: "could not load db for PyPI ecosystem"},
	}
	files, claimed, fatal := logFacts(records)
	wantFiles := []fileError{{"/r/b/Gemfile.lock", "Invalid spec line: rails"}, {"/r/b/Gemfile.lock", "Invalid spec line: rack"}}
	if !slices.Equal(files, wantFiles) {
		t.Errorf("files %v, want %v", files, wantFiles)
	}
	wantClaimed := []claimedFile{{"/r/a/go.mod", 3}, {"/r/b/Gemfile.lock", 1}, {"/r/c/Cargo.lock", 0}}
	if !slices.Equal(claimed, wantClaimed) {
		t.Errorf("claimed %v, want %v", claimed, wantClaimed)
	}
	wantFatal := []string{"could not load something before the walk", "fserr (non-permission error): readdirent /r/d: input/output error", "dangling", "could not load db for PyPI ecosystem"}
	if !slices.Equal(fatal, wantFatal) {
		t.Errorf("fatal %q, want %q", fatal, wantFatal)
	}
}
