package release_test

import (
	"testing"

	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/scanners/release"
)

// TestHostileGitConfigRunsNothing: the release facts come from git; a
// repository whose own config names commands (fsmonitor, textconv, hooks
// …) gets none of them run.
func TestHostileGitConfigRunsNothing(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	r.Write("a.txt", "one\n")
	base := r.Commit("feat: one")
	r.Tag("v1.0.0")
	r.Write("a.txt", "one\ntwo\n")
	r.Commit("fix: two")
	r.Write("a.txt", "dirty\n")
	marker := r.Hostile(t)
	for _, opts := range []release.Options{{Dir: r.Dir, Getenv: noEnv}, {Dir: r.Dir, Base: base, Getenv: noEnv}} {
		rel, _ := scan(t, opts)
		if len(rel.Commits) == 0 {
			t.Fatalf("base %q: no commits: the scan did not read the repository", opts.Base)
		}
	}
	if ran := gittest.Ran(t, marker); ran != "" {
		t.Fatalf("the release scan ran the repository's commands:\n%s", ran)
	}
}
