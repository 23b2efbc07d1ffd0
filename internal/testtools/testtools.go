// Package testtools finds the external tools relgate's tests run for real
// (Prometheus, pre-commit, the SARIF validators, curl). A missing tool fails
// the test with the command that installs it: a check that switches itself
// off where its tool is absent proves nothing, so none may skip quietly.
// `make test` runs .ci/deps.sh first, which installs all of them.
package testtools

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Install is the one command that installs every tool the tests need.
const Install = "bash .ci/deps.sh (make test runs it)"

// ShortEnv is the documented opt-out for local loops: set to 1, the slow
// end-to-end tests skip, each saying so with this variable's name.
const ShortEnv = "RELGATE_TEST_SHORT"

// Short skips t when RELGATE_TEST_SHORT=1 (or go test -short), naming the
// variable and what is skipped, so the skip is visible in -v output.
func Short(t testing.TB, what string) {
	t.Helper()
	if os.Getenv(ShortEnv) == "1" || testing.Short() {
		t.Skipf("%s=1 (or -short): %s skipped", ShortEnv, what)
	}
}

// Command returns the path of the program name on PATH, or fails t with the
// install command.
func Command(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s is not installed: run `%s`", name, Install)
	}
	return path
}

// SARIFMultitool is the Microsoft SARIF multitool: RELGATE_SARIF_MULTITOOL,
// else the copy .ci/deps.sh installs under .tools/sarif.
func SARIFMultitool(t testing.TB) string {
	t.Helper()
	return sarifFile(t, "RELGATE_SARIF_MULTITOOL", "Sarif.Multitool")
}

// SARIFSchema is the SARIF 2.1.0 JSON Schema: RELGATE_SARIF_SCHEMA, else
// the copy .ci/deps.sh installs under .tools/sarif.
func SARIFSchema(t testing.TB) string {
	t.Helper()
	return sarifFile(t, "RELGATE_SARIF_SCHEMA", "sarif-2.1.0.json")
}

func sarifFile(t testing.TB, env, file string) string {
	t.Helper()
	if path := os.Getenv(env); path != "" {
		if _, err := os.Stat(path); err != nil { //nolint:gosec // a tool path the developer set for the tests
			t.Fatalf("%s: %v", env, err)
		}
		return path
	}
	path := filepath.Join(RepoRoot(t), ".tools", "sarif", "node_modules", "@microsoft", "sarif-multitool-"+runtime.GOOS, file)
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("%s is not set and %s is missing: run `%s`", env, path, Install)
	}
	return path
}

// RepoRoot is the directory holding go.mod, found upward from the test's
// working directory (its package directory).
func RepoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("find repository root: %v", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("find repository root: no go.mod above the test's directory")
		}
		dir = parent
	}
}
