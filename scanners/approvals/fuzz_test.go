package approvals

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzChangeRecord: any change record is read or refused with an error,
// never a panic, and every approver read has a name and a time.
func FuzzChangeRecord(f *testing.F) {
	data, err := os.ReadFile("testdata/change-record.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(data)
	f.Add([]byte("ticket: CHG-1\napprovers:\n  - name: a\n    at: 2026-11-20T10:00:00Z\n"))
	f.Add([]byte("approvers: {}\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "change.yaml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		rec, err := readChangeRecord(p)
		if err != nil {
			if !strings.Contains(err.Error(), p) {
				t.Fatalf("the error does not name the file: %v", err)
			}
			return
		}
		for _, a := range rec.Approvers {
			if a.Name == "" || a.At.IsZero() {
				t.Fatalf("approver without name or time: %+v", a)
			}
		}
	})
}

// FuzzCodeOwners: any CODEOWNERS line is compiled or skipped, and matching
// any path never panics.
func FuzzCodeOwners(f *testing.F) {
	f.Add(codeOwnersFile, "docs/a.md")
	f.Add("/build/logs/ @a\n**/x @b\n", "build/logs/x/y")
	f.Fuzz(func(t *testing.T, file, path string) {
		var co codeOwners
		for i, line := range strings.Split(file, "\n") {
			fields := strings.Fields(line)
			if len(fields) == 0 {
				continue
			}
			if globs, ok := ownerGlobs(fields[0]); ok {
				co = append(co, ownerRule{globs: globs, owners: fields[1:], line: i + 1})
			}
		}
		owners, line := co.owners(path)
		if line == 0 && len(owners) != 0 {
			t.Fatalf("owners %v without a line", owners)
		}
	})
}
