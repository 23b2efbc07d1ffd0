package pathglob

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestExpand(t *testing.T) {
	dir := t.TempDir()
	for _, f := range []string{"a/x.xml", "a/b/y.xml", "z.txt"} {
		p := filepath.Join(dir, filepath.FromSlash(f))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	noMatch := func(p string) error { return errors.New("no match: " + p) }
	got, err := Expand(dir, []string{"a/**/*.xml", "a/x.xml", filepath.Join(dir, "z.txt")}, "test", noMatch)
	if err != nil {
		t.Fatal(err)
	}
	want := []File{
		{filepath.Join(dir, "a", "b", "y.xml"), "a/b/y.xml"},
		{filepath.Join(dir, "a", "x.xml"), "a/x.xml"},
		{filepath.Join(dir, "z.txt"), "z.txt"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Expand = %+v, want %+v", got, want)
	}
	if _, err := Expand(dir, []string{"none/*.xml"}, "test", noMatch); err == nil || err.Error() != "no match: none/*.xml" {
		t.Errorf("no match: err = %v", err)
	}
	if got := Rel(dir, "/elsewhere/f"); got != "/elsewhere/f" {
		t.Errorf("Rel outside = %q", got)
	}
}

// TestExpandRefusesLinksOut: a file a relative pattern matches that is a
// symbolic link out of the project is an error naming it (not the target);
// a link that stays inside is matched like any file.
func TestExpandRefusesLinksOut(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	for _, f := range []string{filepath.Join(dir, "real.xml"), filepath.Join(outside, "old.xml")} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("real.xml", filepath.Join(dir, "inside.xml")); err != nil {
		t.Fatal(err)
	}
	noMatch := func(p string) error { return errors.New("no match: " + p) }
	got, err := Expand(dir, []string{"*.xml"}, "junit", noMatch)
	if err != nil || len(got) != 2 {
		t.Fatalf("inside link: %+v, %v", got, err)
	}
	if err := os.Symlink(filepath.Join(outside, "old.xml"), filepath.Join(dir, "evil.xml")); err != nil {
		t.Fatal(err)
	}
	_, err = Expand(dir, []string{"*.xml"}, "junit", noMatch)
	if err == nil || err.Error() != "junit file evil.xml is a symbolic link to a file outside the repository: not read (name the file by its absolute path to read it)" {
		t.Errorf("link out: err = %v", err)
	}
	if got, err := Expand(dir, []string{filepath.Join(outside, "*.xml")}, "junit", noMatch); err != nil || len(got) != 1 {
		t.Errorf("absolute pattern outside: %+v, %v (named by the caller: read)", got, err)
	}
}
