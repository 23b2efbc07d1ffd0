package scanners

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/internal/boundary"
)

// configPaths lists, key by key, the paths the config gives the named
// scanner to read: directories, files and the fixed leading directories of
// glob patterns. Paths that come from flags are not listed: whoever typed
// them chose them.
func configPaths(name string, t Target, cfg *config.Config) [][2]string {
	if cfg == nil {
		return nil
	}
	var out [][2]string
	add := func(key string, paths ...string) {
		for _, p := range paths {
			if p != "" {
				out = append(out, [2]string{key, p})
			}
		}
	}
	switch name {
	case "secrets":
		if c := cfg.Secrets; c != nil {
			add("secrets.config", c.Config)
		}
	case "migrations":
		if c := cfg.Migrations; c != nil {
			add("migrations.dirs", c.Dirs...)
		}
	case "tests":
		if c := cfg.Tests; c != nil {
			add("tests.junit", globRoots(c.JUnit)...)
			add("tests.coverage", c.Coverage)
		}
	case "approvals":
		if c := cfg.Approvals; c != nil {
			if t.ChangeRecord == "" {
				add("approvals.change_record", c.ChangeRecord)
			}
			if c.GitHub != nil {
				add("approvals.github.code_owners", c.GitHub.CodeOwners)
			}
		}
	case "slo":
		if c := cfg.SLO; c != nil {
			add("slo.files", globRoots(c.Files)...)
			add("slo.static", c.Static)
		}
	case "containers":
		if c := cfg.Containers; c != nil {
			for _, img := range c.Images {
				if imagePath(t.Dir, img) {
					add("containers.images", img)
				}
			}
			for _, img := range slices.Sorted(func(yield func(string) bool) {
				for k := range c.Dockerfiles {
					if !yield(k) {
						return
					}
				}
			}) {
				add("containers.dockerfiles", c.Dockerfiles[img])
			}
		}
	}
	return out
}

// checkConfigPaths keeps the paths a repository's config names for the
// scanner inside the scanned root once symlinks are resolved: the config
// comes with the repository, which is untrusted input, and a configured
// "../../../other-checkout" or "/etc/passwd" must not become facts (or an
// error message quoting it). --allow-outside-root lets them out.
func checkConfigPaths(name string, t Target, cfg *config.Config) error {
	if t.AllowOutsideRoot || t.Dir == "" {
		return nil
	}
	for _, kp := range configPaths(name, t, cfg) {
		key, p := kp[0], kp[1]
		if _, err := boundary.Resolve(t.Dir, filepath.FromSlash(p)); err != nil {
			return &config.Error{File: config.FileName, Msg: fmt.Sprintf("%s: %q %v (pass --allow-outside-root to scan it anyway)", key, p, err)}
		}
	}
	return nil
}

// globRoots are the fixed leading directories of doublestar patterns:
// "../reports/**/*.xml" reads under "../reports", "/tmp/*.xml" under "/tmp".
func globRoots(patterns []string) []string {
	out := make([]string, 0, len(patterns))
	for _, pat := range patterns {
		parts := strings.Split(filepath.ToSlash(pat), "/")
		n := 0
		for n < len(parts) && !strings.ContainsAny(parts[n], `*?[{\`) {
			n++
		}
		root := strings.Join(parts[:n], "/")
		switch {
		case root == "" && strings.HasPrefix(pat, "/"):
			root = "/"
		case root == "":
			root = "."
		}
		out = append(out, root)
	}
	return out
}

// imagePath tells an image archive or layout path from a registry
// reference: absolute, dot-relative, or a file that exists in dir. A
// registry reference never starts with "/" or ".".
func imagePath(dir, img string) bool {
	if filepath.IsAbs(img) || strings.HasPrefix(img, ".") {
		return true
	}
	_, err := os.Lstat(filepath.Join(dir, filepath.FromSlash(img)))
	return err == nil
}
