package main

import (
	"path/filepath"
	"strings"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/waivers"
)

// loadWaivers reads the waiver file into the input's waivers: --waivers
// (relative to the working directory), else the config's waivers_file
// (relative to the repository), both required to exist; else the optional
// DIR/.relgate-waivers.yaml. A bad file is a usage error naming its line.
func loadWaivers(flag string, cfg *config.Config, dir string) ([]engine.Waiver, error) {
	path, optional := flag, false
	switch {
	case flag != "":
	case cfg.WaiversFile != "":
		path = cfg.WaiversFile
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
	default:
		path, optional = filepath.Join(dir, waivers.FileName), true
	}
	ws, err := waivers.Load(path, shownPath(path, dir), optional)
	if err != nil {
		return nil, usage(err)
	}
	return ws, nil
}

// shownPath is path as findings show it: relative to dir with forward
// slashes when inside it, else its base name (never an absolute path that
// differs between machines).
func shownPath(path, dir string) string {
	abs, err := filepath.Abs(path)
	if err != nil {
		return filepath.Base(path)
	}
	rel, err := filepath.Rel(dir, abs)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.Base(path)
	}
	return filepath.ToSlash(rel)
}
