package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
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
