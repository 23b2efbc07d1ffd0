package gitchange_test

import (
	"context"
	"maps"
	"slices"
	"testing"

	"github.com/relgate/relgate/internal/gitchange"
	"github.com/relgate/relgate/internal/gittest"
)

// TestFiles: the change is what HEAD and the work tree changed since the
// merge base, never what the base branch changed after the branch point.
func TestFiles(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	r.Write("old.tf", "a\n")
	r.Write("sub/kept.yaml", "a\n")
	r.Commit("base")
	r.Branch("feature")
	r.Write("sub/new.yaml", "b\n")
	r.Commit("feature")
	r.Switch("main")
	r.Write("main-only.txt", "d\n")
	r.Commit("main moves on")
	r.Switch("feature")
	r.Write("old.tf", "edited in the work tree\n")
	r.Write("untracked.txt", "c\n")

	got, err := gitchange.Files(context.Background(), r.Dir, "main")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"old.tf", "sub/new.yaml", "untracked.txt"}
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, want) {
		t.Errorf("changed files %v, want %v", keys, want)
	}

	// From a subdirectory, paths are relative to it.
	got, err = gitchange.Files(context.Background(), r.Path("sub"), "main")
	if err != nil {
		t.Fatal(err)
	}
	if keys := slices.Sorted(maps.Keys(got)); !slices.Equal(keys, []string{"new.yaml"}) {
		t.Errorf("changed files under sub %v, want [new.yaml]", keys)
	}

	if _, err := gitchange.Files(context.Background(), r.Dir, "no-such-ref"); err == nil {
		t.Error("an unknown base must be an error")
	}
}

// TestFilesHostile: a repository's own configuration runs nothing.
func TestFilesHostile(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	r.Write("a.txt", "a\n")
	r.Commit("base")
	marker := r.Hostile(t)
	r.Write("a.txt", "b\n")
	if _, err := gitchange.Files(context.Background(), r.Dir, "HEAD"); err != nil {
		t.Fatal(err)
	}
	if ran := gittest.Ran(t, marker); ran != "" {
		t.Errorf("the repository's configuration ran a command: %s", ran)
	}
}
