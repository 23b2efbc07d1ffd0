package heavy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"time"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/scanners"
	"github.com/relgate/relgate/scanners/container"
	"github.com/relgate/relgate/scanners/deps"
)

// updateDB is `relgate db update`: the osv databases of the project's
// ecosystems, and trivy's when asked.
func updateDB(ctx context.Context, req scanners.DBUpdate, w io.Writer) error {
	cfg, err := loadConfig(req)
	if err != nil {
		return err
	}
	if slices.Contains(req.Sources, "osv") {
		if err := updateOSV(ctx, req, cfg, w); err != nil {
			return err
		}
	}
	if !slices.Contains(req.Sources, "trivy") {
		return nil
	}
	root := req.DBDir
	if root == "" && cfg.Containers != nil && cfg.Containers.DBDir != "" {
		root = cfg.Containers.DBDir
		if !filepath.IsAbs(root) {
			root = filepath.Join(req.Dir, root)
		}
	}
	info, err := container.UpdateDB(ctx, root, container.UpdateOptions{Repositories: req.TrivyRepos, Insecure: req.Insecure})
	if err != nil {
		return fmt.Errorf("db update: trivy database: %w", err)
	}
	state := "current"
	if info.Updated {
		state = "downloaded"
	}
	fmt.Fprintf(w, "trivy: schema %d, data of %s, %s, in %s\n", info.SchemaVersion, info.UpdatedAt.Format(time.RFC3339), state, info.Path)
	return nil
}

func loadConfig(req scanners.DBUpdate) (*config.Config, error) {
	if req.ConfigPath != "" {
		return config.Load(req.ConfigPath, false)
	}
	return config.Load(filepath.Join(req.Dir, config.FileName), true)
}

// updateOSV downloads the osv ecosystems' databases.
func updateOSV(ctx context.Context, req scanners.DBUpdate, cfg *config.Config, w io.Writer) error {
	opts := deps.UpdateOptions{Dir: req.DBDir, BaseURL: req.URL, Ecosystems: req.Ecosystems, Project: req.Dir}
	if c := cfg.Deps; c != nil {
		opts.Exclude = c.Exclude
		if opts.Dir == "" && c.DBDir != "" {
			opts.Dir = c.DBDir
			if !filepath.IsAbs(opts.Dir) {
				opts.Dir = filepath.Join(req.Dir, opts.Dir)
			}
		}
		if opts.BaseURL == "" {
			opts.BaseURL = c.DBURL
		}
	}
	updated, err := deps.UpdateDB(ctx, opts)
	for _, u := range updated {
		fmt.Fprintf(w, "%s: %d advisories, data of %s, in %s\n", u.Ecosystem, u.Records, u.UpdatedAt.Format(time.RFC3339), u.Path)
		for _, r := range u.Invalid {
			fmt.Fprintf(w, "  %s: skipped by osv-scanner: %s %s\n", u.Ecosystem, r.File, r.Error)
		}
	}
	if errors.Is(err, deps.ErrNoLockfiles) {
		// Nothing to update is a finished update, not a runtime error:
		// say so, and which flag names ecosystems.
		fmt.Fprintf(w, "osv: nothing to update: no lockfiles in %s (name ecosystems with --ecosystems)\n", req.Dir)
		return nil
	}
	if err != nil {
		return fmt.Errorf("db update: %w", err)
	}
	return nil
}
