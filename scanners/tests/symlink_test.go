package tests

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSymlinkOutsideTheRootIsNotRead: a report in the repository that is a
// symbolic link to a file outside it — another run's passing report — is
// not read, and the error names it; the same file named by its absolute
// path is read (whoever named it chose it), and a link that stays inside
// the repository is read like any file.
func TestSymlinkOutsideTheRootIsNotRead(t *testing.T) {
	outside := project(t, map[string]string{"old/junit.xml": "pytest.xml", "old/cover.out": "cover.out"})
	dir := project(t, map[string]string{"reports/real.xml": "gotestsum.xml"})
	for link, target := range map[string]string{
		"reports/junit.xml":  filepath.Join(outside, "old", "junit.xml"),
		"cover.out":          filepath.Join(outside, "old", "cover.out"),
		"reports/inside.xml": "real.xml",
	} {
		if err := os.Symlink(target, filepath.Join(dir, filepath.FromSlash(link))); err != nil {
			t.Fatal(err)
		}
	}
	for _, opts := range []Options{
		{Dir: dir, JUnit: []string{"reports/*.xml"}},
		{Dir: dir, Coverage: "cover.out"},
	} {
		in, _, err := scan(t, opts)
		if err == nil || !strings.Contains(err.Error(), "outside the repository: not read") || in.Tests != nil {
			t.Errorf("%+v: err = %v, tests %+v: want the link refused by name", opts, err, in.Tests)
		}
		if err != nil && strings.Contains(err.Error(), outside) {
			t.Errorf("error %q carries the outside path", err)
		}
	}
	in, _, err := scan(t, Options{Dir: dir, JUnit: []string{"reports/inside.xml", filepath.Join(outside, "old", "junit.xml")}})
	if err != nil || in.Tests == nil || len(in.Tests.Reports) != 2 {
		t.Fatalf("a link inside and an absolute path outside: err = %v, tests %+v", err, in.Tests)
	}
}
