package main

import (
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/relgate/relgate/scanners/deps"
)

func (a *app) dbCommand() *cobra.Command {
	db := &cobra.Command{Use: "db", Short: "Manage the offline vulnerability databases"}
	var o struct {
		config, dbDir, url string
		ecosystems         []string
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
			opts := deps.UpdateOptions{Dir: o.dbDir, BaseURL: o.url, Ecosystems: o.ecosystems, Project: dir}
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
			updated, err := deps.UpdateDB(cmd.Context(), opts)
			for _, u := range updated {
				fmt.Fprintf(a.stdout, "%s: %d advisories, data of %s, in %s\n", u.Ecosystem, u.Records, u.UpdatedAt.Format(time.RFC3339), u.Path)
				for _, r := range u.Invalid {
					fmt.Fprintf(a.stdout, "  %s: skipped by osv-scanner: %s %s\n", u.Ecosystem, r.File, r.Error)
				}
			}
			if err != nil {
				return fmt.Errorf("db update: %w", err)
			}
			return nil
		},
	}
	f := update.Flags()
	f.StringVar(&o.config, "config", "", "config file (default PATH/.relgate.yaml)")
	f.StringVar(&o.dbDir, "db-dir", "", "database directory (default: the config's deps.db_dir, else under the user cache directory)")
	f.StringVar(&o.url, "url", "", "download base URL (default: the config's deps.db_url, else "+deps.DefaultDBURL+")")
	f.StringSliceVar(&o.ecosystems, "ecosystems", nil, "ecosystems to download, e.g. npm,Go,PyPI,crates.io (default: those of PATH's lockfiles)")
	db.AddCommand(update)
	return db
}
