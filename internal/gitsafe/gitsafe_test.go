package gitsafe_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/relgate/relgate/internal/gitsafe"
	"github.com/relgate/relgate/internal/gittest"
)

// hostileRepo is a repository with two commits, a staged change, a work
// tree change and every command-running setting planted.
func hostileRepo(t *testing.T) (*gittest.Repo, string) {
	gittest.Isolate(t)
	r := gittest.New(t)
	r.Write("a.txt", "one\n")
	r.Commit("feat: one")
	r.Write("a.txt", "one\ntwo\n")
	r.Commit("feat: two")
	r.Write("b.txt", "staged\n")
	r.Git("add", "b.txt")
	r.Write("a.txt", "one\ntwo\nthree\n")
	return r, r.Hostile(t)
}

// commands are the git commands relgate and gitleaks run, and the ones a
// hostile configuration most easily hooks.
var commands = [][]string{
	{"status"},
	{"log", "-p", "-U0", "--full-history", "--all"},
	{"diff", "-U0", "--no-ext-diff", "--staged"},
	{"diff", "-U0", "--no-ext-diff"},
	{"diff", "--name-status", "-M", "HEAD~1", "--"},
	{"show", ":./b.txt"},
}

func runAll(t *testing.T, dir string, env []string) {
	for _, args := range commands {
		cmd := exec.CommandContext(context.Background(), "git", append([]string{"-C", dir}, args...)...)
		cmd.Env = env
		_ = cmd.Run() // a neutralised driver may make git complain; what ran is what counts
	}
}

// TestUnhardenedGitRunsTheRepositorysCommands proves the planted config is
// live: without Harden, git runs it. Otherwise the next test could not fail.
func TestUnhardenedGitRunsTheRepositorysCommands(t *testing.T) {
	r, marker := hostileRepo(t)
	runAll(t, r.Dir, os.Environ())
	// A failing filter process stops git before textconv and clean: take
	// it away to see those run too.
	if out, err := exec.CommandContext(context.Background(), "git", "-C", r.Dir, "config", "--unset", "filter.evil.process").CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	runAll(t, r.Dir, os.Environ())
	ran := gittest.Ran(t, marker)
	for _, want := range []string{"fsmonitor", "filter-process", "textconv", "clean"} {
		if !strings.Contains(ran, want) {
			t.Errorf("the planted %s did not run without Harden (ran: %q): the fixture no longer tests anything", want, ran)
		}
	}
}

func TestHardenedGitRunsNothing(t *testing.T) {
	r, marker := hostileRepo(t)
	if err := gitsafe.Harden(context.Background(), r.Dir); err != nil {
		t.Fatal(err)
	}
	runAll(t, r.Dir, os.Environ())
	if ran := gittest.Ran(t, marker); ran != "" {
		t.Fatalf("git ran the repository's commands after Harden:\n%s", ran)
	}
	// The overrides do not change what git reports.
	out, err := exec.CommandContext(context.Background(), "git", "-C", r.Dir, "log", "-p", "-1", "--format=%s").CombinedOutput()
	if err != nil || !strings.Contains(string(out), "+two") {
		t.Fatalf("git log -p after Harden: %v\n%s", err, out)
	}
}

func TestHardenKeepsTheUsersOverrides(t *testing.T) {
	r, marker := hostileRepo(t)
	t.Setenv("GIT_CONFIG_COUNT", "1")
	t.Setenv("GIT_CONFIG_KEY_0", "user.name")
	t.Setenv("GIT_CONFIG_VALUE_0", "From The Environment")
	if err := gitsafe.Harden(context.Background(), r.Dir); err != nil {
		t.Fatal(err)
	}
	out, err := exec.CommandContext(context.Background(), "git", "-C", r.Dir, "config", "user.name").Output()
	if err != nil || strings.TrimSpace(string(out)) != "From The Environment" {
		t.Fatalf("user.name = %q, %v: the user's own override was lost", out, err)
	}
	runAll(t, r.Dir, os.Environ())
	if ran := gittest.Ran(t, marker); ran != "" {
		t.Fatalf("git ran the repository's commands after Harden:\n%s", ran)
	}
}

func TestHardenOutsideARepository(t *testing.T) {
	gittest.Isolate(t)
	if err := gitsafe.Harden(context.Background(), t.TempDir()); err != nil {
		t.Fatalf("Harden on a plain directory: %v", err)
	}
}
