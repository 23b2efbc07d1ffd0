package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/report"
	"github.com/relgate/relgate/scanners"
	"github.com/relgate/relgate/scanners/release"
	"github.com/relgate/relgate/waivers"
)

// scanOptions are the flags that gather facts (check and scan).
type scanOptions struct {
	config    string
	env       string
	base      string
	staged    bool
	scanners  []string
	timeout   time.Duration
	saveInput string
	rc        releaseContextFlags
	images    []string
	offline   bool
	dbDir     string
	waivers   string
	knobs     knobs
	skip      skipFlags
	flags     *pflag.FlagSet // to tell which knobs were given
	// allowOutside lets config paths leave the scanned directory.
	allowOutside bool
}

func (o *scanOptions) bind(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&o.config, "config", "", "config file (default PATH/.relgate.yaml)")
	f.StringVar(&o.env, "env", "", "target environment (default: the config's, else production)")
	f.StringVar(&o.base, "base", "", "base git ref: the change is BASE..HEAD")
	f.BoolVar(&o.staged, "staged", false, "scan only the staged change (pre-commit)")
	f.StringSliceVar(&o.scanners, "scanners", nil, "scanners to run (default: the config's, else all)")
	f.DurationVar(&o.timeout, "timeout", 0, "time limit per scanner (default: the config's, else 5m)")
	f.StringVar(&o.saveInput, "save-input", "", "save the input document to this file")
	o.rc.bind(f)
	f.StringArrayVar(&o.images, "image", nil, "container image to scan: registry ref, docker-save tar or OCI layout (repeatable)")
	f.BoolVar(&o.offline, "offline", false, "use only the local vulnerability databases")
	f.StringVar(&o.dbDir, "db-dir", "", "directory of the offline vulnerability databases")
	f.BoolVar(&o.allowOutside, "allow-outside-root", false, "let the paths the config names (migrations.dirs, tests.junit, tests.coverage, slo.files, secrets.config, …) lie outside PATH")
	f.StringVar(&o.waivers, "waivers", "", "waiver file (default: the config's waivers_file, else PATH/"+waivers.FileName+")")
	o.knobs.bind(f)
	o.skip.bind(f)
	o.flags = f
}

// gateOptions are the flags that judge and report (check and eval).
type gateOptions struct {
	policies   []string
	format     string
	reports    []string
	failOnWarn bool
	baseline   string
	output     string // -o: the stdout report goes to this file instead
	exitCode   int    // the exit code of a failing gate
	// attest signs the decision into a record (check --attest); nil: none.
	attest *attestOptions
}

func (o *gateOptions) bind(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringArrayVar(&o.policies, "policy", nil, "extra policy directory, file, bundle (.tar.gz) or oci://REGISTRY/REPO:TAG bundle (repeatable)")
	f.StringVarP(&o.format, "format", "f", "table", "report format on stdout: "+strings.Join(report.Formats(), ", "))
	f.StringArrayVar(&o.reports, "report", nil, "also write a report: FORMAT=PATH (repeatable)")
	f.BoolVar(&o.failOnWarn, "fail-on-warn", false, "exit with the failing code when the gate warns")
	f.StringVarP(&o.output, "output", "o", "", "write the --format report to this file instead of stdout")
	f.IntVar(&o.exitCode, "exit-code", exitFail, "exit code of a failing gate (0 reports without failing the build)")
	f.StringVar(&o.baseline, "baseline", "", "a previous run (relgate JSON report, SARIF or saved input): denies already in it warn as known, only new ones fail")
}

// reportFile is one --report FORMAT=PATH.
type reportFile struct{ format, path string }

// parseReports checks every report format before any work is done.
func (o *gateOptions) parseReports() ([]reportFile, error) {
	if err := checkExitCode(o.exitCode); err != nil {
		return nil, err
	}
	if o.baseline != "" {
		// Checked before any scan; read once the policies are compiled.
		if _, err := os.Stat(o.baseline); err != nil {
			return nil, usage(fmt.Errorf("--baseline: %w", err))
		}
	}
	if !slices.Contains(report.Formats(), o.format) {
		return nil, usage(fmt.Errorf("--format: unknown format %q (known: %s)", o.format, strings.Join(report.Formats(), ", ")))
	}
	var out []reportFile
	for _, r := range o.reports {
		format, path, ok := strings.Cut(r, "=")
		if !ok || path == "" {
			return nil, usage(fmt.Errorf("--report %q: want FORMAT=PATH", r))
		}
		if !slices.Contains(report.Formats(), format) {
			return nil, usage(fmt.Errorf("--report %q: unknown format %q (known: %s)", r, format, strings.Join(report.Formats(), ", ")))
		}
		out = append(out, reportFile{format, path})
	}
	// A report left by an earlier run must not outlive a run that makes
	// no decision: CI would upload the stale SARIF as this run's. Reports
	// of this run are written atomically once it has decided.
	for _, r := range out {
		if err := os.Remove(r.path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("remove earlier report %s: %w", r.path, unwrapPathError(err))
		}
	}
	return out, nil
}

// loadConfig reads the config: the --config file (which must exist) or the
// optional PATH/.relgate.yaml. It returns the config and its path as
// reports show it.
func loadConfig(flag, dir string) (*config.Config, string, error) {
	path, optional := flag, false
	if path == "" {
		path, optional = filepath.Join(dir, config.FileName), true
	}
	cfg, err := config.Load(path, optional)
	if err != nil {
		return nil, "", err
	}
	shown := config.FileName
	if optional {
		if _, err := os.Stat(path); err != nil {
			// No config file: findings without a file of their own get
			// no location rather than one that does not exist.
			shown = ""
		}
	}
	if flag != "" {
		if rel, err := filepath.Rel(dir, flag); err == nil && !strings.HasPrefix(rel, "..") {
			shown = filepath.ToSlash(rel)
		} else {
			shown = filepath.Base(flag)
		}
	}
	return cfg, shown, nil
}

// absPath makes a path flag absolute, for the helper ("" stays "").
func absPath(p string) string {
	if p == "" {
		return ""
	}
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// environment picks the environment: the flag (or RELGATE_ENV), the
// config's, else production — a gate fails safe.
func environment(flag string, cfg *config.Config) string {
	switch {
	case flag != "":
		return flag
	case cfg.Environment != "":
		return cfg.Environment
	}
	return "production"
}

// resolveDir checks the PATH argument.
func resolveDir(args []string) (string, error) {
	dir := "."
	if len(args) > 0 {
		dir = args[0]
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", usage(fmt.Errorf("resolve path %s: %w", dir, err))
	}
	info, err := os.Stat(abs)
	if err != nil {
		return "", usage(fmt.Errorf("read path %s: %w", dir, unwrapPathError(err)))
	}
	if !info.IsDir() {
		return "", usage(fmt.Errorf("path %s is not a directory", dir))
	}
	return abs, nil
}

// selected resolves the scanners to run: the flags', else the config's,
// else all of them (those of the staged change with --staged).
func (o *scanOptions) selected(cfg *config.Config) ([]string, error) {
	names := o.rc.scanners(o.scanners)
	if cfg.Scanners != nil && len(names) == 0 {
		names = cfg.Scanners.Enabled
	}
	names, err := scanners.Select(names, o.staged)
	if err != nil {
		return nil, usage(fmt.Errorf("--scanners: %w", err))
	}
	return names, nil
}

// gather validates the target and runs the scanners into a new input document.
func (a *app) gather(ctx context.Context, dir string, cfg *config.Config, o *scanOptions) (*engine.Input, error) {
	if o.base != "" || o.staged {
		if err := release.IsRepo(ctx, dir); err != nil {
			return nil, usage(fmt.Errorf("--base and --staged need a git repository: %w", err))
		}
	}
	if o.base != "" {
		if err := release.ValidateRef(ctx, dir, o.base); err != nil {
			return nil, usage(fmt.Errorf("--base: %w", err))
		}
	}
	if err := o.knobs.check(); err != nil {
		return nil, err
	}
	skipped, err := o.skip.paths()
	if err != nil {
		return nil, err
	}
	in := engine.NewInput()
	in.Release.Environment = environment(o.env, cfg)
	known, err := engine.KnownEnvironments(cfg)
	if err != nil {
		return nil, err
	}
	if err := engine.CheckEnvironment(in.Release.Environment, known); err != nil {
		return nil, usage(fmt.Errorf("--env: %w", err))
	}
	timeout := o.timeout
	if cfg.Scanners != nil && timeout == 0 {
		timeout = time.Duration(cfg.Scanners.Timeout)
	}
	if timeout == 0 {
		timeout = 5 * time.Minute
	}
	names, err := o.selected(cfg)
	if err != nil {
		return nil, err
	}
	// Read the waivers before scanning, so a bad waiver file fails fast.
	ws, err := loadWaivers(o.waivers, cfg, dir)
	if err != nil {
		return nil, err
	}
	target := scanners.Target{Dir: dir, Base: o.base, Staged: o.staged, Images: o.images, Offline: o.offline, DBDir: o.dbDir}
	target.Redactor, target.AllowOutsideRoot, target.Skip = a.redactor, o.allowOutside, skipped
	o.rc.target(&target)
	progress, logw, stopProgress := a.startProgress()
	defer stopProgress()
	target.ConfigPath, target.Stderr = absPath(o.config), logw
	in.Waivers = ws
	in.Release.Time = time.Now().UTC().Truncate(time.Second)
	if err := o.rc.input(in, cfg, dir); err != nil {
		return nil, err
	}
	o.knobs.apply(o.flags, in)
	recordSkips(in, skipped)
	a.refreshDBs(ctx, names, target, cfg) // trivy's database, when stale and online
	// NewJobs starts the helper: nothing between it and Run may return.
	jobs, err := scanners.NewJobs(names, target, cfg, timeout)
	if err != nil {
		return nil, err
	}
	scanners.Run(ctx, in, jobs, progress)
	stopProgress()
	in.Scanners = append(in.Scanners, scanners.Unselected(names, o.staged)...)
	if err := ctx.Err(); err != nil {
		// Interrupted (or a broken policy stopped the scan): the facts
		// are partial and are neither saved nor judged.
		return nil, fmt.Errorf("scan interrupted: %w", err)
	}
	in, err = redactInput(a.redactor, in)
	if err != nil {
		return nil, err
	}
	// The scanners' document meets the same schema as one read by eval or
	// the server: facts it does not allow are a relgate bug, never judged.
	data, err := in.Canonical()
	if err != nil {
		return nil, err
	}
	if err := engine.ValidateInput(data); err != nil {
		return nil, fmt.Errorf("check scanned facts: %w", err)
	}
	if o.saveInput != "" {
		save := func(w io.Writer) error { _, err := w.Write(data); return err }
		if err := writeFileAtomic(o.saveInput, redacted(a.redactor, save)); err != nil {
			return nil, fmt.Errorf("save input: %w", err)
		}
	}
	return in, nil
}

// judge evaluates the input and writes the reports; it returns
// errGateFailed when the gate fails.
func (a *app) judge(ctx context.Context, eng *engine.Engine, in *engine.Input, cfgShown string, o *gateOptions, reports []reportFile) error {
	if err := applyBaseline(ctx, eng, o.baseline); err != nil {
		return err
	}
	d, err := eng.Evaluate(ctx, in)
	if err != nil {
		return err
	}
	opts := report.Options{Version: version, Rules: eng.Rules(), ConfigFile: cfgShown, RepositoryURL: repositoryURL(), Base: prBase(in)}
	opts.Width = tableWidth(nil) // report files: COLUMNS or the default
	for _, r := range reports {
		err := writeFileAtomic(r.path, redacted(a.redactor, func(w io.Writer) error { return report.Write(w, r.format, d, opts) }))
		if err != nil {
			return fmt.Errorf("write %s report: %w", r.format, err)
		}
	}
	if o.output != "" {
		err := writeFileAtomic(o.output, redacted(a.redactor, func(w io.Writer) error { return report.Write(w, o.format, d, opts) }))
		if err != nil {
			return fmt.Errorf("write %s report: %w", o.format, err)
		}
	} else {
		stdoutOpts := opts
		stdoutOpts.Color = o.format == "table" && isTerminal(a.stdout) && os.Getenv("NO_COLOR") == ""
		stdoutOpts.Width = tableWidth(a.stdout)
		if err := a.redactor.WriteTo(a.stdout, func(w io.Writer) error { return report.Write(w, o.format, d, stdoutOpts) }); err != nil {
			return fmt.Errorf("write %s report: %w", o.format, err)
		}
	}
	if o.attest != nil {
		if err := o.attest.write(ctx, d, in, a.redactor); err != nil {
			return err
		}
	}
	if d.Failed() || (o.failOnWarn && d.Result == engine.ResultWarn) {
		return &gateFailure{o.exitCode}
	}
	return nil
}

// newEngine compiles the built-in policies, the config's policy directories
// (relative to the config file) and the --policy flags; facts, when not
// nil, is the one input the engine will judge (see engine.Options.Facts).
func newEngine(ctx context.Context, cfg *config.Config, cfgDir string, flags []string, facts *engine.Input) (*engine.Engine, error) {
	var paths []string
	for _, p := range cfg.Policies {
		if !filepath.IsAbs(p) {
			p = filepath.Join(cfgDir, p)
		}
		paths = append(paths, p)
	}
	paths = append(paths, flags...)
	for _, p := range paths {
		if engine.IsOCI(p) {
			continue // pulled by the engine
		}
		if _, err := os.Stat(p); err != nil {
			return nil, &engine.PolicyError{Err: fmt.Errorf("read policy %s: %w", p, unwrapPathError(err))}
		}
	}
	var allow []string
	var timeout time.Duration
	if cfg.Policy != nil {
		allow, timeout = cfg.Policy.AllowBuiltins, time.Duration(cfg.Policy.Timeout)
	}
	return engine.New(ctx, engine.Options{Policies: paths, Config: cfg, AllowBuiltins: allow, Timeout: timeout, Facts: facts})
}

// writeFileAtomic writes through a temporary file renamed into place, so a
// failed run never leaves a report that looks complete.
func writeFileAtomic(path string, write func(io.Writer) error) (err error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, unwrapPathError(err))
	}
	defer func() {
		if err != nil {
			_ = f.Close()
			_ = os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Chmod(0o644); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(f.Name(), path)
}

func unwrapPathError(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// repositoryURL is the repository's web address in a GitHub Actions run
// (GITHUB_SERVER_URL/GITHUB_REPOSITORY), so reports can link to files.
func repositoryURL() string {
	server, repo := os.Getenv("GITHUB_SERVER_URL"), os.Getenv("GITHUB_REPOSITORY")
	if server == "" || repo == "" {
		return ""
	}
	return strings.TrimSuffix(server, "/") + "/" + repo
}
