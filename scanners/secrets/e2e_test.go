package secrets_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/internal/testtools"
	"github.com/relgate/relgate/report"
	"github.com/relgate/relgate/scanners/secrets"
)

// TestCanariesNeverLeaveTheAdapter runs the relgate binary over a repository
// with canaries in the working tree, in older history, in the change and in
// the index, in every mode, with every report format on stdout and as
// files, the input document saved, and debug logging — and fails if a
// canary shows anywhere. It also checks that the canaries were found, so it
// cannot pass by finding nothing.
func TestCanariesNeverLeaveTheAdapter(t *testing.T) {
	testtools.Short(t, "an end-to-end test that builds the relgate binary")
	bin := relgateBinary(t)
	gittest.Isolate(t)
	r := gittest.New(t)
	tree, hist, change, index := canaries("e2e-tree"), canaries("e2e-history"), canaries("e2e-change"), canaries("e2e-index")
	all := [][]canary{tree, hist, change, index}
	r.Write(".relgate.yaml", "environment: production\nsecrets:\n  history: all\n")
	r.Write("README.md", "# demo\n")
	for _, c := range tree {
		r.Write("tree/"+c.Kind+".txt", file(c))
	}
	r.Commit("feat: tree")
	for _, c := range hist {
		r.Write("old/"+c.Kind+".txt", file(c))
	}
	r.Commit("feat: old")
	r.Remove("old")
	r.Commit("fix: remove old")
	base := r.Head()
	for _, c := range change {
		r.Write("change/"+c.Kind+".txt", file(c))
	}
	r.Commit("feat: change")
	for _, c := range index {
		r.Write("staged/"+c.Kind+".txt", file(c))
	}
	r.Stage("staged")

	paths := func(dir string, cs []canary) []string {
		var out []string
		for _, c := range cs {
			out = append(out, dir+"/"+c.Kind+".txt")
		}
		return out
	}
	modes := []struct {
		name string
		args []string
		// want maps where → the paths expected there.
		want map[string][]string
	}{
		{"tree", nil, map[string][]string{
			"tree":    slices.Concat(paths("change", change), paths("staged", index), paths("tree", tree)),
			"history": paths("old", hist),
		}},
		{"base", []string{"--base", base}, map[string][]string{
			"change":  paths("change", change),
			"history": slices.Concat(paths("old", hist), paths("tree", tree)),
		}},
		{"staged", []string{"--staged"}, map[string][]string{
			"change": paths("staged", index),
		}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			var saved string
			for _, format := range report.Formats() {
				out := t.TempDir()
				args := []string{"check", r.Dir, "--scanners", "secrets", "--format", format, "--log-level", "debug",
					"--save-input", filepath.Join(out, "input.json")}
				for _, f := range report.Formats() {
					args = append(args, "--report", f+"="+filepath.Join(out, "report."+f))
				}
				stdout, stderr, code := runBinary(t, bin, append(args, m.args...)...)
				if code != 1 {
					t.Fatalf("%s: exit %d, want 1 (the gate fails on the secrets)\nstderr:\n%s", format, code, stderr)
				}
				if !strings.Contains(string(stderr), "level=DEBUG") {
					t.Errorf("%s: no debug log on stderr", format)
				}
				assertNoCanary(t, format+" report on stdout", stdout, all...)
				assertNoCanary(t, "the debug log ("+format+")", stderr, all...)
				files, _ := filepath.Glob(filepath.Join(out, "*"))
				if len(files) != len(report.Formats())+1 {
					t.Fatalf("want %d report files and the input, got %v", len(report.Formats()), files)
				}
				for _, f := range files {
					data, err := os.ReadFile(f)
					if err != nil {
						t.Fatal(err)
					}
					assertNoCanary(t, filepath.Base(f)+" ("+format+")", data, all...)
				}
				saved = filepath.Join(out, "input.json")
				checkFound(t, saved, m.want)
				if format == "json" && !strings.Contains(string(stdout), `"SEC001"`) {
					t.Errorf("the json report names no SEC001 finding")
				}
			}
			// Re-judging the saved document and printing it leak nothing either.
			data, err := os.ReadFile(saved)
			if err != nil {
				t.Fatal(err)
			}
			keep := filepath.Join(t.TempDir(), "input.json")
			if err := os.WriteFile(keep, data, 0o644); err != nil {
				t.Fatal(err)
			}
			for _, format := range report.Formats() {
				stdout, stderr, code := runBinary(t, bin, "eval", "--input", keep, "--format", format, "--log-level", "debug")
				if code != 1 {
					t.Errorf("eval %s: exit %d, want 1\n%s", format, code, stderr)
				}
				assertNoCanary(t, "eval "+format, append(stdout, stderr...), all...)
			}
			stdout, stderr, code := runBinary(t, bin, append([]string{"scan", r.Dir, "--scanners", "secrets", "--log-level", "debug"}, m.args...)...)
			if code != 0 {
				t.Errorf("scan: exit %d\n%s", code, stderr)
			}
			assertNoCanary(t, "scan", append(stdout, stderr...), all...)
		})
	}
}

// checkFound reads a saved input document and checks that the secrets are
// where the mode should find them.
func checkFound(t *testing.T, path string, want map[string][]string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var in engine.Input
	if err := json.Unmarshal(data, &in); err != nil {
		t.Fatal(err)
	}
	got := map[string][]string{}
	for _, s := range in.Secrets {
		got[s.Where] = append(got[s.Where], s.Location.Path)
	}
	for where, paths := range want {
		slices.Sort(paths)
		g := slices.Compact(slices.Sorted(slices.Values(got[where])))
		if !slices.Equal(g, paths) {
			t.Errorf("%s findings in %v, want %v", where, g, paths)
		}
	}
	for where := range got {
		if _, ok := want[where]; !ok {
			t.Errorf("unexpected %s findings: %v", where, got[where])
		}
	}
	for _, s := range in.Scanners {
		if s.Name == "secrets" && s.Status != engine.StatusOK {
			t.Errorf("secrets scanner %s: %s", s.Status, s.Error)
		}
	}
}

// TestCLIUsageErrors: what cannot be scanned as asked exits 2 with a clear
// message.
func TestCLIUsageErrors(t *testing.T) {
	testtools.Short(t, "an end-to-end test that builds the relgate binary")
	bin := relgateBinary(t)
	gittest.Isolate(t)
	plain := t.TempDir()
	r := gittest.New(t)
	r.Write("a.txt", "a\n")
	r.Commit("chore: init")
	bad := gittest.New(t)
	bad.Write(secrets.ConfigFileName, "title = \"x\"\n[[rules]]\nid = \"r\"\nregex = '''(unclosed'''\n")
	noGit := t.TempDir()
	tests := []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{"staged outside a repository", nil, []string{"check", plain, "--staged"}, "git repository"},
		{"base outside a repository", nil, []string{"check", plain, "--base", "main"}, "git repository"},
		{"malformed .gitleaks.toml", nil, []string{"check", bad.Dir}, filepath.Join(bad.Dir, secrets.ConfigFileName) + ":4: "},
		{"no git on PATH", []string{"PATH=" + noGit}, []string{"check", r.Dir}, "git not found on PATH"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(bin, append(tt.args, "--scanners", "secrets")...)
			cmd.Env = append(os.Environ(), tt.env...)
			out, _ := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), tt.want) {
				t.Errorf("exit %d, output:\n%s\nwant exit 2 and %q", code, out, tt.want)
			}
		})
	}
}
