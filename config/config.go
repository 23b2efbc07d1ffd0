// Package config reads .relgate.yaml: which scanners run and how, where
// policies live, and the per-environment thresholds that policies read as
// data.relgate.config.
//
// Go never judges with these thresholds; it only checks their shape. The
// defaults live in Rego (package relgate.lib), where they can be read and
// changed, so every settings field here is omitted when the user left it
// unset.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // freeze calendars name IANA zones: judge them the same in a minimal image

	"go.yaml.in/yaml/v3"
)

// FileName is the config file looked for at the root of the target.
const FileName = ".relgate.yaml"

// Config is the whole .relgate.yaml document.
type Config struct {
	// Environment is the default environment when --env is not given.
	Environment string `json:"environment,omitempty" yaml:"environment,omitempty"`
	// Policies are extra policy directories, relative to the config file.
	Policies []string `json:"policies,omitempty" yaml:"policies,omitempty"`
	// Policy sets the policy sandbox.
	Policy *PolicyConfig `json:"policy,omitempty" yaml:"policy,omitempty"`
	// WaiversFile is the waiver file, relative to the repository root
	// (default .relgate-waivers.yaml, optional); --waivers overrides it.
	WaiversFile string `json:"waivers_file,omitempty" yaml:"waivers_file,omitempty"`
	// Scanners chooses which scanners run and for how long.
	Scanners *ScannersConfig `json:"scanners,omitempty" yaml:"scanners,omitempty"`
	// Secrets configures the secrets scanner (gitleaks).
	Secrets *SecretsConfig `json:"secrets,omitempty" yaml:"secrets,omitempty"`
	// Containers lists the images to scan and where their findings point.
	Containers *ContainersConfig `json:"containers,omitempty" yaml:"containers,omitempty"`
	// Migrations configures the database migrations scanner.
	Migrations *MigrationsConfig `json:"migrations,omitempty" yaml:"migrations,omitempty"`
	// Deps configures the dependency scanner (osv-scanner).
	Deps *DepsConfig `json:"deps,omitempty" yaml:"deps,omitempty"`
	// Tests names the test reports and the coverage file.
	Tests *TestsConfig `json:"tests,omitempty" yaml:"tests,omitempty"`
	// Approvals says where the approvals of a release are.
	Approvals *ApprovalsConfig `json:"approvals,omitempty" yaml:"approvals,omitempty"`
	// SLO defines the service-level objectives and where they are measured.
	SLO *SLOConfig `json:"slo,omitempty" yaml:"slo,omitempty"`
	// Release states facts of the release the repository cannot tell.
	Release *ReleaseConfig `json:"release,omitempty" yaml:"release,omitempty"`
	// Defaults are settings for every environment; Environments override them per environment.
	Defaults     *Settings           `json:"defaults,omitempty" yaml:"defaults,omitempty"`
	Environments map[string]Settings `json:"environments,omitempty" yaml:"environments,omitempty"`
	// Custom is free-form data for user policies (data.relgate.config.custom).
	Custom map[string]any `json:"custom,omitempty" yaml:"custom,omitempty"`
}

// PolicyConfig is the policy sandbox. By default policies may not call
// builtins that reach the network or are non-deterministic (http.send,
// net.*, opa.runtime, time.now_ns, rand.*, …); listing one here allows it.
type PolicyConfig struct {
	AllowBuiltins []string `json:"allow_builtins,omitempty" yaml:"allow_builtins,omitempty"`
	// IDPrefixes are the rule id prefixes the team's own policies use (e.g.
	// ACME for ACME001); relgate policy lint accepts them besides the
	// built-in ones.
	IDPrefixes []string `json:"id_prefixes,omitempty" yaml:"id_prefixes,omitempty"`
	// Timeout bounds one evaluation of the policies, e.g. "2m" (default 60s).
	Timeout Duration `json:"timeout,omitempty" yaml:"timeout,omitempty"`
}

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
}

// Settings are the thresholds policies apply in one environment.
type Settings struct {
	// FailOn is the lowest severity of a deny that fails the gate; denies
	// below it are reported as warnings.
	FailOn string `json:"fail_on,omitempty" yaml:"fail_on,omitempty" jsonschema:"enum=critical,enum=high,enum=medium,enum=low,enum=info"`
	// Budgets tolerate up to N failing denies of a severity before the gate fails.
	Budgets map[string]int `json:"budgets,omitempty" yaml:"budgets,omitempty"`
	// ScannerErrors says what a failed scanner does: deny (fail closed), warn or ignore.
	ScannerErrors string `json:"scanner_errors,omitempty" yaml:"scanner_errors,omitempty" jsonschema:"enum=deny,enum=warn,enum=ignore"`
	// Secrets holds the SEC rules' settings.
	Secrets *SecretsSettings `json:"secrets,omitempty" yaml:"secrets,omitempty"`
	// Release holds the release rules' settings.
	Release *ReleaseSettings `json:"release,omitempty" yaml:"release,omitempty"`
	// Score sets the weighted score and its thresholds.
	Score *ScoreSettings `json:"score,omitempty" yaml:"score,omitempty"`
	// Containers holds the IMG rules' settings.
	Containers *ContainerSettings `json:"containers,omitempty" yaml:"containers,omitempty"`
	// IaC holds the IAC rules' settings.
	IaC *IaCSettings `json:"iac,omitempty" yaml:"iac,omitempty"`
	// Waivers holds the WVR rules' settings (waiver governance).
	Waivers *WaiverSettings `json:"waivers,omitempty" yaml:"waivers,omitempty"`
	// Tests holds the TST rules' settings.
	Tests *TestsSettings `json:"tests,omitempty" yaml:"tests,omitempty"`
	// Approvals holds the APR rules' settings.
	Approvals *ApprovalsSettings `json:"approvals,omitempty" yaml:"approvals,omitempty"`
	// SLO holds the SLO rules' settings.
	SLO *SLOSettings `json:"slo,omitempty" yaml:"slo,omitempty"`
	// Vulnerabilities holds the VUL rules' settings, for the dependency
	// (osv) and image (trivy) findings alike.
	Vulnerabilities *VulnerabilitySettings `json:"vulnerabilities,omitempty" yaml:"vulnerabilities,omitempty"`
	// Evidence is what a release must bring (SCN002); absence of evidence
	// is not a pass.
	Evidence *EvidenceSettings `json:"evidence,omitempty" yaml:"evidence,omitempty"`
}

// EvidenceSettings are the SCN002 rule's settings; the defaults are in
// policies/lib/defaults.rego.
type EvidenceSettings struct {
	// Missing is what missing required evidence does: deny (production),
	// warn (elsewhere) or ignore.
	Missing string `json:"missing,omitempty" yaml:"missing,omitempty" jsonschema:"enum=deny,enum=warn,enum=ignore"`
	// Scanners must have run with status ok, or been skipped for a reason
	// in NotApplicable (default: all of them). Approvals are not required
	// where approvals.required is 0.
	Scanners []string `json:"scanners,omitempty" yaml:"scanners,omitempty"`
	// NotApplicable are the skip reasons that mean a scanner's area does
	// not apply to the repository (no lockfiles found, no migrations found…).
	NotApplicable []string `json:"not_applicable,omitempty" yaml:"not_applicable,omitempty"`
	// NonzeroStats are, per scanner, run statistics that must not be zero
	// for its ok to count (default: secrets rules).
	NonzeroStats map[string][]string `json:"nonzero_stats,omitempty" yaml:"nonzero_stats,omitempty"`
}

// ApprovalsSettings are the APR rules' settings; the defaults are in
// policies/rules/approvals.rego.
type ApprovalsSettings struct {
	// Required is how many approvals a release needs (production: 1).
	// An approval counts when it is the reviewer's latest word, is not the
	// author's, and was given on the last pushed commit.
	Required *int `json:"required,omitempty" yaml:"required,omitempty"`
	// HotfixBranches (globs) may release with HotfixRequired approvals,
	// and then warn until approved after the fact.
	HotfixBranches []string `json:"hotfix_branches,omitempty" yaml:"hotfix_branches,omitempty"`
	HotfixRequired *int     `json:"hotfix_required,omitempty" yaml:"hotfix_required,omitempty"`
	// RequireTicket denies a release without a change ticket (production).
	RequireTicket *bool `json:"require_ticket,omitempty" yaml:"require_ticket,omitempty"`
	// RequireCodeOwners denies a change whose code owners did not approve
	// their files (production).
	RequireCodeOwners *bool `json:"require_code_owners,omitempty" yaml:"require_code_owners,omitempty"`
	// RequireRollbackPlan denies a change record without a rollback plan (production).
	RequireRollbackPlan *bool `json:"require_rollback_plan,omitempty" yaml:"require_rollback_plan,omitempty"`
	// Missing is what a release without any approval facts does: deny,
	// warn or ignore (the default, so that a gate without a review process
	// configured still runs).
	Missing string `json:"missing,omitempty" yaml:"missing,omitempty" jsonschema:"enum=deny,enum=warn,enum=ignore"`
}

// SLOSettings are the SLO rules' settings; the defaults are in
// policies/rules/slo.rego.
type SLOSettings struct {
	// MinBudget is the share of error budget (0-1) at or below which
	// releases other than fixes are denied; the default is 0 (exhausted).
	MinBudget *float64 `json:"min_budget,omitempty" yaml:"min_budget,omitempty"`
	// FastBurnRate is the burn rate over both alerting windows that counts
	// as a fast burn (default 14.4, 2% of a 30-day budget in an hour),
	// unless the objective's definition sets its own.
	FastBurnRate *float64 `json:"fast_burn_rate,omitempty" yaml:"fast_burn_rate,omitempty"`
	// FastBurn is what a fast burn does: deny (production), warn or ignore.
	FastBurn string `json:"fast_burn,omitempty" yaml:"fast_burn,omitempty" jsonschema:"enum=deny,enum=warn,enum=ignore"`
	// Errors is what an objective that could not be measured does: deny
	// (production: fail closed), warn or ignore.
	Errors string `json:"errors,omitempty" yaml:"errors,omitempty" jsonschema:"enum=deny,enum=warn,enum=ignore"`
	// FixTypes are the conventional commit types of a fix-only release,
	// which an exhausted budget does not stop (default fix, revert);
	// FixBranches (globs) always release as fixes (default hotfix/**).
	FixTypes    []string `json:"fix_types,omitempty" yaml:"fix_types,omitempty"`
	FixBranches []string `json:"fix_branches,omitempty" yaml:"fix_branches,omitempty"`
	// VerifyBurnRate: after a deploy, an error rate above this many times
	// the budgeted rate (1 - objective) triggers a rollback (default 2).
	VerifyBurnRate *float64 `json:"verify_burn_rate,omitempty" yaml:"verify_burn_rate,omitempty"`
}

// TestsSettings are the TST rules' settings. Failing tests always deny.
type TestsSettings struct {
	// MinCoverage is the coverage percentage (0-100) below which the gate
	// warns; 0 turns the check off.
	MinCoverage *float64 `json:"min_coverage,omitempty" yaml:"min_coverage,omitempty"`
}

// VulnerabilitySettings are the VUL rules' settings; the defaults are in
// policies/rules/vulnerabilities.rego.
type VulnerabilitySettings struct {
	// MinSeverity: vulnerabilities below it are not reported (default low).
	MinSeverity string `json:"min_severity,omitempty" yaml:"min_severity,omitempty" jsonschema:"enum=critical,enum=high,enum=medium,enum=low"`
	// UnknownSeverity is given to advisories without one (default high).
	UnknownSeverity string `json:"unknown_severity,omitempty" yaml:"unknown_severity,omitempty" jsonschema:"enum=critical,enum=high,enum=medium,enum=low"`
	// Budgets accept up to N vulnerabilities of a severity as warnings.
	Budgets map[string]int `json:"budgets,omitempty" yaml:"budgets,omitempty"`
	// NoFixGraceDays: a vulnerability without a fix warns this long after
	// its publication, then denies (default 30).
	NoFixGraceDays *int `json:"no_fix_grace_days,omitempty" yaml:"no_fix_grace_days,omitempty"`
	// Dev is what a vulnerability only in dev dependencies does (default warn).
	Dev string `json:"dev,omitempty" yaml:"dev,omitempty" jsonschema:"enum=deny,enum=warn,enum=ignore"`
	// MaxDBAgeDays is the age beyond which a vulnerability database is
	// stale (default 7); StaleDB is what that does (deny in production).
	MaxDBAgeDays *int   `json:"max_db_age_days,omitempty" yaml:"max_db_age_days,omitempty"`
	StaleDB      string `json:"stale_db,omitempty" yaml:"stale_db,omitempty" jsonschema:"enum=deny,enum=warn,enum=ignore"`
	// FileErrors is what a lockfile the scanner could not read does (deny
	// in production).
	FileErrors string `json:"file_errors,omitempty" yaml:"file_errors,omitempty" jsonschema:"enum=deny,enum=warn,enum=ignore"`
	// InvalidRecords is what advisories the matcher cannot read do (warn).
	InvalidRecords string `json:"invalid_records,omitempty" yaml:"invalid_records,omitempty" jsonschema:"enum=deny,enum=warn,enum=ignore"`
}

func (v *VulnerabilitySettings) check(where string) error {
	if v == nil {
		return nil
	}
	levels := []string{"critical", "high", "medium", "low"}
	actions := []string{"deny", "warn", "ignore"}
	for _, f := range []struct {
		key, val string
		set      []string
	}{
		{"min_severity", v.MinSeverity, levels}, {"unknown_severity", v.UnknownSeverity, levels},
		{"dev", v.Dev, actions}, {"stale_db", v.StaleDB, actions},
		{"file_errors", v.FileErrors, actions}, {"invalid_records", v.InvalidRecords, actions},
	} {
		if f.val != "" && !oneOf(f.val, f.set) {
			return fmt.Errorf("%s.%s: %q is not one of %s", where, f.key, f.val, strings.Join(f.set, ", "))
		}
	}
	for sev, n := range v.Budgets {
		if !oneOf(sev, levels) || n < 0 {
			return fmt.Errorf("%s.budgets.%s: want a severity (%s) and a count of 0 or more", where, sev, strings.Join(levels, ", "))
		}
	}
	for key, n := range map[string]*int{"no_fix_grace_days": v.NoFixGraceDays, "max_db_age_days": v.MaxDBAgeDays} {
		if n != nil && *n < 0 {
			return fmt.Errorf("%s.%s: %d is negative", where, key, *n)
		}
	}
	return nil
}

// WaiverSettings govern waivers (the WVR rules).
type WaiverSettings struct {
	// ExpiryWarningDays: a waiver expiring within this many days warns (default 14).
	ExpiryWarningDays *int `json:"expiry_warning_days,omitempty" yaml:"expiry_warning_days,omitempty"`
	// ApproverRequired are the rule severities whose waivers need an
	// approver (default critical and high).
	ApproverRequired []string `json:"approver_required,omitempty" yaml:"approver_required,omitempty"`
	// MaxDays caps, per rule severity, how many days past the release a
	// waiver may expire (defaults: critical 30, high 90, medium 180, low and info 365).
	MaxDays map[string]int `json:"max_days,omitempty" yaml:"max_days,omitempty"`
	// WarnUnused warns about waivers that match no finding (default true).
	WarnUnused *bool `json:"warn_unused,omitempty" yaml:"warn_unused,omitempty"`
}

func (w *WaiverSettings) validate(where string) error {
	if w == nil {
		return nil
	}
	if w.ExpiryWarningDays != nil && *w.ExpiryWarningDays < 0 {
		return fmt.Errorf("%s.expiry_warning_days: %d is negative", where, *w.ExpiryWarningDays)
	}
	for _, sev := range w.ApproverRequired {
		if !oneOf(sev, severities) {
			return fmt.Errorf("%s.approver_required: %q is not a severity", where, sev)
		}
	}
	for sev, n := range w.MaxDays {
		if !oneOf(sev, severities) {
			return fmt.Errorf("%s.max_days: %q is not a severity", where, sev)
		}
		if n < 0 {
			return fmt.Errorf("%s.max_days.%s: %d is negative", where, sev, n)
		}
	}
	return nil
}

// ContainerSettings say which image rules deny (the rest warn); in
// production all of them do by default.
type ContainerSettings struct {
	DenyRoot      *bool `json:"deny_root,omitempty" yaml:"deny_root,omitempty"`
	DenyEOL       *bool `json:"deny_eol,omitempty" yaml:"deny_eol,omitempty"`
	RequireDigest *bool `json:"require_digest,omitempty" yaml:"require_digest,omitempty"`
}

// IaCSettings are the IAC rules' settings.
type IaCSettings struct {
	// DenySeverity is the lowest severity of a failed check that denies;
	// none makes every failed check a warning. Production's default is high.
	DenySeverity string `json:"deny_severity,omitempty" yaml:"deny_severity,omitempty" jsonschema:"enum=critical,enum=high,enum=medium,enum=low,enum=none"`
}

// SecretsSettings are the SEC rules' settings. A secret in the change or
// the working tree always denies; these say what an older one does.
type SecretsSettings struct {
	// InHistory is what a secret found only in older commits does: deny
	// (production's default), warn (elsewhere) or ignore.
	InHistory string `json:"in_history,omitempty" yaml:"in_history,omitempty" jsonschema:"enum=deny,enum=warn,enum=ignore"`
}

// ReleaseSettings are the REL rules' settings.
type ReleaseSettings struct {
	// Branches and Tags are glob patterns a release may come from; empty allows any.
	Branches []string `json:"branches,omitempty" yaml:"branches,omitempty"`
	Tags     []string `json:"tags,omitempty" yaml:"tags,omitempty"`
	// RequireSemver denies a release whose version is not SemVer.
	RequireSemver *bool `json:"require_semver,omitempty" yaml:"require_semver,omitempty"`
	// BranchModel names the branching model whose branches may release to
	// this environment: gitflow (production from main, release/* and
	// hotfix/*; staging also from develop), trunk (main and release/*) or
	// github-flow (production from main only).
	BranchModel string `json:"branch_model,omitempty" yaml:"branch_model,omitempty" jsonschema:"enum=gitflow,enum=trunk,enum=github-flow"`
	// SemverBump is what a version bump smaller than the conventional
	// commits call for does (a breaking change needs a major, a feat a
	// minor): deny (production), warn or ignore.
	SemverBump string `json:"semver_bump,omitempty" yaml:"semver_bump,omitempty" jsonschema:"enum=deny,enum=warn,enum=ignore"`
	// Freeze windows: no release while one is open.
	Freeze []FreezeWindow `json:"freeze,omitempty" yaml:"freeze,omitempty"`
	// Strategies are the deployment strategies allowed here (canary,
	// blue-green, rolling, recreate); empty allows any.
	Strategies []string `json:"strategies,omitempty" yaml:"strategies,omitempty"`
	// PromoteFrom names the environment whose passing decision, for the
	// same artifact, must be shown (--staging-decision), e.g. staging.
	PromoteFrom string `json:"promote_from,omitempty" yaml:"promote_from,omitempty"`
	// Checklist are the pre-deployment checklist items required here
	// (rollback_plan, runbook, dashboard, on_call_notified, …), stated in
	// release.checklist or with --checklist.
	Checklist []string `json:"checklist,omitempty" yaml:"checklist,omitempty"`
}

// FreezeWindow is a period without releases: from Start to End (local
// date-times "2026-12-20T18:00" or whole days "2026-12-24"), or every week
// on Days between From and To ("15:00" to "24:00"; To before From runs
// overnight), in TimeZone (IANA, default UTC).
type FreezeWindow struct {
	Name     string   `json:"name" yaml:"name"`
	Start    string   `json:"start,omitempty" yaml:"start,omitempty"`
	End      string   `json:"end,omitempty" yaml:"end,omitempty"`
	Days     []string `json:"days,omitempty" yaml:"days,omitempty"`
	From     string   `json:"from,omitempty" yaml:"from,omitempty"`
	To       string   `json:"to,omitempty" yaml:"to,omitempty"`
	TimeZone string   `json:"time_zone,omitempty" yaml:"time_zone,omitempty"`
	// AllowBranches (globs) may release during the window, e.g. hotfix/**.
	AllowBranches []string `json:"allow_branches,omitempty" yaml:"allow_branches,omitempty"`
}

// ScoreSettings set the Keptn-style score: each area is an objective
// (pass 1, warning 0.5, fail 0) weighted by Weights; a total below Warn
// fails the gate, below Pass warns.
type ScoreSettings struct {
	Pass    *float64           `json:"pass,omitempty" yaml:"pass,omitempty"`
	Warn    *float64           `json:"warn,omitempty" yaml:"warn,omitempty"`
	Weights map[string]float64 `json:"weights,omitempty" yaml:"weights,omitempty"`
	// Key objectives (areas) fail on any deny in them, even one fail_on or
	// a budget lets through, and a failed key objective fails the gate
	// whatever the score.
	Key []string `json:"key,omitempty" yaml:"key,omitempty"`
}

// Duration is a time.Duration written as "90s" or "5m".
type Duration time.Duration

// UnmarshalYAML reads a duration string, naming its line when it is wrong.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		return fmt.Errorf("line %d: invalid duration %q (want e.g. 90s or 5m)", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as time.Duration does.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// Error is a config file that cannot be used, with the file and line.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Load reads the config file at path. A missing file is not an error when
// optional is true: the zero Config (all defaults) is returned.
func Load(path string, optional bool) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		if optional && errors.Is(err, os.ErrNotExist) {
			return &Config{}, nil
		}
		return nil, &Error{File: path, Msg: fmt.Sprintf("read config: %v", unwrapPath(err))}
	}
	return Parse(path, data)
}

// Parse decodes a config document strictly: unknown keys and wrong types are
// errors naming the file and line.
func Parse(name string, data []byte) (*Config, error) {
	cfg := new(Config)
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, yamlError(name, err)
	}
	if err := cfg.validate(); err != nil {
		return nil, &Error{File: name, Msg: err.Error()}
	}
	return cfg, nil
}

var (
	lineRE     = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	notFoundRE = regexp.MustCompile(`^field (\S+) not found in type \S+$`)
)

// yamlError turns the YAML decoder's messages into "file:line: message".
func yamlError(name string, err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	first := &Error{File: name}
	var rest []string
	for i, m := range msgs {
		line := 0
		if sm := lineRE.FindStringSubmatch(m); sm != nil {
			line, _ = strconv.Atoi(sm[1])
			m = sm[2]
		}
		if sm := notFoundRE.FindStringSubmatch(m); sm != nil {
			m = fmt.Sprintf("unknown key %q", sm[1])
		}
		m = strings.TrimPrefix(m, "yaml: ")
		if i == 0 {
			first.Line, first.Msg = line, m
			continue
		}
		rest = append(rest, fmt.Sprintf("line %d: %s", line, m))
	}
	if len(rest) > 0 {
		first.Msg += " (and " + strings.Join(rest, "; ") + ")"
	}
	return first
}

var severities = []string{"critical", "high", "medium", "low", "info"}

func (c *Config) validate() error {
	check := func(where string, s *Settings) error {
		if s == nil {
			return nil
		}
		if s.FailOn != "" && !oneOf(s.FailOn, severities) {
			return fmt.Errorf("%s.fail_on: %q is not one of %s", where, s.FailOn, strings.Join(severities, ", "))
		}
		for sev, n := range s.Budgets {
			if !oneOf(sev, severities) {
				return fmt.Errorf("%s.budgets: %q is not a severity", where, sev)
			}
			if n < 0 {
				return fmt.Errorf("%s.budgets.%s: %d is negative", where, sev, n)
			}
		}
		if s.IaC != nil && s.IaC.DenySeverity != "" && !oneOf(s.IaC.DenySeverity, []string{"critical", "high", "medium", "low", "none"}) {
			return fmt.Errorf("%s.iac.deny_severity: %q is not one of critical, high, medium, low, none", where, s.IaC.DenySeverity)
		}
		if s.ScannerErrors != "" && !oneOf(s.ScannerErrors, []string{"deny", "warn", "ignore"}) {
			return fmt.Errorf("%s.scanner_errors: %q is not one of deny, warn, ignore", where, s.ScannerErrors)
		}
		if e := s.Evidence; e != nil && e.Missing != "" && !oneOf(e.Missing, []string{"deny", "warn", "ignore"}) {
			return fmt.Errorf("%s.evidence.missing: %q is not one of deny, warn, ignore", where, e.Missing)
		}
		if s.Secrets != nil && s.Secrets.InHistory != "" && !oneOf(s.Secrets.InHistory, []string{"deny", "warn", "ignore"}) {
			return fmt.Errorf("%s.secrets.in_history: %q is not one of deny, warn, ignore", where, s.Secrets.InHistory)
		}
		if err := s.Waivers.validate(where + ".waivers"); err != nil {
			return err
		}
		if a := s.Approvals; a != nil {
			if (a.Required != nil && *a.Required < 0) || (a.HotfixRequired != nil && *a.HotfixRequired < 0) {
				return fmt.Errorf("%s.approvals: required and hotfix_required cannot be negative", where)
			}
			if a.Missing != "" && !oneOf(a.Missing, []string{"deny", "warn", "ignore"}) {
				return fmt.Errorf("%s.approvals.missing: %q is not one of deny, warn, ignore", where, a.Missing)
			}
		}
		if r := s.Release; r != nil {
			if err := r.validateContext(where); err != nil {
				return err
			}
		}
		if e := s.SLO; e != nil {
			for k, v := range map[string]string{"fast_burn": e.FastBurn, "errors": e.Errors} {
				if v != "" && !oneOf(v, []string{"deny", "warn", "ignore"}) {
					return fmt.Errorf("%s.slo.%s: %q is not one of deny, warn, ignore", where, k, v)
				}
			}
		}
		if s.Tests != nil && s.Tests.MinCoverage != nil && (*s.Tests.MinCoverage < 0 || *s.Tests.MinCoverage > 100) {
			return fmt.Errorf("%s.tests.min_coverage: %v is not a percentage (0-100)", where, *s.Tests.MinCoverage)
		}
		if err := s.Vulnerabilities.check(where + ".vulnerabilities"); err != nil {
			return err
		}
		return nil
	}
	if err := c.Tests.validate(); err != nil {
		return err
	}
	if err := c.SLO.validate(); err != nil {
		return err
	}
	if r := c.Release; r != nil && r.Strategy != "" && !oneOf(r.Strategy, Strategies) {
		return fmt.Errorf("release.strategy: %q is not one of %s", r.Strategy, strings.Join(Strategies, ", "))
	}
	if a := c.Approvals; a != nil && a.GitHub != nil && a.GitHub.TicketPattern != "" {
		if _, err := regexp.Compile(a.GitHub.TicketPattern); err != nil {
			return fmt.Errorf("approvals.github.ticket_pattern: %w", err)
		}
	}
	if m := c.Migrations; m != nil && m.Dialect != "" && !oneOf(m.Dialect, []string{"postgres", "mysql"}) {
		return fmt.Errorf("migrations.dialect: %q is not one of postgres, mysql", m.Dialect)
	}
	if s := c.Secrets; s != nil {
		if s.History != "" && !oneOf(s.History, []string{"all", "since-last-tag", "none"}) {
			return fmt.Errorf("secrets.history: %q is not one of all, since-last-tag, none", s.History)
		}
		if s.Archives < 0 || (s.MaxFileSize != nil && *s.MaxFileSize < 0) || (s.DecodeDepth != nil && *s.DecodeDepth < 0) {
			return fmt.Errorf("secrets: archives, max_file_size and decode_depth cannot be negative")
		}
	}
	if err := check("defaults", c.Defaults); err != nil {
		return err
	}
	for name, s := range c.Environments {
		if err := check("environments."+name, &s); err != nil {
			return err
		}
	}
	return nil
}

func oneOf(s string, set []string) bool {
	for _, v := range set {
		if s == v {
			return true
		}
	}
	return false
}

// unwrapPath drops the *PathError's own path, since Error already names the file.
func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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

// Strategies are the deployment strategies relgate knows.
var Strategies = []string{"canary", "blue-green", "rolling", "recreate"}

var (
	localTimeRE = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2})?$`)
	clockRE     = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d$|^24:00$`)
	weekdays    = []string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}
)

// validateContext checks the release settings relgate added for the
// release context: the freeze calendar above all, whose time zones must
// load here (a typo must not become a window that never opens).
func (r *ReleaseSettings) validateContext(where string) error {
	if r.BranchModel != "" && !oneOf(r.BranchModel, []string{"gitflow", "trunk", "github-flow"}) {
		return fmt.Errorf("%s.release.branch_model: %q is not one of gitflow, trunk, github-flow", where, r.BranchModel)
	}
	if r.SemverBump != "" && !oneOf(r.SemverBump, []string{"deny", "warn", "ignore"}) {
		return fmt.Errorf("%s.release.semver_bump: %q is not one of deny, warn, ignore", where, r.SemverBump)
	}
	for _, st := range r.Strategies {
		if !oneOf(st, Strategies) {
			return fmt.Errorf("%s.release.strategies: %q is not one of %s", where, st, strings.Join(Strategies, ", "))
		}
	}
	for i, w := range r.Freeze {
		at := fmt.Sprintf("%s.release.freeze[%d]", where, i)
		if w.Name == "" {
			return fmt.Errorf("%s: name is required", at)
		}
		at = fmt.Sprintf("%s (%s)", at, w.Name)
		if _, err := time.LoadLocation(w.TimeZone); w.TimeZone != "" && err != nil {
			return fmt.Errorf("%s: time_zone %q is not an IANA time zone (e.g. Europe/Berlin): %w", at, w.TimeZone, err)
		}
		absolute, weekly := w.Start != "" || w.End != "", len(w.Days) > 0
		switch {
		case absolute && weekly:
			return fmt.Errorf("%s: set start and end, or days (with from and to), not both", at)
		case absolute:
			if !localTimeRE.MatchString(w.Start) || !localTimeRE.MatchString(w.End) {
				return fmt.Errorf("%s: start and end are local dates or date-times like 2026-12-20 or 2026-12-20T18:00", at)
			}
			if w.End < w.Start {
				return fmt.Errorf("%s: ends (%s) before it starts (%s)", at, w.End, w.Start)
			}
			if w.From != "" || w.To != "" {
				return fmt.Errorf("%s: from and to apply to weekly windows (days)", at)
			}
		case weekly:
			for _, d := range w.Days {
				if !oneOf(strings.ToLower(d), weekdays) {
					return fmt.Errorf("%s: day %q is not one of %s", at, d, strings.Join(weekdays, ", "))
				}
			}
			for _, c := range []string{w.From, w.To} {
				if c != "" && !clockRE.MatchString(c) {
					return fmt.Errorf("%s: %q is not a time of day like 15:00", at, c)
				}
			}
		default:
			return fmt.Errorf("%s: set start and end, or days", at)
		}
	}
	return nil
}
