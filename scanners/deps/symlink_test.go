package deps

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestSymlinkOutsideTheRootIsNotRead: a lockfile and a directory of the
// project that are symbolic links out of it, to a lockfile pinning a
// vulnerable lodash, are not read: no vulnerability, no lockfile and no
// error names them, and the project's own lockfiles are scanned as ever.
func TestSymlinkOutsideTheRootIsNotRead(t *testing.T) {
	outside := copyTree(t, filepath.Join("testdata", "repo", "web"), "")
	dir := copyTree(t, filepath.Join("testdata", "repo"), "")
	for link, target := range map[string]string{
		filepath.Join("evil", "package-lock.json"): filepath.Join(outside, "package-lock.json"),
		"linked": outside,
	} {
		p := filepath.Join(dir, link)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	in, run, err := scan(t, Options{Dir: dir, Offline: true, DBDir: fixtureDB(t)})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if got := summaries(in); !slices.Equal(got, wantFixture) {
		t.Errorf("facts:\n%s\nwant the project's own, none from the links", strings.Join(got, "\n"))
	}
	if len(run.Errors) != 0 || run.Stats["lockfiles"] != 9 {
		t.Errorf("errors %v stats %v, want none and the project's 9 lockfiles", run.Errors, run.Stats)
	}
}
