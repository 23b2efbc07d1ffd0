package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relgate/relgate/report"
)

// TestCheckMigrationFixtures runs `relgate check` over every migration
// fixture project (each layout, both dialects) and compares the MIG
// findings with the project's expected.txt, checked by hand against the
// SQL. Every report format must show each finding's rule and file.
func TestCheckMigrationFixtures(t *testing.T) {
	root := filepath.Join("..", "..", "scanners", "migrations", "testdata")
	dirs, err := filepath.Glob(filepath.Join(root, "*", "*", "expected.txt"))
	if err != nil || len(dirs) < 12 {
		t.Fatalf("fixture projects: %v (%d found)", err, len(dirs))
	}
	for _, expected := range dirs {
		dir := filepath.Dir(expected)
		name, _ := filepath.Rel(root, dir)
		t.Run(filepath.ToSlash(name), func(t *testing.T) {
			out := t.TempDir()
			args := []string{"check", dir, "--scanners", "migrations", "--env", "production", "--format", "json"}
			for _, f := range report.Formats() {
				args = append(args, "--report", f+"="+filepath.Join(out, "report."+f))
			}
			code, stdout, stderr := cli(t, args...)
			if code != exitPass && code != exitFail {
				t.Fatalf("exit = %d\n%s", code, stderr)
			}
			d := decisionOf(t, stdout)
			var got []string
			for _, v := range d.Violations {
				if strings.HasPrefix(v.Rule, "MIG") {
					got = append(got, fmt.Sprintf("%s %s:%d", v.Rule, v.Location.Path, v.Location.StartLine))
				}
			}
			for _, w := range d.Warnings {
				if strings.HasPrefix(w.Rule, "MIG") {
					got = append(got, fmt.Sprintf("warn %s %s:%d", w.Rule, w.Location.Path, w.Location.StartLine))
				}
			}
			data, err := os.ReadFile(expected)
			if err != nil {
				t.Fatal(err)
			}
			var want []string
			for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
				if line = strings.TrimSpace(line); line != "" {
					want = append(want, line)
				}
			}
			// expected.txt names files relative to the project; the
			// decision's paths are relative to PATH too.
			slices.Sort(got)
			slices.Sort(want)
			if strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("MIG findings differ from %s\ngot:\n%s\nwant:\n%s", expected, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
			for _, f := range report.Formats() {
				data, err := os.ReadFile(filepath.Join(out, "report."+f))
				if err != nil {
					t.Fatalf("%s report: %v", f, err)
				}
				rep := string(data)
				if f == "markdown" {
					rep = strings.ReplaceAll(rep, `\`, "") // markup escapes
				}
				for _, v := range append(d.Violations, d.Warnings...) {
					if !strings.HasPrefix(v.Rule, "MIG") {
						continue
					}
					if !strings.Contains(rep, v.Rule) || !strings.Contains(rep, filepath.Base(v.Location.Path)) {
						t.Errorf("%s report lacks %s at %s", f, v.Rule, v.Location.Path)
					}
				}
			}
		})
	}
}
