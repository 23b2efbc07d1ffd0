package scanners

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/config"
)

// TestConfigPathsStayInside: every path a repository's config names for a
// scanner — relative with "..", absolute, a glob's fixed directories, or a
// symbolic link in the repository — is a config error naming the key when
// it leaves the scanned root, and is accepted with --allow-outside-root or
// when it stays inside. Flags are not checked: whoever typed them chose them.
func TestConfigPathsStayInside(t *testing.T) {
	dir, outside := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(outside, "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(outside, "f"), filepath.Join(dir, "link")); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "local.tar"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	rel, err := filepath.Rel(dir, outside)
	if err != nil {
		t.Fatal(err)
	}
	abs := filepath.Join(outside, "f")
	for _, tc := range []struct {
		scanner, key string
		cfg          func(p string) *config.Config
	}{
		{"secrets", "secrets.config", func(p string) *config.Config {
			return &config.Config{Secrets: &config.SecretsConfig{Config: p}}
		}},
		{"migrations", "migrations.dirs", func(p string) *config.Config {
			return &config.Config{Migrations: &config.MigrationsConfig{Dirs: []string{"db", p}}}
		}},
		{"tests", "tests.junit", func(p string) *config.Config {
			return &config.Config{Tests: &config.TestsConfig{JUnit: []string{"reports/*.xml", p + "/**/*.xml"}}}
		}},
		{"tests", "tests.coverage", func(p string) *config.Config {
			return &config.Config{Tests: &config.TestsConfig{Coverage: p}}
		}},
		{"approvals", "approvals.change_record", func(p string) *config.Config {
			return &config.Config{Approvals: &config.ApprovalsConfig{ChangeRecord: p}}
		}},
		{"approvals", "approvals.github.code_owners", func(p string) *config.Config {
			return &config.Config{Approvals: &config.ApprovalsConfig{GitHub: &config.GitHubConfig{CodeOwners: p}}}
		}},
		{"slo", "slo.files", func(p string) *config.Config {
			return &config.Config{SLO: &config.SLOConfig{Files: []string{p + "/*.yaml"}}}
		}},
		{"slo", "slo.static", func(p string) *config.Config {
			return &config.Config{SLO: &config.SLOConfig{Static: p}}
		}},
		{"containers", "containers.images", func(p string) *config.Config {
			return &config.Config{Containers: &config.ContainersConfig{Images: []string{"alpine:3.20", "local.tar", p}}}
		}},
		{"containers", "containers.dockerfiles", func(p string) *config.Config {
			return &config.Config{Containers: &config.ContainersConfig{Dockerfiles: map[string]string{"app": "Dockerfile", "evil": p}}}
		}},
	} {
		for _, p := range []string{rel, rel + "/f", abs, outside, "link"} {
			if tc.key == "tests.junit" || tc.key == "slo.files" {
				if p == "link" {
					continue // a matched link is refused when the files are matched (pathglob)
				}
			}
			cfg := tc.cfg(filepath.ToSlash(p))
			err := checkConfigPaths(tc.scanner, Target{Dir: dir}, cfg)
			var ce *config.Error
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), tc.key+": ") || !strings.Contains(err.Error(), "outside the scanned directory") {
				t.Errorf("%s = %q: err = %v, want a config error naming the key", tc.key, p, err)
			}
			if err := checkConfigPaths(tc.scanner, Target{Dir: dir, AllowOutsideRoot: true}, cfg); err != nil {
				t.Errorf("%s = %q with --allow-outside-root: %v", tc.key, p, err)
			}
			if _, err := New(tc.scanner, Target{Dir: dir}, cfg); err == nil {
				t.Errorf("New(%s) with %s = %q: no error", tc.scanner, tc.key, p)
			}
		}
		if err := checkConfigPaths(tc.scanner, Target{Dir: dir}, tc.cfg("inside/x")); err != nil {
			t.Errorf("%s inside the root: %v", tc.key, err)
		}
	}
	// The --change-record flag wins over the config's and is not checked.
	cfg := &config.Config{Approvals: &config.ApprovalsConfig{ChangeRecord: abs}}
	if err := checkConfigPaths("approvals", Target{Dir: dir, ChangeRecord: abs}, cfg); err != nil {
		t.Errorf("a --change-record flag outside the root: %v", err)
	}
}

func TestGlobRoots(t *testing.T) {
	got := globRoots([]string{"reports/**/*.xml", "../x/*.xml", "/tmp/*.xml", "/*.xml", "*.xml", "a/b/c.xml", "a/{b,c}/d.xml"})
	want := []string{"reports", "../x", "/tmp", "/", ".", "a/b/c.xml", "a"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("globRoots = %q, want %q", got, want)
	}
}
