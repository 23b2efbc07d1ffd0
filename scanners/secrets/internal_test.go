package secrets

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	gitleaksconfig "github.com/zricethezav/gitleaks/v8/config"

	relconfig "github.com/relgate/relgate/config"
)

// TestPinnedVersionMatchesGoMod keeps the fallback version honest.
func TestPinnedVersionMatchesGoMod(t *testing.T) {
	data, err := os.ReadFile("../../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^\s*` + regexp.QuoteMeta(gitleaksModule) + `\s+(\S+)`).FindSubmatch(data)
	if m == nil || string(m[1]) != pinnedVersion {
		t.Fatalf("go.mod requires gitleaks %q, pinnedVersion is %q", m, pinnedVersion)
	}
}

func TestConfigTranslatedOncePerProcess(t *testing.T) {
	dir := t.TempDir()
	src, err := findConfig(dir, "")
	if err != nil || src.name != "default" {
		t.Fatalf("findConfig in an empty dir: %v, %q; want gitleaks' default", err, src.name)
	}
	if _, err := loadConfig(src); err != nil {
		t.Fatal(err)
	}
	loaded.Lock()
	before := loaded.translations
	loaded.Unlock()
	for range 3 {
		if _, err := loadConfig(src); err != nil {
			t.Fatal(err)
		}
	}
	loaded.Lock()
	after := loaded.translations
	loaded.Unlock()
	if after != before {
		t.Errorf("the default config was translated %d more times", after-before)
	}
}

// FuzzGitleaksConfig: a repository's .gitleaks.toml is untrusted input. Any
// content is either a config or a *config.Error, never a panic.
func FuzzGitleaksConfig(f *testing.F) {
	files, _ := filepath.Glob("testdata/*.toml")
	var seeds []string
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		seeds = append(seeds, string(data))
	}
	for _, seed := range append(seeds, gitleaksconfig.DefaultConfig) {
		if !strings.Contains(strings.ToLower(seed), "extend") { // a seed the fuzz function skips (below) would show as a skipped test
			f.Add([]byte(seed))
		}
	}
	silenceGitleaks()
	f.Fuzz(func(t *testing.T, data []byte) {
		// [extend] reads other files and moves gitleaks' global depth
		// counter: it is covered by the tests, not fuzzed.
		if bytes.Contains(bytes.ToLower(data), []byte("extend")) {
			t.Skip()
		}
		_, _, err := translate(configSource{name: "fuzz.toml", data: data, dir: t.TempDir()})
		var ce *relconfig.Error
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("error %v (%T) is not a *config.Error", err, err)
		}
	})
}
