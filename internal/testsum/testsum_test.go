package testsum

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// goTestJSON runs the real `go test -json` over a throwaway module whose
// package tests pass, fail and skip, and one package that does not build.
func goTestJSON(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod":      "module example.com/m\n\ngo 1.24\n",
		"a/a_test.go": "package a\n\nimport \"testing\"\n\nfunc TestPass(t *testing.T) {}\n\nfunc TestFail(t *testing.T) { t.Log(\"the detail\"); t.Fatal(\"it broke\") }\n\nfunc TestSkip(t *testing.T) { t.Skip(\"tool missing: apt-get install x\") }\n",
		"b/b_test.go": "package b\n\nimport \"testing\"\n\nfunc TestOnlyPass(t *testing.T) {\n\tt.Run(\"sub\", func(t *testing.T) {})\n}\n",
		"c/c_test.go": "package c\n\nimport \"testing\"\n\nfunc TestBroken(t *testing.T) { undefined() }\n",
		"d/d.go":      "package d\n",
		"e/e_test.go": "package e\n\nimport (\n\t\"os\"\n\t\"testing\"\n)\n\nfunc TestMain(m *testing.M) { os.Exit(3) }\n\nfunc TestNeverRuns(t *testing.T) {}\n",
	}
	for name, text := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command("go", "test", "-json", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOPROXY=off", "GOFLAGS=", "GOWORK=off")
	out, err := cmd.Output()
	if ee := (*exec.ExitError)(nil); err != nil && !errors.As(err, &ee) {
		t.Fatalf("go test -json: %v", err)
	}
	return out
}

func TestReadRealGoTestJSON(t *testing.T) {
	var w bytes.Buffer
	s, err := Read(bytes.NewReader(goTestJSON(t)), &w)
	if err != nil {
		t.Fatal(err)
	}
	text := w.String()
	if s.Packages < 4 {
		t.Errorf("packages %d, want the 4 with tests (and d, without)\n%s", s.Packages, text)
	}
	// TestPass, TestOnlyPass and its subtest.
	if s.Passed != 3 {
		t.Errorf("passed %d, want 3\n%s", s.Passed, text)
	}
	wantFailed := []string{"example.com/m/a TestFail", "example.com/m/c [example.com/m/c.test] [build failed]", "example.com/m/e"}
	failed := slices.Clone(s.Failed)
	slices.Sort(failed)
	if !slices.Equal(failed, wantFailed) {
		t.Errorf("failed %q, want %q\n%s", failed, wantFailed, text)
	}
	if want := []string{"example.com/m/a TestSkip: skip_test.go"}; len(s.Skipped) != 1 || !strings.HasPrefix(s.Skipped[0], "example.com/m/a TestSkip: ") ||
		!strings.Contains(s.Skipped[0], "tool missing: apt-get install x") {
		t.Errorf("skipped %q, want one like %q with its reason", s.Skipped, want)
	}
	for _, want := range []string{"--- FAIL: TestFail (example.com/m/a)", "the detail", "it broke", "undefined: undefined", "ok  \texample.com/m/b", "exit status 3"} {
		if !strings.Contains(text, want) {
			t.Errorf("output lacks %q:\n%s", want, text)
		}
	}
	if strings.Contains(text, "=== RUN") || strings.Contains(text, "TestPass") {
		t.Errorf("output shows passing tests' chatter:\n%s", text)
	}
	if s.OK(true) || s.OK(false) {
		t.Error("a run with failures is OK")
	}
}

func TestSkipsFailUnlessAllowed(t *testing.T) {
	s := &Summary{Packages: 1, Passed: 1, Skipped: []string{"p TestX: no tool"}}
	if s.OK(false) {
		t.Error("a skip outside the short mode is OK")
	}
	if !s.OK(true) {
		t.Error("a skip in the short mode fails")
	}
	if !(&Summary{Packages: 1, Passed: 2}).OK(false) {
		t.Error("a clean run is not OK")
	}
}

func TestNonJSONLinesPassThrough(t *testing.T) {
	var w bytes.Buffer
	if _, err := Read(strings.NewReader("go: downloading x v1\n{\"Action\":\"start\",\"Package\":\"p\"}\n"), &w); err != nil {
		t.Fatal(err)
	}
	if w.String() != "go: downloading x v1\n" {
		t.Errorf("output %q", w.String())
	}
}
