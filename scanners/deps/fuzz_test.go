package deps

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzLockfileLines reads lockfile text the way the adapter does for lines
// and direct dependencies: whatever the text, no panic, and a line found
// is a line of the file.
func FuzzLockfileLines(f *testing.F) {
	filepath.WalkDir(filepath.Join("testdata", "repo"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(filepath.Base(p), string(data), "lodash", "4.17.20")
			}
		}
		return nil
	})
	f.Add("Cargo.lock", "[[package]]\nname = \"time\"\nversion = \"0.2.22\"\ndependencies = [\n \"libc 0.2.80 (registry+x)\",\n]\n", "time", "0.2.22")
	f.Fuzz(func(t *testing.T, name, text, pkg, version string) {
		lf := newLockfile("dir/"+name, []byte(text))
		line := lf.findLine(pkg, version)
		if line < 0 || line > strings.Count(text, "\n")+1 {
			t.Fatalf("line %d outside a %d-line file", line, strings.Count(text, "\n")+1)
		}
		lf.direct(pkg, line)
		lf.direct(pkg, line+1000)
	})
}

// FuzzValidateRecord decodes advisory records as downloaded from a server:
// no panic, and a record accepted has an id.
func FuzzValidateRecord(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("testdata", "osv", "*", "*.json"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"id":"X","modified":"2024-01-01T00:00:00Z","withdrawn":"2024-01-02T00:00:00Z"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		id, err := ValidateRecord(data)
		if err == nil && id == "" {
			t.Fatal("record accepted without an id")
		}
	})
}
