package scanners

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/internal/redact"
	"github.com/relgate/relgate/internal/skip"
	"github.com/relgate/relgate/scanners/approvals"
	"github.com/relgate/relgate/scanners/migrations"
	"github.com/relgate/relgate/scanners/release"
	"github.com/relgate/relgate/scanners/secrets"
	"github.com/relgate/relgate/scanners/slo"
	"github.com/relgate/relgate/scanners/tests"
)

// Target is what the gate looks at.
type Target struct {
	// Dir is the repository (or project) root, absolute.
	Dir string
	// Base is the --base REF: the change is Base..HEAD.
	Base string
	// Staged limits the change to the git index (pre-commit).
	Staged bool
	// Images are container image references or archives (--image).
	Images []string
	// Offline forbids network access to vulnerability databases.
	Offline bool
	// DBDir holds the offline vulnerability databases.
	DBDir string
	// ChangeRecord (--change-record), GitHubRepo (--github-repo) and
	// GitHubPR (--github-pr) say where the approvals are.
	ChangeRecord string
	GitHubRepo   string
	GitHubPR     int
	// Verify measures the SLOs over the last minutes after a deploy
	// (--stage verify); SLOVars fill their query templates (--slo-var).
	Verify  bool
	SLOVars map[string]string
	// Redactor learns the secrets the secrets scanner finds, so that no
	// output of the run shows them; nil: none.
	Redactor *redact.Redactor `json:"-"`
	// AllowOutsideRoot lets the config name directories outside Dir
	// (--allow-outside-root); by default that is a config error.
	AllowOutsideRoot bool
	// Skip are the paths no scanner walks or reads (--skip-dirs,
	// --skip-files); nil skips nothing.
	Skip *skip.Paths
	// ConfigPath is the --config file, which the helper reads as relgate
	// did ("": Dir's optional .relgate.yaml).
	ConfigPath string
	// Helper forces the scanners relgate does not link to run in the
	// helper at this path, even where they are linked (tests).
	Helper string `json:"-"`
	// Stderr receives the helper's log lines; nil: they are dropped.
	Stderr io.Writer `json:"-"`

	batch *batch
}

// Names lists every scanner relgate knows, in the order they are reported.
func Names() []string {
	return []string{"release", "secrets", "migrations", "deps", "containers", "iac", "tests", "approvals", "slo"}
}

// New returns the named scanner for the target. An unknown name is an error.
func New(name string, t Target, cfg *config.Config) (Scanner, error) {
	if err := checkConfigPaths(name, t, cfg); err != nil {
		return nil, err
	}
	switch name {
	case "release":
		return release.New(release.Options{Dir: t.Dir, Base: t.Base}), nil
	case "secrets":
		return newSecrets(t, cfg)
	case "migrations":
		o := migrations.Options{Dir: t.Dir, Base: t.Base, Staged: t.Staged, Skip: t.Skip}
		if cfg != nil && cfg.Migrations != nil {
			o.Dirs, o.Dialect = cfg.Migrations.Dirs, cfg.Migrations.Dialect
			o.AssumeInTransaction = cfg.Migrations.AssumeInTransaction
		}
		return migrations.New(o), nil
	case "deps", "containers", "iac":
		return heavy(name, t, cfg)
	case "tests":
		return newTests(t, cfg), nil
	case "approvals":
		return newApprovals(t, cfg), nil
	case "slo":
		return newSLO(t, cfg), nil
	default:
		return nil, fmt.Errorf("unknown scanner %q (known: %s)", name, strings.Join(Names(), ", "))
	}
}

// newApprovals maps the flags and the approvals section of the config onto
// the approvals scanner: flags win over the config.
func newApprovals(t Target, cfg *config.Config) Scanner {
	o := approvals.Options{Dir: t.Dir, ChangeRecord: t.ChangeRecord, Repository: t.GitHubRepo, PullRequest: t.GitHubPR}
	if cfg != nil && cfg.Approvals != nil {
		ac := cfg.Approvals
		if o.ChangeRecord == "" {
			o.ChangeRecord = ac.ChangeRecord
		}
		if gh := ac.GitHub; gh != nil {
			o.GitHub = gh.Enabled
			if o.Repository == "" {
				o.Repository = gh.Repository
			}
			o.APIURL, o.CodeOwners, o.TicketPattern = gh.APIURL, gh.CodeOwners, gh.TicketPattern
		}
	}
	return approvals.New(o)
}

// newSLO maps the slo section of the config onto the SLO scanner:
// --slo-var wins over slo.vars. Without objectives it skips.
func newSLO(t Target, cfg *config.Config) Scanner {
	o := slo.Options{Dir: t.Dir, Verify: t.Verify, Vars: map[string]string{}}
	if cfg != nil && cfg.SLO != nil {
		sc := cfg.SLO
		o.Prometheus, o.Static, o.Files, o.VerifyWindow = sc.Prometheus, sc.Static, sc.Files, sc.VerifyWindow
		o.Objectives = slo.Compact(sc.Objectives)
		maps.Copy(o.Vars, sc.Vars)
	}
	maps.Copy(o.Vars, t.SLOVars)
	return slo.New(o)
}

// newTests maps the tests section of the config onto the test results
// scanner; without it the scanner skips.
func newTests(t Target, cfg *config.Config) Scanner {
	o := tests.Options{Dir: t.Dir}
	if cfg != nil && cfg.Tests != nil {
		tc := cfg.Tests
		o.JUnit, o.Coverage, o.CoverageFormat = tc.JUnit, tc.Coverage, tc.CoverageFormat
		if tc.MaxFileSize != nil {
			o.MaxFileSize = -1 // 0 MB: no limit
			if *tc.MaxFileSize > 0 {
				o.MaxFileSize = int64(*tc.MaxFileSize) << 20
			}
		}
	}
	return tests.New(o)
}

// newSecrets maps the target and the secrets section of the config onto the
// gitleaks adapter's options.
func newSecrets(t Target, cfg *config.Config) (Scanner, error) {
	o := secrets.Options{Dir: t.Dir, Base: t.Base, Staged: t.Staged, Redactor: t.Redactor, Skip: t.Skip}
	if cfg != nil && cfg.Secrets != nil {
		sc := cfg.Secrets
		o.History, o.Archives, o.DecodeDepth, o.Config = sc.History, sc.Archives, sc.DecodeDepth, sc.Config
		if sc.MaxFileSize != nil {
			o.MaxFileSize = -1 // 0 MB: no limit, as in gitleaks
			if *sc.MaxFileSize > 0 {
				o.MaxFileSize = int64(*sc.MaxFileSize) * 1_000_000
			}
		}
	}
	s, err := secrets.New(o)
	if err != nil {
		return nil, err // never a typed nil inside the interface
	}
	return s, nil
}

// StagedNames lists the scanners that look at the staged change: the
// default set for --staged (pre-commit), where release facts of a work in
// progress mean nothing and every millisecond counts.
func StagedNames() []string {
	return []string{"secrets", "migrations"}
}

// Select resolves the scanners to run: the listed names (or, when none are
// listed, all of them, or those that read the staged change), de-duplicated,
// each checked against the registry.
func Select(names []string, staged bool) ([]string, error) {
	if len(names) == 0 {
		if staged {
			return StagedNames(), nil
		}
		return Names(), nil
	}
	var out []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || slices.Contains(out, n) {
			continue
		}
		if !slices.Contains(Names(), n) {
			return nil, fmt.Errorf("unknown scanner %q (known: %s)", n, strings.Join(Names(), ", "))
		}
		out = append(out, n)
	}
	return out, nil
}
