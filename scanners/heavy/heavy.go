// Package heavy registers the scanners built on trivy and osv-scanner
// (deps, containers, iac) with package scanners. Their libraries are most
// of a full build: about 200 MB of binary and 0.2 s of package
// initialisation on every start, paid by `relgate version` and `relgate
// eval` alike. So relgate does not link them: relgate-scanners does, and
// relgate runs it for the scanners that need them (see
// scanners/helper.go). A program that imports this package runs them in
// process instead (relgate-scanners itself, and relgate's tests).
package heavy

import (
	"os"
	"path/filepath"
	"slices"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/scanners"
	"github.com/relgate/relgate/scanners/container"
	"github.com/relgate/relgate/scanners/deps"
)

func init() {
	scanners.Register("deps", func(t scanners.Target, cfg *config.Config) (scanners.Scanner, error) { return newDeps(t, cfg), nil })
	scanners.Register("containers", func(t scanners.Target, cfg *config.Config) (scanners.Scanner, error) {
		return newContainers(t, cfg), nil
	})
	scanners.Register("iac", func(t scanners.Target, _ *config.Config) (scanners.Scanner, error) {
		return container.NewIaCWith(container.IaCOptions{Dir: t.Dir, Base: t.Base, Skip: t.Skip}), nil
	})
	scanners.RegisterDBUpdate(updateDB)
}

// newDeps maps the target and the deps section of the config onto the
// osv-scanner adapter: --offline and --db-dir win over the config.
func newDeps(t scanners.Target, cfg *config.Config) scanners.Scanner {
	o := deps.Options{Dir: t.Dir, Base: t.Base, Offline: t.Offline, DBDir: t.DBDir, Skip: t.Skip}
	if cfg != nil && cfg.Deps != nil {
		o.Offline = o.Offline || cfg.Deps.Offline
		o.Exclude = cfg.Deps.Exclude
		if o.DBDir == "" && cfg.Deps.DBDir != "" {
			o.DBDir = cfg.Deps.DBDir
			if !filepath.IsAbs(o.DBDir) {
				o.DBDir = filepath.Join(t.Dir, o.DBDir)
			}
		}
	}
	return deps.New(o)
}

// newContainers maps the target and the containers section of the config
// onto the trivy image adapter: --image adds to the config's images, and
// --db-dir wins over its db_dir. Paths in the config are relative to the
// repository root.
func newContainers(t scanners.Target, cfg *config.Config) scanners.Scanner {
	o := container.Options{Dir: t.Dir, Images: slices.Clone(t.Images), DBDir: t.DBDir, Offline: t.Offline}
	if cfg != nil && cfg.Containers != nil {
		cc := cfg.Containers
		for _, img := range cc.Images {
			if p := filepath.Join(t.Dir, img); t.Dir != "" && !filepath.IsAbs(img) {
				if _, err := os.Stat(p); err == nil {
					img = p
				}
			}
			if !slices.Contains(o.Images, img) {
				o.Images = append(o.Images, img)
			}
		}
		o.ImageDockerfiles = cc.Dockerfiles
		if o.DBDir == "" && cc.DBDir != "" {
			o.DBDir = cc.DBDir
			if !filepath.IsAbs(o.DBDir) {
				o.DBDir = filepath.Join(t.Dir, o.DBDir)
			}
		}
	}
	return container.New(o)
}
