// Package gitchange lists the files a change touched: what differs between
// the merge base of --base and HEAD and the work tree, untracked files
// included. Scanners that judge whole files (IaC) use it to say whether a
// finding is in the change (PR mode); the comparison is with the merge base,
// as `git diff BASE...HEAD` does, so files the base branch changed since
// the change branched off are not counted as the change's.
package gitchange

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strings"

	"github.com/relgate/relgate/internal/gitsafe"
)

// Files returns the dir-relative, slash-separated paths the change since
// base touched (added, modified, renamed to, or untracked). Deleted files
// are listed too: nothing can be found in them.
func Files(ctx context.Context, dir, base string) (map[string]bool, error) {
	if err := gitsafe.Harden(ctx, dir); err != nil {
		return nil, err
	}
	sha, err := git(ctx, dir, "rev-parse", "--verify", "--end-of-options", base+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("resolve base %q: %w", base, err)
	}
	from := strings.TrimSpace(string(sha))
	// Unrelated histories have no merge base: the base itself is compared.
	if mb, err := git(ctx, dir, "merge-base", from, "HEAD"); err == nil && len(bytes.TrimSpace(mb)) > 0 {
		from = strings.TrimSpace(string(mb))
	}
	diff, err := git(ctx, dir, "diff", "--name-only", "--no-renames", "--no-ext-diff", "--relative", "-z", from, "--")
	if err != nil {
		return nil, fmt.Errorf("list changes since %s: %w", base, err)
	}
	untracked, err := git(ctx, dir, "ls-files", "--others", "--exclude-standard", "-z")
	if err != nil {
		return nil, fmt.Errorf("list untracked files: %w", err)
	}
	out := map[string]bool{}
	for _, p := range bytes.Split(append(diff, untracked...), []byte{0}) {
		if len(p) > 0 {
			out[string(p)] = true
		}
	}
	return out, nil
}

// git runs git in dir; its error carries git's standard error.
func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("git %s: %w: %s", args[0], err, strings.TrimSpace(stderr.String()))
	}
	return stdout.Bytes(), nil
}
