// Package gitsafe keeps git from running commands a scanned repository's
// own configuration names. A repository under review is untrusted input:
// its .git/config can set core.fsmonitor, a textconv or a filter driver to
// any command, and git runs it on `git status`, `git log -p` or `git diff`.
//
// Harden sets, for the whole process, configuration overrides of command
// scope (GIT_CONFIG_COUNT, GIT_CONFIG_KEY_n, GIT_CONFIG_VALUE_n), which win
// over every configuration file. It is the process environment, not each
// command's, because gitleaks starts git itself and its children inherit
// only that: every git relgate or a library runs after Harden is covered.
//
// What is neutralised, and how:
//   - core.fsmonitor=false, core.hooksPath=/dev/null, protocol.ext.allow=never;
//   - every diff driver's textconv becomes `cat` (the file unchanged) and
//     every filter driver's clean and smudge `cat`, its process nothing;
//     drivers are named by the repository, so they are read from its
//     configuration first (reading configuration runs nothing);
//   - external diff commands (diff.external, diff.<driver>.command) run
//     only for `git diff` without --no-ext-diff; relgate asks only for
//     names there, and gitleaks passes --no-ext-diff.
package gitsafe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// fixed are the overrides every repository gets.
var fixed = [][2]string{
	{"core.fsmonitor", "false"},
	{"core.hooksPath", os.DevNull},
	{"protocol.ext.allow", "never"},
	{"core.pager", "cat"},
}

var state struct {
	sync.Mutex
	// base is the GIT_CONFIG_COUNT the process had before Harden: the
	// user's own overrides keep their indexes.
	base    int
	baseSet bool
	// overrides are ours, in the order they are set.
	overrides [][2]string
	// dirs are the repositories whose drivers are already overridden.
	dirs map[string]bool
	// count is the GIT_CONFIG_COUNT we set: a test (or anyone) that
	// resets the environment is noticed and the overrides set again.
	count string
}

// Harden makes every git run from now on ignore what the repository at dir
// configures to execute. It is cheap after the first call for a dir.
func Harden(ctx context.Context, dir string) error {
	state.Lock()
	defer state.Unlock()
	if state.dirs == nil {
		state.dirs = map[string]bool{}
	}
	if os.Getenv("GIT_CONFIG_COUNT") != state.count || !state.baseSet {
		// First call, or the environment was reset since.
		state.base, state.baseSet = userCount(), true
		state.overrides = slices.Clone(fixed)
		state.dirs = map[string]bool{}
		if err := apply(); err != nil {
			return err
		}
	}
	if state.dirs[dir] {
		return nil
	}
	drivers, err := drivers(ctx, dir)
	if err != nil {
		return err
	}
	for _, kv := range drivers {
		if !slices.Contains(state.overrides, kv) {
			state.overrides = append(state.overrides, kv)
		}
	}
	state.dirs[dir] = true
	return apply()
}

// userCount is how many GIT_CONFIG_KEY_n entries the process came with.
func userCount() int {
	n, err := strconv.Atoi(os.Getenv("GIT_CONFIG_COUNT"))
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func apply() error {
	for i, kv := range state.overrides {
		n := strconv.Itoa(state.base + i)
		if err := os.Setenv("GIT_CONFIG_KEY_"+n, kv[0]); err != nil {
			return fmt.Errorf("set git overrides: %w", err)
		}
		if err := os.Setenv("GIT_CONFIG_VALUE_"+n, kv[1]); err != nil {
			return fmt.Errorf("set git overrides: %w", err)
		}
	}
	state.count = strconv.Itoa(state.base + len(state.overrides))
	if err := os.Setenv("GIT_CONFIG_COUNT", state.count); err != nil {
		return fmt.Errorf("set git overrides: %w", err)
	}
	return nil
}

// drivers reads the diff and filter drivers the configuration seen from
// dir defines (its own, included and global files) and returns the
// overrides that make them harmless. Outside a repository there are none.
func drivers(ctx context.Context, dir string) ([][2]string, error) {
	if _, err := exec.LookPath("git"); err != nil {
		return nil, nil // nothing can run git; the callers report it
	}
	cmd := exec.CommandContext(ctx, "git", "-C", dir, "config", "-z", "--get-regexp", `^(diff|filter)\..+\.(textconv|clean|smudge|process|required)$`)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) && ee.ExitCode() == 1 {
			return nil, nil // no such key
		}
		if strings.Contains(stderr.String(), "not a git repository") || strings.Contains(stderr.String(), "cannot change to") {
			return nil, nil
		}
		return nil, fmt.Errorf("read git config in %s: %w: %s", dir, err, strings.TrimSpace(stderr.String()))
	}
	var res [][2]string
	for _, entry := range bytes.Split(out, []byte{0}) {
		key, _, _ := strings.Cut(string(entry), "\n")
		if key == "" {
			continue
		}
		// git lower-cases section and key, never the driver name between.
		i := strings.LastIndexByte(key, '.')
		name, field := key[:i], key[i+1:]
		switch field {
		case "textconv", "clean", "smudge":
			res = append(res, [2]string{name + "." + field, "cat"})
		case "process":
			res = append(res, [2]string{name + ".process", ""})
		case "required":
			res = append(res, [2]string{name + ".required", "false"})
		}
	}
	return res, nil
}
