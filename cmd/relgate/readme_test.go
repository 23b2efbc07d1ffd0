package main

import (
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestREADMECommands keeps the README honest: every relgate command in its
// sh blocks parses (its subcommand and flags exist: it is run with --help),
// and every make target it names exists. The quick start's `make demo` is
// run for real by TestDemo.
func TestREADMECommands(t *testing.T) {
	root := repoRoot(t)
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	mk, err := os.ReadFile(filepath.Join(root, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	blocks := regexp.MustCompile("(?s)```sh\n(.*?)```").FindAllSubmatch(readme, -1)
	var ran int
	for _, b := range blocks {
		for _, line := range strings.Split(string(b[1]), "\n") {
			line, _, _ = strings.Cut(line, "#")
			line = strings.TrimSpace(line)
			if line == "" {
				continue
			}
			if strings.ContainsAny(line, `"'`+"`") {
				t.Errorf("README: %q: quote-free commands only (this test splits on spaces)", line)
				continue
			}
			words := strings.Fields(line)
			switch words[0] {
			case "relgate":
				ran++
				args := append(words[1:], "--help")
				if code, _, stderr := cli(t, args...); code != exitPass {
					t.Errorf("README: %q does not parse: exit %d %s", line, code, stderr)
				}
			case "make":
				for _, target := range words[1:] {
					if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(target) + `:`).Match(mk) {
						t.Errorf("README: make %s: no such target", target)
					}
				}
			}
		}
	}
	if ran == 0 {
		t.Error("README: no relgate command found in its sh blocks")
	}
}

// TestREADMEDocumentsEveryCheckFlag: the README's table of check's flags
// names each flag of `relgate check` (its own and the inherited ones)
// exactly once, and names none that does not exist.
func TestREADMEDocumentsEveryCheckFlag(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoRoot(t), "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, table, ok := strings.Cut(string(readme), "Flags of `check`")
	if !ok {
		t.Fatal("README: no table of check's flags")
	}
	table, _, _ = strings.Cut(table, "\n\n\n")
	if i := strings.Index(table, "|\n\n"); i >= 0 {
		table = table[:i+1]
	}
	documented := map[string]int{}
	for _, row := range strings.Split(table, "\n") {
		cells := strings.Split(row, "|")
		if len(cells) < 3 {
			continue
		}
		for _, m := range regexp.MustCompile("`(--[a-z0-9-]+)").FindAllStringSubmatch(cells[1], -1) {
			documented[m[1]]++
		}
	}
	a := &app{stdout: io.Discard, stderr: io.Discard, redactor: newRedactor()}
	root := a.rootCommand()
	check, _, err := root.Find([]string{"check"})
	if err != nil {
		t.Fatal(err)
	}
	flags := map[string]bool{}
	add := func(f *pflag.Flag) {
		if !f.Hidden && f.Name != "help" {
			flags["--"+f.Name] = true
		}
	}
	check.LocalFlags().VisitAll(add)
	check.InheritedFlags().VisitAll(add)
	for name := range flags {
		if n := documented[name]; n != 1 {
			t.Errorf("README: check's flag %s is in the table %d times, want once", name, n)
		}
	}
	for name := range documented {
		if !flags[name] {
			t.Errorf("README: the table documents %s, which check does not have", name)
		}
	}
}
