package migrations

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/relgate/relgate/internal/gitsafe"
)

// Change kinds of a migration file.
const (
	changeAdded     = "added"
	changeModified  = "modified"
	changeRenamed   = "renamed"
	changeUnchanged = "unchanged"
	changeUnknown   = "unknown"
)

// changeSet is what the change range touched, by repo-relative path.
type changeSet struct {
	known  bool // a range was given: files not listed are unchanged
	staged bool
	files  map[string]string
}

func (c changeSet) of(path string) string {
	if !c.known {
		return changeUnknown
	}
	if k, ok := c.files[path]; ok {
		return k
	}
	return changeUnchanged
}

// changes lists the files the change touches: with a base, what differs
// between base and the work tree plus untracked files (as the deps scanner
// sees a change); when staged, what the index changes against HEAD.
func changes(ctx context.Context, dir, base string, staged bool) (changeSet, error) {
	c := changeSet{files: map[string]string{}, staged: staged}
	var args []string
	switch {
	case staged:
		args = []string{"diff", "--cached", "--name-status", "-M", "--relative", "-z", "--"}
	case base != "":
		if _, err := git(ctx, dir, "rev-parse", "--verify", "--end-of-options", base+"^{commit}"); err != nil {
			return c, fmt.Errorf("resolve base %q: %w", base, err)
		}
		args = []string{"diff", "--name-status", "-M", "--relative", "-z", base, "--"}
	default:
		return c, nil
	}
	c.known = true
	out, err := git(ctx, dir, args...)
	if err != nil {
		return c, fmt.Errorf("list changed files: %w", err)
	}
	fields := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	for i := 0; i+1 < len(fields); i++ {
		status := fields[i]
		switch {
		case strings.HasPrefix(status, "R"), strings.HasPrefix(status, "C"):
			if i+2 >= len(fields) {
				return c, fmt.Errorf("read git diff: truncated %s entry", status)
			}
			kind := changeRenamed
			if status[0] == 'C' {
				kind = changeAdded
			}
			c.files[fields[i+2]] = kind
			i += 2
		case status == "A":
			c.files[fields[i+1]] = changeAdded
			i++
		case status == "D":
			i++
		default: // M, T
			c.files[fields[i+1]] = changeModified
			i++
		}
	}
	if !staged {
		out, err := git(ctx, dir, "ls-files", "--others", "--exclude-standard", "-z")
		if err != nil {
			return c, fmt.Errorf("list untracked files: %w", err)
		}
		for p := range strings.SplitSeq(string(out), "\x00") {
			if p != "" {
				c.files[p] = changeAdded
			}
		}
	}
	return c, nil
}

// stagedContent reads a file as the index holds it: on the pre-commit path
// that is what will be committed, whatever the work tree says.
func stagedContent(ctx context.Context, dir, path string) ([]byte, error) {
	return git(ctx, dir, "show", ":./"+path)
}

func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	if err := gitsafe.Harden(ctx, dir); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			return nil, fmt.Errorf("run git %s: %w", args[0], err)
		}
		return nil, fmt.Errorf("run git %s: %w: %s", args[0], err, msg)
	}
	return stdout.Bytes(), nil
}
