package config_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/config"
)

// FuzzParse: no .relgate.yaml makes the parser panic, and every refusal is
// a *config.Error that names the file, so the user knows what to fix.
func FuzzParse(f *testing.F) {
	for _, p := range []string{"../.relgate.yaml", "../testdata/demo/.relgate.yaml"} {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(sample))
	f.Add([]byte("environment: [x]\n"))
	f.Add([]byte("environments:\n  production:\n    fail_on: nope\n"))
	f.Add([]byte("unknown_key: 1\n"))
	f.Add([]byte("\t- :\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const name = "dir/.relgate.yaml"
		cfg, err := config.Parse(name, data)
		if err == nil {
			if cfg == nil {
				t.Fatal("no config and no error")
			}
			return
		}
		var ce *config.Error
		if !errors.As(err, &ce) || ce.File != name || !strings.HasPrefix(err.Error(), name+":") {
			t.Fatalf("the error does not name the file: %v", err)
		}
		if strings.Contains(err.Error(), "\n") {
			t.Fatalf("the error is not one line: %q", err)
		}
	})
}

// FuzzLoad: the same through the file system, with the path the user gave.
func FuzzLoad(f *testing.F) {
	f.Add([]byte(sample))
	f.Add([]byte("policies: 3\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, ".relgate.yaml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := config.Load(p, false); err != nil && !strings.HasPrefix(err.Error(), p+":") {
			t.Fatalf("the error does not name the file: %v", err)
		}
	})
}
