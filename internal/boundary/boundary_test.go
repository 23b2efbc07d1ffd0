package boundary_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/relgate/relgate/internal/boundary"
)

func TestResolve(t *testing.T) {
	root := t.TempDir()
	outside := t.TempDir()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(root, "db", "migrations"), 0o755))
	must(os.Symlink(outside, filepath.Join(root, "elsewhere")))
	must(os.Symlink("/etc/passwd", filepath.Join(root, "passwd")))
	must(os.Symlink("db", filepath.Join(root, "inside-link")))
	cases := []struct {
		path    string
		outside bool
	}{
		{"db/migrations", false},
		{"inside-link/migrations", false},
		{"not/yet/there", false},
		{".", false},
		{"../../../outside", true},
		{"db/../../x", true},
		{"elsewhere", true},
		{"elsewhere/sub/dir", true},
		{"passwd", true},
		{outside, true},
		{filepath.Join(root, "db"), false},
	}
	for _, c := range cases {
		_, err := boundary.Resolve(root, c.path)
		if got := errors.Is(err, boundary.ErrOutside); got != c.outside {
			t.Errorf("Resolve(%q): %v, want outside=%v", c.path, err, c.outside)
		}
		if !c.outside && err != nil {
			t.Errorf("Resolve(%q): %v", c.path, err)
		}
	}
}
