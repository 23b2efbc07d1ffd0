package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/relgate/relgate/scanners"
)

func (a *app) dbCommand() *cobra.Command {
	db := &cobra.Command{Use: "db", Short: "Manage the offline vulnerability databases"}
	var o struct {
		config string
		req    scanners.DBUpdate
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
			// Read here too, so that a broken config is the usage error it
			// is wherever the update runs.
			if _, _, err := loadConfig(o.config, dir); err != nil {
				return err
			}
			for _, src := range o.req.Sources {
				if src != "osv" && src != "trivy" {
					return usage(fmt.Errorf("--sources: unknown source %q (known: osv, trivy)", src))
				}
			}
			o.req.Dir, o.req.ConfigPath = dir, absPath(o.config)
			return scanners.UpdateDB(cmd.Context(), o.req, a.stdout, a.redactor.Writer(a.stderr))
		},
	}
	f := update.Flags()
	f.StringVar(&o.config, "config", "", "config file (default PATH/.relgate.yaml)")
	f.StringVar(&o.req.DBDir, "db-dir", "", "database directory (default: the config's deps.db_dir or containers.db_dir, else under the user cache directory)")
	f.StringVar(&o.req.URL, "url", "", "osv download base URL (default: the config's deps.db_url, else "+scanners.DefaultOSVDBURL+")")
	f.StringSliceVar(&o.req.Ecosystems, "ecosystems", nil, "osv ecosystems to download, e.g. npm,Go,PyPI,crates.io (default: those of PATH's lockfiles)")
	f.StringSliceVar(&o.req.Sources, "sources", []string{"osv"}, "databases to update: osv (dependencies), trivy (images)")
	f.StringArrayVar(&o.req.TrivyRepos, "trivy-repo", nil, "OCI repository of trivy's database, tried in order (repeatable; default trivy's own)")
	f.BoolVar(&o.req.Insecure, "insecure-registry", false, "allow plain HTTP to the trivy database registry")
	db.AddCommand(update)
	return db
}
