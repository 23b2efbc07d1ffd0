package release

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/relgate/relgate/internal/gitsafe"
)

// Errors the CLI maps to a usage error (exit 2) before any scanner runs.
var (
	// ErrGitNotFound means no git executable is on PATH.
	ErrGitNotFound = errors.New("git not found on PATH")
	// ErrNotRepo means the directory is not inside a git repository.
	ErrNotRepo = errors.New("not a git repository")
	// ErrUnknownRef means a ref (e.g. --base) names no commit in the repository.
	ErrUnknownRef = errors.New("unknown git ref")
)

// gitError is a git command that exited non-zero, with the first line of
// what it wrote to standard error.
type gitError struct {
	cmd    string
	code   int
	stderr string
	err    error
}

func (e *gitError) Error() string {
	if e.stderr == "" {
		return fmt.Sprintf("git %s: %v", e.cmd, e.err)
	}
	return fmt.Sprintf("git %s: %v: %s", e.cmd, e.err, e.stderr)
}

func (e *gitError) Unwrap() error { return e.err }

// exitCode returns the exit status of a failed git command, or -1 when the
// error is not a git exit.
func exitCode(err error) int {
	var ge *gitError
	if errors.As(err, &ge) {
		return ge.code
	}
	return -1
}

// git runs git in dir and returns its standard output. It never goes
// through a shell. The environment keeps the caller's (a pre-commit hook's
// GIT_INDEX_FILE, CI variables) but forces untranslated messages, since
// stderr is matched to tell "not a repository" apart from other failures,
// never prompts, and takes no optional locks (the gate must not contend
// with the user's own git commands).
// An empty dir runs git where the process is, for commands that read no
// repository.
func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	if dir != "" {
		if err := gitsafe.Harden(ctx, dir); err != nil {
			return nil, err
		}
		args = append([]string{"-C", dir}, args...)
	}
	cmd := exec.CommandContext(ctx, "git", args...)
	cmd.Env = append(os.Environ(), "LC_ALL=C", "LANGUAGE=C", "GIT_TERMINAL_PROMPT=0", "GIT_OPTIONAL_LOCKS=0", "GIT_PAGER=cat")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err == nil {
		return stdout.Bytes(), nil
	}
	if errors.Is(err, exec.ErrNotFound) {
		return nil, ErrGitNotFound
	}
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, fmt.Errorf("git %s: %w", verb(args), ctxErr)
	}
	ge := &gitError{cmd: verb(args), code: -1, stderr: firstLine(stderr.String()), err: err}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		ge.code = ee.ExitCode()
	}
	return nil, ge
}

// verb names the git subcommand in an error, skipping "-C dir".
func verb(args []string) string {
	if len(args) > 2 && args[0] == "-C" {
		return args[2]
	}
	return args[0]
}

// firstLine keeps error messages short: git's later lines are hints.
func firstLine(s string) string {
	s = strings.TrimSpace(s)
	line, _, _ := strings.Cut(s, "\n")
	const maxLen = 300
	if len(line) > maxLen {
		line = line[:maxLen] + "…"
	}
	return strings.ToValidUTF8(line, "\uFFFD")
}

// gitVersion returns git's version number, e.g. "2.39.5".
func gitVersion(ctx context.Context) (string, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return "", ErrGitNotFound
	}
	out, err := git(ctx, "", "version")
	if err != nil {
		return "", fmt.Errorf("read git version: %w", err)
	}
	v := strings.TrimSpace(string(out))
	return strings.TrimPrefix(v, "git version "), nil
}

// IsRepo reports whether dir is inside a git repository. It returns
// ErrGitNotFound without git, an error wrapping ErrNotRepo for a directory
// outside any repository, and git's own message for a repository git
// refuses to read (e.g. "detected dubious ownership").
func IsRepo(ctx context.Context, dir string) error {
	if _, err := exec.LookPath("git"); err != nil {
		return ErrGitNotFound
	}
	if _, err := isShallow(ctx, dir); err != nil {
		return err
	}
	return nil
}

// isShallow doubles as the repository check: it is the first git command a
// scan runs in dir.
func isShallow(ctx context.Context, dir string) (bool, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return false, fmt.Errorf("open repository: %w", err)
	}
	if !st.IsDir() {
		return false, fmt.Errorf("%w: %s is not a directory", ErrNotRepo, dir)
	}
	out, err := git(ctx, dir, "rev-parse", "--is-shallow-repository")
	if err != nil {
		var ge *gitError
		if errors.As(err, &ge) && strings.Contains(strings.ToLower(ge.stderr), "not a git repository") {
			return false, fmt.Errorf("%w: %s", ErrNotRepo, dir)
		}
		if errors.As(err, &ge) && strings.Contains(ge.stderr, "dubious ownership") {
			// git's own hint is on a line firstLine drops.
			return false, fmt.Errorf("open repository %s: %w (trust it with: git config --global --add safe.directory <path>)", dir, err)
		}
		return false, fmt.Errorf("open repository %s: %w", dir, err)
	}
	return strings.TrimSpace(string(out)) == "true", nil
}

// ValidateRef checks that ref names a commit in the repository at dir, so
// that a mistyped --base is a usage error rather than a failed scan.
func ValidateRef(ctx context.Context, dir, ref string) error {
	if err := IsRepo(ctx, dir); err != nil {
		return err
	}
	_, err := resolveCommit(ctx, dir, ref)
	return err
}

// resolveCommit returns the commit id ref names. A ref that names nothing,
// or something that is not a commit, wraps ErrUnknownRef; in a shallow
// clone the message says how to get the missing history.
func resolveCommit(ctx context.Context, dir, ref string) (string, error) {
	if ref == "" {
		return "", fmt.Errorf("%w: empty ref", ErrUnknownRef)
	}
	// --end-of-options already stops option parsing; rejecting the dash too
	// keeps the message clear for a value that was meant as a flag.
	if strings.HasPrefix(ref, "-") {
		return "", fmt.Errorf("%w %q: a ref cannot start with '-'", ErrUnknownRef, ref)
	}
	out, err := git(ctx, dir, "rev-parse", "--verify", "--quiet", "--end-of-options", ref+"^{commit}")
	if err == nil {
		return strings.TrimSpace(string(out)), nil
	}
	if exitCode(err) != 1 {
		return "", fmt.Errorf("resolve ref %q: %w", ref, err)
	}
	msg := fmt.Errorf("%w %q: no such commit, branch or tag in %s", ErrUnknownRef, ref, dir)
	if shallow, serr := isShallow(ctx, dir); serr == nil && shallow {
		msg = fmt.Errorf("%w (the clone is shallow: fetch the history and the ref, e.g. actions/checkout with fetch-depth: 0)", msg)
	}
	return "", msg
}
