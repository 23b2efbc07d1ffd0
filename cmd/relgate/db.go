package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/scanners/container"
	"github.com/relgate/relgate/scanners/deps"
)

func (a *app) dbCommand() *cobra.Command {
	db := &cobra.Command{Use: "db", Short: "Manage the offline vulnerability databases"}
	var o struct {
		config, dbDir, url string
		ecosystems         []string
		sources            []string
		insecure           bool
		trivyRepos         []string
	}
	update := &cobra.Command{
		Use:   "update [PATH]",
		Short: "Download the vulnerability databases of PATH's ecosystems (or --ecosystems) for --offline scans",
		Long: "Downloads <url>/<Ecosystem>/all.zip for each ecosystem into <db-dir>/osv-scalibr/<Ecosystem>/,\n" +
			"osv-scanner's offline layout. Every archive is checked and every advisory validated before it\n" +
			"replaces the old one; a failed download leaves the old database in place.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.ran = true
			dir, err := resolveDir(args)
			if err != nil {
				return err
			}
			cfg, _, err := loadConfig(o.config, dir)
			if err != nil {
				return err
			}
			for _, src := range o.sources {
				if src != "osv" && src != "trivy" {
					return usage(fmt.Errorf("--sources: unknown source %q (known: osv, trivy)", src))
				}
			}
			if slices.Contains(o.sources, "osv") {
				if err := a.updateOSV(cmd.Context(), dir, cfg, o.dbDir, o.url, o.ecosystems); err != nil {
					return err
				}
			}
			if !slices.Contains(o.sources, "trivy") {
				return nil
			}
			root := o.dbDir
			if root == "" && cfg.Containers != nil && cfg.Containers.DBDir != "" {
				root = cfg.Containers.DBDir
				if !filepath.IsAbs(root) {
					root = filepath.Join(dir, root)
				}
			}
			info, err := container.UpdateDB(cmd.Context(), root, container.UpdateOptions{Repositories: o.trivyRepos, Insecure: o.insecure})
			if err != nil {
				return fmt.Errorf("db update: trivy database: %w", err)
			}
			state := "current"
			if info.Updated {
				state = "downloaded"
			}
			fmt.Fprintf(a.stdout, "trivy: schema %d, data of %s, %s, in %s\n", info.SchemaVersion, info.UpdatedAt.Format(time.RFC3339), state, info.Path)
			return nil
		},
	}
	f := update.Flags()
	f.StringVar(&o.config, "config", "", "config file (default PATH/.relgate.yaml)")
	f.StringVar(&o.dbDir, "db-dir", "", "database directory (default: the config's deps.db_dir or containers.db_dir, else under the user cache directory)")
	f.StringVar(&o.url, "url", "", "osv download base URL (default: the config's deps.db_url, else "+deps.DefaultDBURL+")")
	f.StringSliceVar(&o.ecosystems, "ecosystems", nil, "osv ecosystems to download, e.g. npm,Go,PyPI,crates.io (default: those of PATH's lockfiles)")
	f.StringSliceVar(&o.sources, "sources", []string{"osv"}, "databases to update: osv (dependencies), trivy (images)")
	f.StringArrayVar(&o.trivyRepos, "trivy-repo", nil, "OCI repository of trivy's database, tried in order (repeatable; default trivy's own)")
	f.BoolVar(&o.insecure, "insecure-registry", false, "allow plain HTTP to the trivy database registry")
	db.AddCommand(update)
	return db
}

// updateOSV downloads the osv ecosystems' databases.
func (a *app) updateOSV(ctx context.Context, dir string, cfg *config.Config, dbDir, url string, ecosystems []string) error {
	{
		{
			opts := deps.UpdateOptions{Dir: dbDir, BaseURL: url, Ecosystems: ecosystems, Project: dir}
			if c := cfg.Deps; c != nil {
				opts.Exclude = c.Exclude
				if opts.Dir == "" && c.DBDir != "" {
					opts.Dir = c.DBDir
					if !filepath.IsAbs(opts.Dir) {
						opts.Dir = filepath.Join(dir, opts.Dir)
					}
				}
				if opts.BaseURL == "" {
					opts.BaseURL = c.DBURL
				}
			}
			updated, err := deps.UpdateDB(ctx, opts)
			for _, u := range updated {
				fmt.Fprintf(a.stdout, "%s: %d advisories, data of %s, in %s\n", u.Ecosystem, u.Records, u.UpdatedAt.Format(time.RFC3339), u.Path)
				for _, r := range u.Invalid {
					fmt.Fprintf(a.stdout, "  %s: skipped by osv-scanner: %s %s\n", u.Ecosystem, r.File, r.Error)
				}
			}
			if errors.Is(err, deps.ErrNoLockfiles) {
				// Nothing to update is a finished update, not a runtime
				// error: say so, and which flag names ecosystems.
				fmt.Fprintf(a.stdout, "osv: nothing to update: no lockfiles in %s (name ecosystems with --ecosystems)\n", dir)
				return nil
			}
			if err != nil {
				return fmt.Errorf("db update: %w", err)
			}
			return nil
		}
	}
}
