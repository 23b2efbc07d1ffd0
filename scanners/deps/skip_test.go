package deps

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/internal/skip"
)

// TestSkipPaths: a --skip-dirs directory is not walked (its broken
// lockfile is not even read), --skip-files lockfiles are not judged and
// are counted; the rest is scanned as before.
func TestSkipPaths(t *testing.T) {
	src := filepath.Join("testdata", "repo")
	dir := copyTree(t, src, "")
	copyTree(t, filepath.Join(src, "rs"), filepath.Join(dir, "services", "a", "fixtures"))
	write(t, filepath.Join(dir, "services", "a", "fixtures", "package-lock.json"), "{ not json")
	db := fixtureDB(t)

	in, run, err := scan(t, Options{Dir: dir, Offline: true, DBDir: db})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Errors) == 0 {
		t.Fatal("the broken fixture lockfile must be an error without skips")
	}
	before := len(in.Vulnerabilities)

	sp, err := skip.New([]string{"services/*/fixtures"}, []string{"**/requirements.txt"})
	if err != nil {
		t.Fatal(err)
	}
	in, run, err = scan(t, Options{Dir: dir, Offline: true, DBDir: db, Skip: sp})
	if err != nil {
		t.Fatal(err)
	}
	if len(run.Errors) != 0 {
		t.Errorf("a skipped directory was read: %+v", run.Errors)
	}
	for _, v := range in.Vulnerabilities {
		if strings.HasPrefix(v.Location.Path, "services/") || strings.HasSuffix(v.Location.Path, "requirements.txt") {
			t.Errorf("skipped path judged: %s", v.Location.Path)
		}
	}
	// One Cargo.lock and one requirements.txt finding fewer.
	if len(in.Vulnerabilities) != before-2 {
		t.Errorf("%d vulnerabilities with skips, want %d", len(in.Vulnerabilities), before-2)
	}
	// The directory is pruned in the walk; the file is dropped after it.
	if got := run.Stats["skipped_lockfiles"]; got != 1 {
		t.Errorf("skipped_lockfiles %d, want 1", got)
	}
}
