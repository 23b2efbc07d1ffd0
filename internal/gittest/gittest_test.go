package gittest_test

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/relgate/relgate/internal/gittest"
)

// Commit ids depend only on content, identity and dates, so two
// repositories built the same way must agree on them.
func TestReposAreDeterministic(t *testing.T) {
	build := func() (string, string) {
		r := gittest.New(t)
		r.Write("dir/a.txt", "a\n")
		first := r.Commit("feat: a")
		r.AnnotatedTag("v1.0.0", "release 1.0.0")
		r.Write("b.txt", "b\n")
		return first, r.Commit("fix: b")
	}
	a1, a2 := build()
	b1, b2 := build()
	if a1 != b1 || a2 != b2 {
		t.Fatalf("commit ids differ between identical repositories: %s %s vs %s %s", a1, a2, b1, b2)
	}
	if a1 == a2 {
		t.Fatal("distinct commits share an id")
	}
}

func TestStageAndCommitIndex(t *testing.T) {
	r := gittest.New(t)
	r.Write("a.txt", "a\n")
	r.Write("b.txt", "b\n")
	r.Stage("a.txt")
	if got := r.Git("diff", "--cached", "--name-only"); got != "a.txt" {
		t.Fatalf("staged = %q, want a.txt", got)
	}
	r.CommitIndex("chore: only a")
	if got := r.Git("ls-files"); got != "a.txt" {
		t.Fatalf("committed files = %q, want a.txt", got)
	}
	if got := r.Git("status", "--porcelain"); got != "?? b.txt" {
		t.Fatalf("status = %q, want b.txt untracked", got)
	}
}

func TestBranchSwitchAndDetach(t *testing.T) {
	r := gittest.New(t)
	first := r.Commit("one")
	r.Branch("feature/x")
	r.Commit("two")
	if got := r.Git("symbolic-ref", "--short", "HEAD"); got != "feature/x" {
		t.Fatalf("branch = %q", got)
	}
	r.Switch("main")
	if got := r.Head(); got != first {
		t.Fatalf("main HEAD = %s, want %s", got, first)
	}
	r.Switch(first)
	if _, err := r.TryGit("symbolic-ref", "-q", "HEAD"); err == nil {
		t.Fatal("HEAD still attached after switching to a commit")
	}
}

// Isolate must hide the user's global configuration from git run by the
// code under test, which inherits the process environment.
func TestIsolateHidesGlobalConfig(t *testing.T) {
	t.Setenv("GIT_AUTHOR_NAME", "Leaked Name")
	gittest.Isolate(t)
	out, _ := exec.Command("git", "config", "--global", "--list").CombinedOutput()
	if strings.Contains(string(out), "=") {
		t.Fatalf("global config visible after Isolate: %s", out)
	}
	out, err := exec.Command("git", "var", "GIT_AUTHOR_IDENT").CombinedOutput()
	if err == nil && strings.Contains(string(out), "Leaked Name") {
		t.Fatalf("GIT_AUTHOR_NAME survived Isolate: %s", out)
	}
}
