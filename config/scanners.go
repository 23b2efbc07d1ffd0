package config

import (
	"fmt"
	"regexp"
)

// ScannersConfig chooses the scanners.
type ScannersConfig struct {
	// Enabled lists the scanners to run; empty means all of them.
	Enabled []string `json:"enabled,omitempty" yaml:"enabled,omitempty"`
	// Timeout bounds each scanner, e.g. "5m".
	Timeout Duration `json:"timeout,omitempty" yaml:"timeout,omitempty"`
}

// SecretsConfig configures the secrets scanner as gitleaks users know it.
type SecretsConfig struct {
	// History is how much git history beyond the change is scanned: all,
	// since-last-tag (the default) or none.
	History string `json:"history,omitempty" yaml:"history,omitempty" jsonschema:"enum=all,enum=since-last-tag,enum=none"`
	// MaxFileSize skips larger files (counted, not dropped), in MB; the
	// default is 100 and 0 means no limit.
	MaxFileSize *int `json:"max_file_size,omitempty" yaml:"max_file_size,omitempty"`
	// Archives is how deep nested archives are scanned; 0, the default, scans none.
	Archives int `json:"archives,omitempty" yaml:"archives,omitempty"`
	// DecodeDepth is how many rounds of decoding (base64, hex, percent) are
	// applied; the default is the gitleaks CLI's, 5.
	DecodeDepth *int `json:"decode_depth,omitempty" yaml:"decode_depth,omitempty"`
	// Config is the gitleaks config (TOML), relative to the repository root;
	// the default is the repository's .gitleaks.toml, else gitleaks' rules.
	Config string `json:"config,omitempty" yaml:"config,omitempty"`
}

// MigrationsConfig configures the migrations scanner.
type MigrationsConfig struct {
	// Dirs are the migrations directories, relative to the repository
	// root; empty means detect them by their layout.
	Dirs []string `json:"dirs,omitempty" yaml:"dirs,omitempty"`
	// Dialect is the SQL dialect; empty means detect it per directory.
	Dialect string `json:"dialect,omitempty" yaml:"dialect,omitempty" jsonschema:"enum=postgres,enum=mysql"`
	// CleanupRelease marks this release as the contract step that follows
	// an expand release: it may drop and rename what the previous version
	// stopped using. Policies read it as data.relgate.config.migrations.
	CleanupRelease bool `json:"cleanup_release,omitempty" yaml:"cleanup_release,omitempty"`
	// AssumeInTransaction says the migration runner wraps every migration
	// in a transaction (true) or none (false), whatever the directory's
	// layout implies; unset follows the layout. A file's own opt-out
	// (goose NO TRANSACTION, dbmate transaction:false, Flyway
	// executeInTransaction=false) still holds.
	AssumeInTransaction *bool `json:"assume_in_transaction,omitempty" yaml:"assume_in_transaction,omitempty"`
	// RequireTableSchema turns on MIG036: every table a PostgreSQL
	// migration names must be schema-qualified.
	RequireTableSchema bool `json:"require_table_schema,omitempty" yaml:"require_table_schema,omitempty"`
}

// DepsConfig configures the dependency scanner as osv-scanner users know
// it; flags (--offline, --db-dir) override it.
type DepsConfig struct {
	// DBDir holds the offline vulnerability databases
	// (<db_dir>/osv-scalibr/<Ecosystem>/all.zip); the default is under the
	// user cache directory. Relative to the repository root.
	DBDir string `json:"db_dir,omitempty" yaml:"db_dir,omitempty"`
	// Offline matches against the databases in DBDir instead of the
	// osv.dev API.
	Offline bool `json:"offline,omitempty" yaml:"offline,omitempty"`
	// Exclude are directories not scanned for lockfiles, besides
	// node_modules, vendor and .git: a name ("testdata") anywhere, or a
	// glob relative to the repository root ("services/*/fixtures").
	Exclude []string `json:"exclude,omitempty" yaml:"exclude,omitempty"`
	// DBURL is where `relgate db update` downloads <db_url>/<Ecosystem>/all.zip
	// (default: osv.dev's export bucket), e.g. an internal mirror.
	DBURL string `json:"db_url,omitempty" yaml:"db_url,omitempty"`
}

// TestsConfig names the test results the tests scanner reads. Paths are
// relative to the repository root.
type TestsConfig struct {
	// JUnit are glob patterns of JUnit XML reports ("**" crosses
	// directories), e.g. "build/test-results/**/*.xml".
	JUnit []string `json:"junit,omitempty" yaml:"junit,omitempty"`
	// Coverage is a coverage file: a Go cover profile, Cobertura XML or LCOV.
	Coverage string `json:"coverage,omitempty" yaml:"coverage,omitempty"`
	// CoverageFormat names the coverage file's format; empty means detect it.
	CoverageFormat string `json:"coverage_format,omitempty" yaml:"coverage_format,omitempty" jsonschema:"enum=go,enum=cobertura,enum=lcov"`
	// MaxFileSize refuses larger reports, in MB; the default is 256 and 0
	// means no limit.
	MaxFileSize *int `json:"max_file_size,omitempty" yaml:"max_file_size,omitempty"`
}

// ApprovalsConfig says where the approvals scanner reads who approved the
// change. Paths are relative to the repository root.
type ApprovalsConfig struct {
	// ChangeRecord is a change record file (YAML: ticket, approvers with
	// time, risk, rollback_plan); --change-record overrides it.
	ChangeRecord string `json:"change_record,omitempty" yaml:"change_record,omitempty"`
	// GitHub reads the pull request's reviews through the REST API.
	GitHub *GitHubConfig `json:"github,omitempty" yaml:"github,omitempty"`
}

// GitHubConfig configures the GitHub source of approvals. The token is
// never configured here: it comes from GITHUB_TOKEN.
type GitHubConfig struct {
	// Enabled reads the reviews outside pull request workflows too: a push
	// to main looks up the pull request that brought the commit in. In a
	// pull request workflow the source is on anyway.
	Enabled bool `json:"enabled,omitempty" yaml:"enabled,omitempty"`
	// Repository is OWNER/NAME; the default is GITHUB_REPOSITORY.
	Repository string `json:"repository,omitempty" yaml:"repository,omitempty"`
	// APIURL is the REST API root, e.g. https://ghe.example.com/api/v3;
	// the default is GITHUB_API_URL, else https://api.github.com.
	APIURL string `json:"api_url,omitempty" yaml:"api_url,omitempty"`
	// CodeOwners is the CODEOWNERS file; the default is GitHub's search
	// order (.github/CODEOWNERS, CODEOWNERS, docs/CODEOWNERS).
	CodeOwners string `json:"code_owners,omitempty" yaml:"code_owners,omitempty"`
	// TicketPattern is a regular expression for change tickets, e.g.
	// '\b(?:SHOP|OPS)-[0-9]+\b': the first match in the pull request's
	// title, head branch or body is its change ticket.
	TicketPattern string `json:"ticket_pattern,omitempty" yaml:"ticket_pattern,omitempty"`
}

// SLOConfig configures the SLO scanner: the objectives (OpenSLO files and
// the compact form below) and their source, a Prometheus server or, for
// offline use, a status file. Paths are relative to the repository root.
type SLOConfig struct {
	// Prometheus is the server's URL, e.g. http://prometheus:9090.
	Prometheus string `json:"prometheus,omitempty" yaml:"prometheus,omitempty"`
	// Static is a status file with measured values instead of Prometheus.
	Static string `json:"static,omitempty" yaml:"static,omitempty"`
	// Files are glob patterns of OpenSLO v1 YAML files (SLO, SLI,
	// AlertPolicy, AlertCondition, DataSource).
	Files []string `json:"files,omitempty" yaml:"files,omitempty"`
	// Objectives in the compact relgate form.
	Objectives []SLOObjective `json:"objectives,omitempty" yaml:"objectives,omitempty"`
	// VerifyWindow is how far back --stage verify looks (default 10m).
	VerifyWindow string `json:"verify_window,omitempty" yaml:"verify_window,omitempty"`
	// Rollback is the rollback advice a failed verification gives, e.g.
	// "kubectl argo rollouts undo checkout".
	Rollback string `json:"rollback,omitempty" yaml:"rollback,omitempty"`
	// Vars are template variables for queries ({{.version}}); --slo-var
	// KEY=VALUE overrides them. {{.window}} is always set.
	Vars map[string]string `json:"vars,omitempty" yaml:"vars,omitempty"`
}

// SLOObjective is one objective in the compact form: a ratio of counters
// (good or bad of total) or a threshold on a query.
type SLOObjective struct {
	Name    string `json:"name" yaml:"name"`
	Service string `json:"service,omitempty" yaml:"service,omitempty"`
	// Target is the objective as a fraction, e.g. 0.999.
	Target float64 `json:"target" yaml:"target"`
	// Window is the rolling window, e.g. 28d.
	Window string `json:"window" yaml:"window"`
	// Good or Bad, and Total, are counter selectors (increase() is applied
	// over each window) or, when they use {{.window}}, complete queries.
	Good  string `json:"good,omitempty" yaml:"good,omitempty"`
	Bad   string `json:"bad,omitempty" yaml:"bad,omitempty"`
	Total string `json:"total,omitempty" yaml:"total,omitempty"`
	// Query, Op and Threshold make a threshold objective: the share of
	// SliceWindow slices (default 5m; {{.window}} in the query) in which
	// Query Op Threshold held.
	Query       string   `json:"query,omitempty" yaml:"query,omitempty"`
	Op          string   `json:"op,omitempty" yaml:"op,omitempty" jsonschema:"enum=lt,enum=lte,enum=gt,enum=gte"`
	Threshold   *float64 `json:"threshold,omitempty" yaml:"threshold,omitempty"`
	SliceWindow string   `json:"slice_window,omitempty" yaml:"slice_window,omitempty"`
	// BurnRate sets the alerting windows (default 5m and 1h) and the
	// definition's own fast-burn threshold.
	BurnRate *SLOBurnRate `json:"burn_rate,omitempty" yaml:"burn_rate,omitempty"`
	// Verify sets the rollback thresholds of --stage verify.
	Verify *SLOVerifyConfig `json:"verify,omitempty" yaml:"verify,omitempty"`
}

// SLOBurnRate are an objective's burn-rate alerting windows.
type SLOBurnRate struct {
	Short     string   `json:"short,omitempty" yaml:"short,omitempty"`
	Long      string   `json:"long,omitempty" yaml:"long,omitempty"`
	Threshold *float64 `json:"threshold,omitempty" yaml:"threshold,omitempty"`
}

// SLOVerifyConfig are an objective's rollback thresholds.
type SLOVerifyConfig struct {
	MaxErrorRate *float64 `json:"max_error_rate,omitempty" yaml:"max_error_rate,omitempty"`
	MaxValue     *float64 `json:"max_value,omitempty" yaml:"max_value,omitempty"`
}

// ReleaseConfig states facts of the release that the repository cannot
// tell; flags override them.
type ReleaseConfig struct {
	// Strategy is how the release is deployed (--strategy overrides it).
	Strategy string `json:"strategy,omitempty" yaml:"strategy,omitempty" jsonschema:"enum=canary,enum=blue-green,enum=rolling,enum=recreate"`
	// Checklist states the pre-deployment checklist's items: a link, a
	// path in the repository (it must exist) or true/false, e.g.
	// rollback_plan: docs/rollback.md, on_call_notified: true
	// (--checklist ITEM=VALUE overrides them).
	Checklist map[string]string `json:"checklist,omitempty" yaml:"checklist,omitempty"`
}

// ContainersConfig configures the image scanner (trivy).
type ContainersConfig struct {
	// Images are scanned besides those given with --image: registry
	// references, docker-save tarballs, OCI layout directories or tarballs
	// (paths relative to the repository root).
	Images []string `json:"images,omitempty" yaml:"images,omitempty"`
	// Dockerfiles maps an image, as written in images, to the repo-relative
	// Dockerfile that builds it, so its findings point at the FROM line.
	Dockerfiles map[string]string `json:"dockerfiles,omitempty" yaml:"dockerfiles,omitempty"`
	// DBDir holds trivy's database as DBDir/db/trivy.db (relative to the
	// repository root); --db-dir overrides it.
	DBDir string `json:"db_dir,omitempty" yaml:"db_dir,omitempty"`
	// DBMaxAge is how old trivy's data may be before a scan without
	// --offline downloads a new database, e.g. 12h (default 24h).
	DBMaxAge Duration `json:"db_max_age,omitempty" yaml:"db_max_age,omitempty"`
	// DBRepositories are the OCI repositories of trivy's database, tried in
	// order, e.g. a mirror (default trivy's own: mirror.gcr.io, ghcr.io);
	// --trivy-repo overrides them.
	DBRepositories []string `json:"db_repositories,omitempty" yaml:"db_repositories,omitempty"`
}

func (t *TestsConfig) validate() error {
	if t == nil {
		return nil
	}
	if t.CoverageFormat != "" && !oneOf(t.CoverageFormat, []string{"go", "cobertura", "lcov"}) {
		return fmt.Errorf("tests.coverage_format: %q is not one of go, cobertura, lcov", t.CoverageFormat)
	}
	if t.MaxFileSize != nil && *t.MaxFileSize < 0 {
		return fmt.Errorf("tests.max_file_size: %d is negative", *t.MaxFileSize)
	}
	return nil
}

func (c *SLOConfig) validate() error {
	if c == nil {
		return nil
	}
	if c.Prometheus != "" && c.Static != "" {
		return fmt.Errorf("slo: prometheus and static are alternatives: set one")
	}
	if c.VerifyWindow != "" && !promDuration.MatchString(c.VerifyWindow) {
		return fmt.Errorf("slo.verify_window: %q is not a duration like 10m", c.VerifyWindow)
	}
	names := map[string]bool{}
	for i, o := range c.Objectives {
		where := fmt.Sprintf("slo.objectives[%d]", i)
		if o.Name == "" {
			return fmt.Errorf("%s: name is required", where)
		}
		where = fmt.Sprintf("slo.objectives[%d] (%s)", i, o.Name)
		if names[o.Service+"/"+o.Name] {
			return fmt.Errorf("%s: defined twice", where)
		}
		names[o.Service+"/"+o.Name] = true
		if o.Target <= 0 || o.Target >= 1 {
			return fmt.Errorf("%s: target %v is not a fraction between 0 and 1 (e.g. 0.999)", where, o.Target)
		}
		for k, d := range map[string]string{"window": o.Window, "slice_window": o.SliceWindow} {
			if (d != "" || k == "window") && !promDuration.MatchString(d) {
				return fmt.Errorf("%s: %s %q is not a duration like 28d", where, k, d)
			}
		}
		if br := o.BurnRate; br != nil {
			for k, d := range map[string]string{"short": br.Short, "long": br.Long} {
				if d != "" && !promDuration.MatchString(d) {
					return fmt.Errorf("%s: burn_rate.%s %q is not a duration like 1h", where, k, d)
				}
			}
		}
		ratio := o.Good != "" || o.Bad != "" || o.Total != ""
		switch {
		case ratio && o.Query != "":
			return fmt.Errorf("%s: set good/bad/total (a ratio) or query/op/threshold, not both", where)
		case ratio && (o.Total == "" || (o.Good == "") == (o.Bad == "")):
			return fmt.Errorf("%s: a ratio needs total and one of good or bad", where)
		case !ratio && (o.Query == "" || o.Threshold == nil || !oneOf(o.Op, []string{"lt", "lte", "gt", "gte"})):
			return fmt.Errorf("%s: set good/bad and total, or query with op (lt, lte, gt, gte) and threshold", where)
		}
	}
	return nil
}

// promDuration is a Prometheus duration: 90s, 5m, 1h30m, 28d, 1w.
var promDuration = regexp.MustCompile(`^([0-9]+(ms|s|m|h|d|w|y))+$`)
