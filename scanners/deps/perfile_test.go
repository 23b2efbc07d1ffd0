package deps

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// A malformed pom.xml or pnpm-lock.yaml is a fact about its own file; the
// valid lockfiles beside it are still scanned (VUL007: the rest stands).
func TestMalformedPomAndPnpmAreFileErrors(t *testing.T) {
	dir := copyTree(t, filepath.Join("testdata", "repo"), "")
	write(t, filepath.Join(dir, "pnpm", "pnpm-lock.yaml"), "lockfileVersion: '9.0'\npackages: [\n  {{ not yaml\n")
	write(t, filepath.Join(dir, "java", "pom.xml"), "<project><dependencies><dependency><groupId>a</groupId>")
	in, run, err := scan(t, Options{Dir: dir, Offline: true, DBDir: fixtureDB(t)})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if got := summaries(in); !slices.Equal(got, wantFixture) {
		t.Errorf("facts:\n%s\nwant every vulnerable package still found", strings.Join(got, "\n"))
	}
	if want := []string{"java/pom.xml", "pnpm/pnpm-lock.yaml"}; !slices.Equal(errorPaths(run), want) {
		t.Errorf("file errors %v, want one for each of %v", run.Errors, want)
	}
	for _, e := range run.Errors {
		if strings.Contains(e.Message, dir) || strings.Contains(e.Message, strings.TrimPrefix(dir, "/")) {
			t.Errorf("%s: message %q carries the machine path", e.Path, e.Message)
		}
	}
}
