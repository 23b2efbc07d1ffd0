package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDBUpdateTrivySource: --sources trivy updates only trivy's database,
// and an unreachable registry is a runtime error naming the repository
// (the old database, if any, stays: see scanners/container's tests); with
// nothing listening there, it is the one no-network line.
func TestDBUpdateTrivySource(t *testing.T) {
	dir := t.TempDir()
	code, _, stderr := cli(t, "db", "update", dir, "--db-dir", filepath.Join(dir, "db"),
		"--sources", "trivy", "--trivy-repo", "127.0.0.1:1/trivy-db:2", "--insecure-registry")
	if code != exitRuntime || !strings.Contains(stderr, "no network: trivy database not updated (dial tcp 127.0.0.1:1: ") || strings.Count(stderr, "\n") != 1 {
		t.Errorf("unreachable registry: exit %d\n%s", code, stderr)
	}
	if code, _, stderr := cli(t, "db", "update", dir, "--sources", "nope"); code != exitUsage || !strings.Contains(stderr, `unknown source "nope"`) {
		t.Errorf("unknown source: exit %d\n%s", code, stderr)
	}
}
