package main

import (
	"os"
	"path/filepath"
	"testing"
)

// runAsCLI makes the test binary behave as the relgate command when set:
// tests that drive relgate through other programs (pre-commit, make, the
// README's commands) put a shim named relgate on PATH that re-executes this
// binary, so they need no second build of a 300 MB binary.
const runAsCLI = "RELGATE_TEST_RUN_AS_CLI"

func TestMain(m *testing.M) {
	if os.Getenv(runAsCLI) == "1" {
		os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
	}
	m.Run()
}

// relgateShim writes an executable named relgate that runs this test binary
// as the CLI, and returns its directory, to put first on PATH.
func relgateShim(t *testing.T) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	script := "#!/bin/sh\n" + runAsCLI + "=1 exec '" + self + "' \"$@\"\n"
	if err := os.WriteFile(filepath.Join(dir, "relgate"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return dir
}
