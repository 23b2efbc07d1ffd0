package engine_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

// TestFormatFiles: the files whose layout differs from opa fmt's are
// listed (check) or rewritten in place (write); formatted, hidden and
// non-Rego files are left alone; a file that does not parse is named with
// its line, and the others are still formatted.
func TestFormatFiles(t *testing.T) {
	dir := t.TempDir()
	const clean = "package a\n\nx := 1\n"
	writePolicy(t, filepath.Join(dir, "a.rego"), clean)
	writePolicy(t, filepath.Join(dir, "sub", "b.rego"), "package b\nx:=1\n")
	writePolicy(t, filepath.Join(dir, ".git", "c.rego"), "package c\nx:=1\n")
	writePolicy(t, filepath.Join(dir, "notes.txt"), "x:=1\n")
	if err := os.Chmod(filepath.Join(dir, "sub", "b.rego"), 0o600); err != nil {
		t.Fatal(err)
	}
	b := filepath.Join(dir, "sub", "b.rego")

	changed, err := engine.FormatFiles([]string{dir}, false)
	if err != nil || !slices.Equal(changed, []string{b}) {
		t.Fatalf("check: %v, %v; want [%s]", changed, err, b)
	}
	if got, _ := os.ReadFile(b); string(got) != "package b\nx:=1\n" {
		t.Fatalf("check rewrote the file: %q", got)
	}

	changed, err = engine.FormatFiles([]string{dir}, true)
	if err != nil || !slices.Equal(changed, []string{b}) {
		t.Fatalf("write: %v, %v", changed, err)
	}
	if got, _ := os.ReadFile(b); string(got) != "package b\n\nx := 1\n" {
		t.Errorf("written: %q", got)
	}
	if fi, _ := os.Stat(b); fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600 kept", fi.Mode().Perm())
	}
	if got, _ := os.ReadFile(filepath.Join(dir, ".git", "c.rego")); string(got) != "package c\nx:=1\n" {
		t.Errorf("a hidden directory was formatted: %q", got)
	}
	if changed, err := engine.FormatFiles([]string{dir}, false); err != nil || len(changed) != 0 {
		t.Errorf("after write: %v, %v", changed, err)
	}

	writePolicy(t, filepath.Join(dir, "bad.rego"), "package bad\n\nx if {\n")
	writePolicy(t, filepath.Join(dir, "d.rego"), "package d\ny:=2\n")
	changed, err = engine.FormatFiles([]string{dir}, true)
	var pe *engine.PolicyError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "format policies: "+filepath.Join(dir, "bad.rego")+":4: rego_parse_error") {
		t.Errorf("err = %v, want bad.rego:4 as a *PolicyError", err)
	}
	if !slices.Equal(changed, []string{filepath.Join(dir, "d.rego")}) {
		t.Errorf("changed = %v: the file beside the broken one is formatted too", changed)
	}

	if _, err := engine.FormatFiles([]string{filepath.Join(dir, "none")}, false); err == nil || !strings.Contains(err.Error(), "none: no such file") {
		t.Errorf("missing path: %v", err)
	}
}
