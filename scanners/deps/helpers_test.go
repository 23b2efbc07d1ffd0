package deps

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
)

// dbTime is when the fixture databases claim to have been exported.
var dbTime = time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)

// fixtureDB builds the offline database of testdata/osv into a fresh
// directory: the real advisories, written in the OSV schema, zipped into
// osv-scanner's layout.
func fixtureDB(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	if err := BuildDB(filepath.Join("testdata", "osv"), dir, dbTime); err != nil {
		t.Fatalf("build fixture database: %v", err)
	}
	return dir
}

// copyTree copies src into a fresh temporary directory (or into dst when
// given) and returns it.
func copyTree(t testing.TB, src, dst string) string {
	t.Helper()
	if dst == "" {
		dst = t.TempDir()
	}
	err := filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
	return dst
}

// scan runs the scanner and returns its facts and run record.
func scan(t testing.TB, opts Options) (*engine.Input, engine.ScannerRun, error) {
	t.Helper()
	in := engine.NewInput()
	run, err := New(opts).Scan(context.Background(), in)
	return in, run, err
}

func write(t testing.TB, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
