package gittest_test

import (
	"fmt"
	"os"
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

func TestCommitMany(t *testing.T) {
	r := gittest.New(t)
	first := r.Commit("root")
	head := r.CommitMany(20, func(i int) gittest.Change {
		return gittest.Change{
			Message: fmt.Sprintf("feat: change %d\n\nbody %d", i, i),
			Files:   map[string]string{"dir/f.txt": fmt.Sprintf("%d\n", i)},
		}
	})
	if got := r.Git("rev-list", "--count", "HEAD"); got != "21" {
		t.Fatalf("commits = %s, want 21", got)
	}
	if got := r.Git("rev-list", "--max-parents=0", "HEAD"); got != first {
		t.Fatalf("root = %s, want %s (history not appended)", got, first)
	}
	if got := r.Git("log", "-1", "--format=%s|%an|%aI", head); got != "feat: change 19|"+gittest.Name+"|2024-01-02T03:24:05+00:00" {
		t.Fatalf("head = %q", got)
	}
	if b, err := os.ReadFile(r.Path("dir/f.txt")); err != nil || string(b) != "19\n" {
		t.Fatalf("work tree not at HEAD: %q, %v", b, err)
	}
	if got := r.Git("status", "--porcelain"); got != "" {
		t.Fatalf("work tree dirty after CommitMany: %q", got)
	}
}

func TestClone(t *testing.T) {
	r := gittest.New(t)
	head := r.Commit("one")
	r.Tag("v1.0.0")
	c := r.Clone(t)
	if got := c.Head(); got != head {
		t.Fatalf("clone HEAD = %s, want %s", got, head)
	}
	if got := c.Git("tag"); got != "v1.0.0" {
		t.Fatalf("clone tags = %q", got)
	}
	c.Commit("two")
	if r.Head() != head {
		t.Fatal("committing in the clone changed the original")
	}
}
