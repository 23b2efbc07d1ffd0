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
	"github.com/relgate/relgate/internal/dbfetch"
	"github.com/relgate/relgate/scanners"
	"github.com/relgate/relgate/scanners/container"
	"github.com/relgate/relgate/scanners/deps"
)

// updateDB is `relgate db update` (the sources the request names), and the
// update a scan without --offline makes first (req.Auto: trivy's database
// when stale, reported in one line on stderr, never failing the scan —
// the scanner then reports what database it had).
func updateDB(ctx context.Context, req scanners.DBUpdate, w, stderr io.Writer) error {
	cfg, err := loadConfig(req)
	if err != nil {
		return err
	}
	var progress dbfetch.Progress
	if req.Progress {
		progress = dbfetch.Progress{W: stderr}
	}
	if slices.Contains(req.Sources, "osv") {
		if err := updateOSV(ctx, req, cfg, progress, w); err != nil {
			return err
		}
	}
	if !slices.Contains(req.Sources, "trivy") {
		return nil
	}
	o := container.UpdateOptions{Repositories: req.TrivyRepos, Insecure: req.Insecure, MaxAge: req.MaxAge, Progress: progress}
	root := req.DBDir
	if cc := cfg.Containers; cc != nil {
		if root == "" && cc.DBDir != "" {
			root = cc.DBDir
			if !filepath.IsAbs(root) {
				root = filepath.Join(req.Dir, root)
			}
		}
		if len(o.Repositories) == 0 {
			o.Repositories = cc.DBRepositories
		}
		if o.MaxAge == 0 {
			o.MaxAge = time.Duration(cc.DBMaxAge)
		}
	}
	info, err := container.UpdateDB(ctx, root, o)
	if err != nil {
		err = sourceError("trivy", err)
		if req.Auto {
			fmt.Fprintf(stderr, "relgate: %s\n", err)
			return nil
		}
		return err
	}
	state := "current"
	if info.Updated {
		state = "downloaded"
	}
	line := fmt.Sprintf("trivy: schema %d, data of %s, %s, in %s", info.SchemaVersion, info.UpdatedAt.Format(time.RFC3339), state, info.Path)
	switch {
	case !req.Auto:
		fmt.Fprintln(w, line)
	case info.Updated:
		fmt.Fprintf(stderr, "relgate: %s\n", line)
	}
	return nil
}

// sourceError says in one line that a database was not updated; a machine
// without a network is told how to scan anyway.
func sourceError(source string, err error) error {
	if dbfetch.IsNoNetwork(err) {
		return fmt.Errorf("no network: %s database not updated (%s); run with --offline to use the local databases", source, dbfetch.Reason(err))
	}
	return fmt.Errorf("db update: %s database: %w", source, err)
}

func loadConfig(req scanners.DBUpdate) (*config.Config, error) {
	if req.ConfigPath != "" {
		return config.Load(req.ConfigPath, false)
	}
	return config.Load(filepath.Join(req.Dir, config.FileName), true)
}

// updateOSV downloads the osv ecosystems' databases.
func updateOSV(ctx context.Context, req scanners.DBUpdate, cfg *config.Config, progress dbfetch.Progress, w io.Writer) error {
	opts := deps.UpdateOptions{Dir: req.DBDir, BaseURL: req.URL, Ecosystems: req.Ecosystems, Project: req.Dir, Progress: progress}
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
	if dbfetch.IsNoNetwork(err) {
		return sourceError("osv", err)
	}
	if err != nil {
		return fmt.Errorf("db update: %w", err)
	}
	return nil
}
