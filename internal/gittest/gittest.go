// Package gittest builds real git repositories for tests, with a fixed
// identity, fixed dates and no access to the user's or the system's git
// configuration, so that what a test sees (and every commit id) is the same
// on every machine.
//
// Typical use:
//
//	gittest.Isolate(t) // the code under test runs git too
//	r := gittest.New(t)
//	r.Write("a.txt", "hello\n")
//	sha := r.Commit("feat: add a")
//	r.Tag("v1.0.0")
package gittest

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// Epoch is the author and committer date of a repository's first commit;
// each later commit is one minute after the one before.
var Epoch = time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)

// Identity used for every commit and annotated tag.
const (
	Name  = "Relgate Test"
	Email = "test@relgate.invalid"
)

// Repo is a git repository in a temporary directory.
type Repo struct {
	t    testing.TB
	Dir  string
	home string
	// Clock is the date the next commit or annotated tag gets.
	Clock time.Time
}

// New creates an empty repository (branch main) in a fresh temporary
// directory. It fails the test when git is not installed.
func New(t testing.TB) *Repo {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Fatalf("git not found on PATH: %v", err)
	}
	r := &Repo{t: t, Dir: t.TempDir(), home: t.TempDir(), Clock: Epoch}
	r.Git("init", "-q", "-b", "main")
	return r
}

// Env is the environment every git command of a Repo runs with: the
// process environment without any GIT_* variable (a test run from a git
// hook must not act on the outer repository), an empty HOME, no global or
// system configuration, a fixed identity and the given date.
func Env(home string, date time.Time) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GIT_") || k == "HOME" || k == "XDG_CONFIG_HOME" || k == "EMAIL" {
			continue
		}
		env = append(env, kv)
	}
	d := date.UTC().Format(time.RFC3339)
	return append(env,
		"HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"GIT_CONFIG_NOSYSTEM=1",
		"GIT_CONFIG_GLOBAL="+os.DevNull,
		"GIT_TERMINAL_PROMPT=0",
		"GIT_AUTHOR_NAME="+Name,
		"GIT_AUTHOR_EMAIL="+Email,
		"GIT_COMMITTER_NAME="+Name,
		"GIT_COMMITTER_EMAIL="+Email,
		"GIT_AUTHOR_DATE="+d,
		"GIT_COMMITTER_DATE="+d,
		"LC_ALL=C",
	)
}

// Isolate points the test process's own environment at an empty HOME with
// no global or system git configuration and removes inherited GIT_*
// variables, for tests whose code under test runs git itself. It uses
// t.Setenv, so such tests cannot be parallel.
func Isolate(t testing.TB) {
	t.Helper()
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(k, "GIT_") || k == "XDG_CONFIG_HOME" {
			t.Setenv(k, "") // registers the restore at cleanup
			if err := os.Unsetenv(k); err != nil {
				t.Fatalf("unset %s: %v", k, err)
			}
		}
	}
	home := t.TempDir()
	t.Setenv("HOME", home)
	t.Setenv("GIT_CONFIG_NOSYSTEM", "1")
	t.Setenv("GIT_CONFIG_GLOBAL", os.DevNull)
	t.Setenv("GIT_TERMINAL_PROMPT", "0")
}

// Git runs git in the repository and returns its standard output with
// surrounding whitespace trimmed. A failure fails the test.
func (r *Repo) Git(args ...string) string {
	r.t.Helper()
	out, err := r.run(args...)
	if err != nil {
		r.t.Fatalf("git %s: %v", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(out)
}

// TryGit runs git in the repository and returns its output and error
// (standard error included in the error) without failing the test.
func (r *Repo) TryGit(args ...string) (string, error) {
	r.t.Helper()
	return r.run(args...)
}

func (r *Repo) run(args ...string) (string, error) {
	return r.runInput(nil, args...)
}

func (r *Repo) runInput(stdin []byte, args ...string) (string, error) {
	cmd := exec.Command("git", append([]string{"-C", r.Dir}, args...)...)
	cmd.Env = Env(r.home, r.Clock)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), &Error{Err: err, Stderr: strings.TrimSpace(stderr.String())}
	}
	return stdout.String(), nil
}

// Error is a failed git command with what it wrote to standard error.
type Error struct {
	Err    error
	Stderr string
}

func (e *Error) Error() string { return e.Err.Error() + ": " + e.Stderr }
func (e *Error) Unwrap() error { return e.Err }

// Clone clones the repository, with its tags, into a new temporary
// directory; the clone's clock continues from r's.
func (r *Repo) Clone(t testing.TB) *Repo {
	t.Helper()
	c := &Repo{t: t, Dir: t.TempDir(), home: t.TempDir(), Clock: r.Clock}
	cmd := exec.Command("git", "clone", "-q", r.Dir, c.Dir)
	cmd.Env = Env(c.home, c.Clock)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v: %s", err, out)
	}
	return c
}

// Path returns the absolute path of a repository-relative, slash-separated path.
func (r *Repo) Path(rel string) string { return filepath.Join(r.Dir, filepath.FromSlash(rel)) }

// Write writes content to the repository-relative path, creating parent
// directories. It does not stage the file.
func (r *Repo) Write(rel, content string) {
	r.t.Helper()
	p := r.Path(rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		r.t.Fatalf("write %s: %v", rel, err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		r.t.Fatalf("write %s: %v", rel, err)
	}
}

// Remove deletes the repository-relative path from the work tree.
func (r *Repo) Remove(rel string) {
	r.t.Helper()
	if err := os.RemoveAll(r.Path(rel)); err != nil {
		r.t.Fatalf("remove %s: %v", rel, err)
	}
}

// Stage adds the paths (or their removal) to the index.
func (r *Repo) Stage(paths ...string) {
	r.t.Helper()
	r.Git(append([]string{"add", "-A", "--"}, paths...)...)
}

// Commit stages every change in the work tree and commits it with the
// message (empty commits allowed), returning the new commit's id.
func (r *Repo) Commit(msg string) string {
	r.t.Helper()
	r.Git("add", "-A")
	return r.CommitIndex(msg)
}

// CommitIndex commits only what is staged, returning the new commit's id.
func (r *Repo) CommitIndex(msg string) string {
	r.t.Helper()
	r.Git("commit", "-q", "--allow-empty", "--no-verify", "-m", msg)
	r.tick()
	return r.Git("rev-parse", "HEAD")
}

// Tag creates a lightweight tag at HEAD.
func (r *Repo) Tag(name string) {
	r.t.Helper()
	r.Git("tag", name)
}

// AnnotatedTag creates an annotated tag at HEAD.
func (r *Repo) AnnotatedTag(name, msg string) {
	r.t.Helper()
	r.Git("tag", "-a", "-m", msg, name)
	r.tick()
}

// Branch creates a branch at HEAD and switches to it.
func (r *Repo) Branch(name string) {
	r.t.Helper()
	r.Git("switch", "-q", "-c", name)
}

// Switch checks out a branch, or detaches HEAD at any other revision.
func (r *Repo) Switch(rev string) {
	r.t.Helper()
	if _, err := r.run("show-ref", "--verify", "--quiet", "refs/heads/"+rev); err == nil {
		r.Git("switch", "-q", rev)
		return
	}
	r.Git("switch", "-q", "--detach", rev)
}

// Head returns the id of the commit HEAD points at.
func (r *Repo) Head() string {
	r.t.Helper()
	return r.Git("rev-parse", "HEAD")
}

// Change is one commit for CommitMany: its message and the files it
// writes (repository-relative path to content).
type Change struct {
	Message string
	Files   map[string]string
}

// CommitMany appends n commits to the current branch in one git
// fast-import, which is orders of magnitude faster than n commits, for
// benchmarks and large histories. change(i) describes commit i (0-based,
// oldest first). Afterwards the work tree and index are reset to the new
// HEAD, discarding uncommitted changes. It returns the new HEAD.
func (r *Repo) CommitMany(n int, change func(i int) Change) string {
	r.t.Helper()
	ref, err := r.run("symbolic-ref", "--quiet", "HEAD")
	if err != nil {
		r.t.Fatalf("commit many: HEAD is detached: %v", err)
	}
	ref = strings.TrimSpace(ref)
	parent, _ := r.run("rev-parse", "--verify", "--quiet", "HEAD^{commit}")
	parent = strings.TrimSpace(parent)
	var b bytes.Buffer
	data := func(s string) { fmt.Fprintf(&b, "data %d\n%s\n", len(s), s) }
	for i := range n {
		c := change(i)
		msg := c.Message
		if !strings.HasSuffix(msg, "\n") {
			msg += "\n"
		}
		who := fmt.Sprintf("%s <%s> %d +0000", Name, Email, r.Clock.Unix())
		fmt.Fprintf(&b, "commit %s\nauthor %s\ncommitter %s\n", ref, who, who)
		data(msg)
		if i == 0 && parent != "" {
			fmt.Fprintf(&b, "from %s\n", parent)
		}
		for _, p := range slices.Sorted(maps.Keys(c.Files)) {
			fmt.Fprintf(&b, "M 100644 inline %s\n", p)
			data(c.Files[p])
		}
		b.WriteString("\n")
		r.tick()
	}
	if _, err := r.runInput(b.Bytes(), "fast-import", "--quiet", "--force"); err != nil {
		r.t.Fatalf("commit many: fast-import: %v", err)
	}
	r.Git("reset", "-q", "--hard")
	return r.Head()
}

func (r *Repo) tick() { r.Clock = r.Clock.Add(time.Minute) }
