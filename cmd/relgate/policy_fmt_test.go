package main

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
)

// TestPolicyFmt: --check and -l list without changing, --check exits 1;
// plain fmt rewrites; a file that does not parse is exit 2 with its line.
func TestPolicyFmt(t *testing.T) {
	dir := t.TempDir()
	ugly := writeFile(t, filepath.Join(dir, "p", "ugly.rego"), "package ugly\nx:=1\n")
	writeFile(t, filepath.Join(dir, "p", "fine.rego"), "package fine\n\nx := 1\n")
	pdir := filepath.Dir(ugly)

	for _, tt := range []struct {
		args []string
		exit int
	}{{[]string{"--check"}, exitFail}, {[]string{"-l"}, exitPass}} {
		code, stdout, stderr := cli(t, append([]string{"policy", "fmt", pdir}, tt.args...)...)
		if code != tt.exit || stdout != ugly+"\n" || mustRead(t, ugly) != "package ugly\nx:=1\n" {
			t.Fatalf("%v: exit %d (want %d)\n%s\n%s", tt.args, code, tt.exit, stdout, stderr)
		}
	}
	if code, stdout, stderr := cli(t, "policy", "fmt", pdir); code != exitPass || stdout != ugly+"\n" || mustRead(t, ugly) != "package ugly\n\nx := 1\n" {
		t.Fatalf("fmt: exit %d\n%s\n%s\n%s", code, stdout, stderr, mustRead(t, ugly))
	}
	if code, stdout, _ := cli(t, "policy", "fmt", "--check", pdir); code != exitPass || stdout != "" {
		t.Errorf("formatted: exit %d\n%s", code, stdout)
	}

	bad := writeFile(t, filepath.Join(dir, "bad.rego"), "package bad\n\nx if {\n")
	if code, _, stderr := cli(t, "policy", "fmt", bad); code != exitUsage || !strings.Contains(stderr, bad+":4: rego_parse_error") {
		t.Errorf("parse error: exit %d\n%s", code, stderr)
	}
	if code, _, _ := cli(t, "policy", "fmt"); code != exitUsage {
		t.Errorf("no path: exit %d", code)
	}
}

// TestPolicyPull: a bundle pulled over (loopback) HTTP with its digest is
// stored, and the workbench reads it from there; a wrong digest, an
// unpinned plain-HTTP host and a missing --output are refused.
func TestPolicyPull(t *testing.T) {
	archive := acmeArchive(t)
	h := sha256.Sum256([]byte(mustRead(t, archive)))
	digest := "sha256:" + hex.EncodeToString(h[:])
	srv := httptest.NewServer(http.FileServer(http.Dir(filepath.Dir(archive))))
	defer srv.Close()
	url := srv.URL + "/" + filepath.Base(archive)
	out := filepath.Join(t.TempDir(), "offline")

	code, stdout, stderr := cli(t, "policy", "pull", url, "--output", out, "--digest", digest)
	file := filepath.Join(out, filepath.Base(archive))
	if code != exitPass || stdout != digest+" "+file+"\n" {
		t.Fatalf("pull: exit %d\n%s\n%s", code, stdout, stderr)
	}
	srv.Close()
	if code, stdout, stderr := cli(t, "policy", "doc", file); code != exitPass || !strings.Contains(stdout, "### ACME001") {
		t.Fatalf("doc of the pulled bundle: exit %d\n%s\n%s", code, stdout, stderr)
	}

	for _, tt := range []struct {
		name   string
		args   []string
		exit   int
		stderr string
	}{
		{"wrong digest", []string{url, "--output", t.TempDir(), "--digest", "sha256:" + strings.Repeat("ab", 32)}, exitRuntime, "pull policy bundle"},
		{"malformed digest", []string{url, "--output", t.TempDir(), "--digest", "md5:1"}, exitUsage, "--digest"},
		{"unpinned plain HTTP", []string{"http://example.invalid/b.tar.gz", "--output", t.TempDir()}, exitUsage, "plain HTTP"},
		{"no output", []string{url}, exitUsage, "--output"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := cli(t, append([]string{"policy", "pull"}, tt.args...)...)
			if code != tt.exit || !strings.Contains(stderr, tt.stderr) {
				t.Errorf("exit %d (want %d)\n%s", code, tt.exit, stderr)
			}
		})
	}
}
