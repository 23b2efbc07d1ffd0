package gittest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Hostile plants, in the repository's own configuration, every setting
// through which git runs a command the repository names — core.fsmonitor,
// core.hooksPath hooks, diff.external, a diff driver's textconv and
// command, a filter driver's clean, smudge and process, an ext:: transport
// — each command appending a line to a marker file outside the repository,
// whose path it returns. The drivers apply to every path through
// .git/info/attributes, so the tracked content does not change.
//
// Plant it after the test's last git command: the test's own git runs
// would set it off too. A test then runs the code under test and checks
// with Ran that nothing ran.
func (r *Repo) Hostile(t testing.TB) string {
	t.Helper()
	marker := filepath.Join(t.TempDir(), "executed")
	run := func(what string) string {
		return "echo " + what + " >> '" + marker + "'"
	}
	hooks := filepath.Join(t.TempDir(), "hooks")
	if err := os.MkdirAll(hooks, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, h := range []string{"pre-commit", "post-checkout", "post-index-change", "reference-transaction", "pre-auto-gc"} {
		script := "#!/bin/sh\n" + run("hook-"+h) + "\n"
		if err := os.WriteFile(filepath.Join(hooks, h), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	settings := [][2]string{
		{"core.fsmonitor", run("fsmonitor") + "; true"},
		{"core.hooksPath", hooks},
		{"diff.external", run("diff-external") + "; true"},
		{"diff.evil.textconv", run("textconv") + "; cat"},
		{"diff.evil.command", run("diff-command") + "; true"},
		{"filter.evil.clean", run("clean") + "; cat"},
		{"filter.evil.smudge", run("smudge") + "; cat"},
		{"filter.evil.process", run("filter-process")},
		{"protocol.ext.allow", "always"},
		{"core.pager", run("pager") + "; cat"},
	}
	for _, kv := range settings {
		r.Git("config", kv[0], kv[1])
	}
	info := filepath.Join(r.Dir, ".git", "info")
	if err := os.MkdirAll(info, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(info, "attributes"), []byte("* diff=evil filter=evil\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return marker
}

// Ran returns what the commands Hostile planted recorded, one name per
// line; empty when nothing ran.
func Ran(t testing.TB, marker string) string {
	t.Helper()
	data, err := os.ReadFile(marker)
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(data))
}
