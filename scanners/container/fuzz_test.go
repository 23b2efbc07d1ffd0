package container

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedFiles adds every file under testdata/iac to the corpus.
func seedFiles(f *testing.F) {
	err := filepath.WalkDir(iacDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(p)
		if err == nil {
			f.Add(filepath.Base(p), data)
		}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
}

// FuzzParseErrors feeds arbitrary Terraform and YAML to the parse checks:
// they must not panic, and a reported line must lie in the file.
func FuzzParseErrors(f *testing.F) {
	seedFiles(f)
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		for _, n := range []string{"main.tf", "main.tf.json", "app.yaml"} {
			_, check := parserFor(n)
			line, msg, bad := check(n, data)
			if bad && msg == "" {
				t.Errorf("%s: an error without a message", n)
			}
			if lines := strings.Count(string(data), "\n") + 2; line < 0 || line > lines {
				t.Errorf("%s: line %d outside the file's %d lines", n, line, lines)
			}
		}
	})
}

// FuzzDockerfileFrom parses arbitrary Dockerfiles: an error or lines within
// the file, never a panic.
func FuzzDockerfileFrom(f *testing.F) {
	seedFiles(f)
	f.Add("Dockerfile", []byte("FROM a AS b\nFROM b \\\n  AS c\n"))
	f.Fuzz(func(t *testing.T, _ string, data []byte) {
		p := filepath.Join(t.TempDir(), "Dockerfile")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		start, end, err := fromLines(p)
		if err == nil && (start < 1 || end < start) {
			t.Errorf("lines %d-%d", start, end)
		}
	})
}

// FuzzOCITarball unpacks arbitrary tarballs as OCI layouts: nothing may be
// written outside the target directory.
func FuzzOCITarball(f *testing.F) {
	tmp := f.TempDir()
	layout := filepath.Join(tmp, "layout")
	writeOCILayout(f, layout, newImage(f, "app", layer(f, files{"etc/debian_version": "12.5\n"})))
	good := filepath.Join(tmp, "good.tar")
	tarDir(f, layout, good)
	for _, p := range []string{good} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	evil := filepath.Join(tmp, "evil.tar")
	writeTar(f, evil, files{"index.json": "{}", "../escape": "x"})
	if data, err := os.ReadFile(evil); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		archive := filepath.Join(root, "in.tar")
		if err := os.WriteFile(archive, data, 0o644); err != nil {
			t.Fatal(err)
		}
		dst := filepath.Join(root, "out", "dst")
		if err := os.MkdirAll(dst, 0o700); err != nil {
			t.Fatal(err)
		}
		_, _ = archiveKind(archive)
		_ = extractTar(archive, dst)
		entries, err := os.ReadDir(filepath.Join(root, "out"))
		if err != nil || len(entries) != 1 {
			t.Errorf("something was written beside the target directory: %v %v", entries, err)
		}
	})
}
