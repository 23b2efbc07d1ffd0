package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigPathOutsideTheRoot: a repository's config that points the
// migrations scanner outside the repository is a config error naming the
// key, unless --allow-outside-root says otherwise.
func TestConfigPathOutsideTheRoot(t *testing.T) {
	r := releaseRepo(t)
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "0001_x.up.sql"), "CREATE TABLE x (id int);\n")
	rel, err := filepath.Rel(r.Dir, outside)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(r.Dir, ".relgate.yaml"), "migrations:\n  dirs: ["+rel+"]\n")
	code, _, stderr := cli(t, "scan", r.Dir, "--scanners", "migrations")
	if code != exitUsage || !strings.Contains(stderr, "migrations.dirs") || !strings.Contains(stderr, "outside") {
		t.Fatalf("exit %d, want %d with an error naming migrations.dirs:\n%s", code, exitUsage, stderr)
	}
	code, stdout, stderr := cli(t, "scan", r.Dir, "--scanners", "migrations", "--allow-outside-root")
	if code != exitPass || !strings.Contains(stdout, "0001_x.up.sql") {
		t.Fatalf("--allow-outside-root: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// TestConfigReportOutsideTheRoot: a repository's config that names a
// coverage file outside the repository (an absolute path to another
// checkout's passing run) is a config error naming the key;
// --allow-outside-root reads it.
func TestConfigReportOutsideTheRoot(t *testing.T) {
	r := releaseRepo(t)
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "cover.out"), "mode: set\na.go:1.1,2.2 1 1\n")
	writeFile(t, filepath.Join(r.Dir, ".relgate.yaml"), "tests:\n  coverage: "+filepath.Join(outside, "cover.out")+"\n")
	code, _, stderr := cli(t, "scan", r.Dir, "--scanners", "tests")
	if code != exitUsage || !strings.Contains(stderr, "tests.coverage") || !strings.Contains(stderr, "outside") {
		t.Fatalf("exit %d, want %d with an error naming tests.coverage:\n%s", code, exitUsage, stderr)
	}
	code, stdout, stderr := cli(t, "scan", r.Dir, "--scanners", "tests", "--allow-outside-root")
	if code != exitPass || !strings.Contains(stdout, `"coverage_format"`) {
		t.Fatalf("--allow-outside-root: exit %d\n%s\n%s", code, stdout, stderr)
	}
}
