package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"

	"github.com/spf13/cobra"

	"github.com/relgate/relgate/config"
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
		Short: "Download the vulnerability databases PATH's enabled scanners need, for --offline scans",
		Long: "Downloads the databases of the enabled scanners (--sources overrides): osv for deps, the\n" +
			"archive <url>/<Ecosystem>/all.zip of each ecosystem of PATH's lockfiles (or --ecosystems) into\n" +
			"<db-dir>/osv-scalibr/<Ecosystem>/, osv-scanner's offline layout; trivy for containers when the\n" +
			"config lists images, into <db-dir>/db/, unless it is younger than --db-max-age. Downloads are\n" +
			"retried, resumed and verified; every archive is checked and every advisory validated before it\n" +
			"replaces the old one, so a failed download leaves the old database in place.",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.ran = true
			dir, err := resolveDir(args)
			if err != nil {
				return err
			}
			// Read here too, so that a broken config is the usage error it
			// is wherever the update runs.
			cfg, _, err := loadConfig(o.config, dir)
			if err != nil {
				return err
			}
			for _, src := range o.req.Sources {
				if src != "osv" && src != "trivy" {
					return usage(fmt.Errorf("--sources: unknown source %q (known: osv, trivy)", src))
				}
			}
			if o.req.MaxAge < 0 {
				return usage(fmt.Errorf("--db-max-age %s is negative", o.req.MaxAge))
			}
			if !cmd.Flags().Changed("sources") {
				o.req.Sources = neededSources(cfg, len(o.req.Ecosystems) > 0)
				if len(o.req.Sources) == 0 {
					fmt.Fprintln(a.stdout, "nothing to update: no enabled scanner uses a vulnerability database (name them with --sources)")
					return nil
				}
			}
			o.req.Dir, o.req.ConfigPath = dir, absPath(o.config)
			// On a terminal the downloads are lines of the live display,
			// and the report waits for the display's last frame: stdout
			// may be the same terminal.
			progress, logw, stop := a.startProgress()
			defer stop()
			o.req.Progress = progress != nil
			var report bytes.Buffer
			out := a.stdout
			if o.req.Progress {
				out = &report
			}
			err = scanners.UpdateDB(cmd.Context(), o.req, out, logw)
			stop()
			if _, werr := a.stdout.Write(report.Bytes()); err == nil {
				err = werr
			}
			return err
		},
	}
	f := update.Flags()
	f.StringVar(&o.config, "config", "", "config file (default PATH/.relgate.yaml)")
	f.StringVar(&o.req.DBDir, "db-dir", "", "database directory (default: the config's deps.db_dir or containers.db_dir, else under the user cache directory)")
	f.StringVar(&o.req.URL, "url", "", "osv download base URL (default: the config's deps.db_url, else "+scanners.DefaultOSVDBURL+")")
	f.StringSliceVar(&o.req.Ecosystems, "ecosystems", nil, "osv ecosystems to download, e.g. npm,Go,PyPI,crates.io (default: those of PATH's lockfiles)")
	f.StringSliceVar(&o.req.Sources, "sources", nil, "databases to update: osv (dependencies), trivy (images) (default: those the enabled scanners need)")
	f.StringArrayVar(&o.req.TrivyRepos, "trivy-repo", nil, "OCI repository of trivy's database, tried in order (repeatable; default: the config's containers.db_repositories, else trivy's own)")
	f.BoolVar(&o.req.Insecure, "insecure-registry", false, "allow plain HTTP to the trivy database registry")
	f.DurationVar(&o.req.MaxAge, "db-max-age", 0, "download trivy's database only when its data is older (default: the config's containers.db_max_age, else 24h)")
	db.AddCommand(update)
	return db
}

// neededSources are the databases the enabled scanners use: osv for deps
// (the --offline scan reads it), trivy for containers when the config
// names images (an image given only with --image is fetched by the scan
// itself, or named with --sources trivy).
func neededSources(cfg *config.Config, ecosystems bool) []string {
	names := scanners.Names()
	if cfg.Scanners != nil && len(cfg.Scanners.Enabled) > 0 {
		names = cfg.Scanners.Enabled
	}
	var out []string
	if slices.Contains(names, "deps") || ecosystems {
		out = append(out, "osv")
	}
	if slices.Contains(names, "containers") && cfg.Containers != nil && len(cfg.Containers.Images) > 0 {
		out = append(out, "trivy")
	}
	return out
}

// refreshDBs is trivy's first step, before the scanners start: without
// --offline, an image scan downloads trivy's database when it is missing
// or stale. A failed download is one line on stderr, not the end of the
// run: the scanner then scans with the old database (and says how old it
// is) or reports the missing one as its error, which the gate judges.
// Dependency scans need no download: online they ask the osv.dev API.
//
// Everything it writes goes to t.Stderr, the scan's log writer: on a
// terminal that is the live display, which shows the download as one of
// its lines (so the download reports progress only then) and its log
// lines above them.
func (a *app) refreshDBs(ctx context.Context, names []string, t scanners.Target, cfg *config.Config) {
	if t.Offline || !slices.Contains(names, "containers") {
		return
	}
	if len(t.Images) == 0 && (cfg.Containers == nil || len(cfg.Containers.Images) == 0) {
		return
	}
	logw := t.Stderr
	if logw == nil {
		logw = a.redactor.Writer(a.stderr)
	}
	_, live := logw.(*liveProgress)
	req := scanners.DBUpdate{Dir: t.Dir, ConfigPath: t.ConfigPath, DBDir: t.DBDir, Sources: []string{"trivy"}, Auto: true, Helper: t.Helper, Progress: live}
	if err := scanners.UpdateDB(ctx, req, io.Discard, logw); err != nil {
		fmt.Fprintf(logw, "relgate: %s\n", a.redactor.String(oneLine(err.Error())))
	}
}
