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
