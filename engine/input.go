// Package engine holds relgate's input document, the policy engine that
// judges it, and the decision it returns.
//
// The input document is the contract between the scanners (facts, in Go) and
// the policies (judgment, in Rego). Every adapter fills only its own section;
// every list is sorted deterministically and every path is repo-relative with
// forward slashes, so that a saved document re-evaluates to the same decision.
package engine

import "time"

// APIVersion and kinds of the documents relgate reads and writes.
const (
	APIVersion   = "relgate.dev/v1"
	KindInput    = "ReleaseInput"
	KindDecision = "Decision"
)

// Input is the versioned document every policy evaluates.
type Input struct {
	APIVersion        string             `json:"apiVersion"`
	Kind              string             `json:"kind"`
	Release           Release            `json:"release"`
	Secrets           []Secret           `json:"secrets"`
	Vulnerabilities   []Vulnerability    `json:"vulnerabilities"`
	Containers        []Container        `json:"containers"`
	Misconfigurations []Misconfiguration `json:"misconfigurations"`
	Migrations        []Migration        `json:"migrations"`
	SLO               []SLO              `json:"slo"`
	Approvals         *Approvals         `json:"approvals,omitempty"`
	Tests             *Tests             `json:"tests,omitempty"`
	Waivers           []Waiver           `json:"waivers"`
	Scanners          []ScannerRun       `json:"scanners"`
	// Options are the command line's judgment knobs (--severity,
	// --ignore-unfixed), kept in the document so that eval of a saved input
	// reproduces the decision.
	Options *GateOptions `json:"options,omitempty"`
}

// GateOptions are knobs that map onto the built-in policies: they shape
// what the policies report, never a second decision path.
type GateOptions struct {
	// Severities, when set, are the only severities reported: findings of
	// other severities are neither violations nor warnings.
	Severities []string `json:"severities,omitempty" jsonschema:"uniqueItems=true"`
	// IgnoreUnfixed makes vulnerabilities with no fixed version warn
	// instead of deny.
	IgnoreUnfixed bool `json:"ignore_unfixed,omitempty"`
	// Base is the --base REF of a PR-mode run: denies of findings that
	// were already there on the base warn as pre-existing.
	Base string `json:"base,omitempty"`
	// SkipDirs and SkipFiles are the paths no scanner looked at
	// (--skip-dirs, --skip-files): recorded so that an unscanned path is
	// never mistaken for a clean one.
	SkipDirs  []string `json:"skip_dirs,omitempty"`
	SkipFiles []string `json:"skip_files,omitempty"`
}

// NewInput returns an empty document of the current version. Lists are
// empty rather than nil so that policies and the JSON form see [] and never null.
func NewInput() *Input {
	in := &Input{APIVersion: APIVersion, Kind: KindInput}
	in.normalise()
	return in
}

// Release describes what is being released, where, and how.
type Release struct {
	Environment     string     `json:"environment"`
	Version         string     `json:"version,omitempty"`
	PreviousVersion string     `json:"previous_version,omitempty"`
	Branch          string     `json:"branch,omitempty"`
	Tag             string     `json:"tag,omitempty"`
	PreviousTag     string     `json:"previous_tag,omitempty"`
	Commit          string     `json:"commit,omitempty"`
	BaseCommit      string     `json:"base_commit,omitempty"`
	Strategy        string     `json:"strategy,omitempty" jsonschema:"enum=,enum=canary,enum=blue-green,enum=rolling,enum=recreate"`
	Labels          []string   `json:"labels,omitempty"`
	Artifacts       []Artifact `json:"artifacts,omitempty"`
	// Time is when the facts were gathered. Policies use it instead of the
	// wall clock (waiver expiry, freeze windows) so a saved input always
	// re-evaluates to the same decision.
	Time    time.Time `json:"time"`
	Commits []Commit  `json:"commits,omitempty"`
	// Stage is where in the pipeline the gate runs: empty before the
	// deploy, verify after it (relgate check --stage verify).
	Stage string `json:"stage,omitempty" jsonschema:"enum=,enum=verify"`
	// Promotion is the decision of the gate the release passed before
	// (--staging-decision), to judge that the same artifact is promoted.
	Promotion *Promotion `json:"promotion,omitempty"`
	// Checklist is the pre-deployment checklist as the config
	// (release.checklist) and --checklist state it, sorted by item.
	Checklist []ChecklistItem `json:"checklist,omitempty"`
}

// Promotion is a saved decision (relgate's json report) of an earlier
// gate, with what it judged.
type Promotion struct {
	File        string     `json:"file"`
	Environment string     `json:"environment"`
	Result      string     `json:"result"`
	Version     string     `json:"version,omitempty"`
	Commit      string     `json:"commit,omitempty"`
	Artifacts   []Artifact `json:"artifacts,omitempty"`
	Time        *time.Time `json:"time,omitempty"`
	InputDigest string     `json:"input_digest,omitempty"`
}

// ChecklistItem is one pre-deployment checklist item.
type ChecklistItem struct {
	Item  string `json:"item"`
	Value string `json:"value"`
	// Kind is flag (true or false), link (an http(s) URL), file (a path in
	// the repository; Exists says whether it is there) or text.
	Kind   string `json:"kind" jsonschema:"enum=flag,enum=link,enum=file,enum=text"`
	Exists *bool  `json:"exists,omitempty"`
}

// Artifact is a released artifact identified by digest.
type Artifact struct {
	Name   string `json:"name"`
	Digest string `json:"digest,omitempty"`
}

// Commit is one commit in the release range, parsed as a conventional commit.
type Commit struct {
	SHA      string    `json:"sha"`
	Subject  string    `json:"subject"`
	Author   string    `json:"author,omitempty"`
	Time     time.Time `json:"time"`
	Type     string    `json:"type,omitempty"`
	Scope    string    `json:"scope,omitempty"`
	Breaking bool      `json:"breaking"`
}

// Location points at a place in the repository. Lines are 1-based; zero means unknown.
type Location struct {
	Path        string `json:"path"`
	StartLine   int    `json:"start_line,omitempty"`
	EndLine     int    `json:"end_line,omitempty"`
	StartColumn int    `json:"start_column,omitempty"`
	EndColumn   int    `json:"end_column,omitempty"`
	Commit      string `json:"commit,omitempty"`
}

// Secret is a detected secret. It never carries the secret itself: only a
// hash to match it across runs and a redacted preview.
type Secret struct {
	RuleID      string   `json:"rule_id"`
	Description string   `json:"description,omitempty"`
	Location    Location `json:"location"`
	Author      string   `json:"author,omitempty"`
	Date        string   `json:"date,omitempty"`
	Fingerprint string   `json:"fingerprint"`
	SecretHash  string   `json:"secret_hash" jsonschema:"pattern=^(sha256:[0-9a-f]{64})?$"`
	Redacted    string   `json:"redacted"`
	Entropy     float64  `json:"entropy"`
	// Where is "change" (in the staged diff or base..HEAD), "history"
	// (only in older commits) or "tree" (the working tree).
	Where string   `json:"where" jsonschema:"enum=change,enum=history,enum=tree"`
	Tags  []string `json:"tags,omitempty"`
}

// Package identifies a software package.
type Package struct {
	Name      string `json:"name"`
	Version   string `json:"version"`
	Ecosystem string `json:"ecosystem"`
	PURL      string `json:"purl,omitempty"`
}

// Vulnerability is a known advisory affecting a package.
type Vulnerability struct {
	ID            string     `json:"id"`
	Aliases       []string   `json:"aliases,omitempty"`
	Summary       string     `json:"summary,omitempty"`
	Package       Package    `json:"package"`
	Severity      string     `json:"severity" jsonschema:"enum=critical,enum=high,enum=medium,enum=low,enum=unknown"`
	CVSSScore     float64    `json:"cvss_score,omitempty"`
	CVSSVector    string     `json:"cvss_vector,omitempty"`
	FixedVersions []string   `json:"fixed_versions"`
	Published     *time.Time `json:"published,omitempty"`
	Modified      *time.Time `json:"modified,omitempty"`
	Source        string     `json:"source" jsonschema:"enum=osv,enum=trivy"`
	Location      Location   `json:"location"`
	Image         string     `json:"image,omitempty"`
	Dev           bool       `json:"dev"`
	// Direct is true for a direct dependency, false for a transitive one,
	// and absent where the lockfile does not tell.
	Direct *bool `json:"direct,omitempty"`
	// InChange is true when the package was added or upgraded in the change.
	InChange bool `json:"in_change"`
	// CWEs are the weaknesses the advisory names (CWE-79), where it does.
	CWEs []string `json:"cwes,omitempty"`
	// Layer is the image layer that installed the package (container
	// findings), where trivy can tell.
	Layer *Layer `json:"layer,omitempty"`
}

// Layer identifies an image layer: its digest as stored (compressed) and
// its diff ID (the digest of its content), as trivy reports them.
type Layer struct {
	Digest string `json:"digest,omitempty"`
	DiffID string `json:"diff_id,omitempty"`
}

// Container is a scanned container image.
type Container struct {
	Image  string `json:"image"`
	Digest string `json:"digest,omitempty"`
	// ID is the image ID (the config digest), what `docker images` shows.
	ID string `json:"id,omitempty"`
	// Source is where the image was read: a registry, a docker-save
	// archive or an OCI layout (directory or tarball).
	Source string `json:"source,omitempty" jsonschema:"enum=,enum=registry,enum=docker-archive,enum=oci-layout"`
	// Tags are the repository tags a docker-save archive records.
	Tags     []string `json:"tags,omitempty"`
	OS       OS       `json:"os"`
	User     string   `json:"user"`
	Layers   int      `json:"layers"`
	Packages int      `json:"packages"`
	Location Location `json:"location"`
}

// OS is an image's operating system.
type OS struct {
	Family  string `json:"family,omitempty"`
	Version string `json:"version,omitempty"`
	EOL     bool   `json:"eol"`
}

// Misconfiguration is a failed infrastructure-as-code check.
type Misconfiguration struct {
	ID         string   `json:"id"`
	Title      string   `json:"title"`
	Severity   string   `json:"severity" jsonschema:"enum=critical,enum=high,enum=medium,enum=low,enum=unknown"`
	Message    string   `json:"message,omitempty"`
	Resolution string   `json:"resolution,omitempty"`
	Resource   string   `json:"resource,omitempty"`
	Type       string   `json:"type"`
	Location   Location `json:"location"`
	// Error is set, and ID empty, for a file that could not be parsed:
	// no check ran on it.
	Error string `json:"error,omitempty"`
	// InChange says whether the change (--base) touched the file; absent
	// when no change range was given.
	InChange *bool `json:"in_change,omitempty"`
}

// Migration is one database migration file (or up/down pair).
type Migration struct {
	Path      string `json:"path"`
	Tool      string `json:"tool"`
	Version   string `json:"version,omitempty"`
	Name      string `json:"name,omitempty"`
	Dialect   string `json:"dialect"`
	Direction string `json:"direction,omitempty" jsonschema:"enum=,enum=up,enum=down"`
	HasDown   bool   `json:"has_down"`
	DownPath  string `json:"down_path,omitempty"`
	InChange  bool   `json:"in_change"`
	// Change is how the file changed in the change range (--base or
	// --staged): added, modified, renamed or unchanged; unknown when no
	// range was given, so every migration is up for judgment.
	Change string `json:"change,omitempty" jsonschema:"enum=,enum=added,enum=modified,enum=renamed,enum=unchanged,enum=unknown"`
	// Transactional is true when the tool runs the whole migration in one
	// transaction (goose, dbmate, Flyway by default; golang-migrate on
	// PostgreSQL when the file holds several statements).
	Transactional bool `json:"transactional"`
	// Irreversible is an explicit `-- relgate:irreversible` marker.
	Irreversible bool `json:"irreversible"`
	// Repeatable marks a migration re-applied whenever it changes (Flyway R__).
	Repeatable bool        `json:"repeatable,omitempty"`
	Statements []Statement `json:"statements"`
	// Errors are statements that did not parse: a fact, never a skip.
	Errors []ParseError `json:"errors,omitempty"`
}

// ParseError is a statement the parser rejected.
type ParseError struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// Statement is one SQL statement with the facts that matter for safety.
type Statement struct {
	Line                   int      `json:"line"`
	EndLine                int      `json:"end_line,omitempty"`
	Kind                   string   `json:"kind"`
	Table                  string   `json:"table,omitempty"`
	Columns                []string `json:"columns,omitempty"`
	Fingerprint            string   `json:"fingerprint,omitempty"`
	Destructive            bool     `json:"destructive"`
	BackwardIncompatible   bool     `json:"backward_incompatible"`
	RewritesTable          bool     `json:"rewrites_table"`
	Lock                   string   `json:"lock,omitempty"`
	Concurrently           bool     `json:"concurrently"`
	InTransaction          bool     `json:"in_transaction"`
	NotNullWithoutDefault  bool     `json:"not_null_without_default"`
	AddsDefault            bool     `json:"adds_default"`
	VolatileDefault        bool     `json:"volatile_default"`
	AddsConstraint         string   `json:"adds_constraint,omitempty"`
	NotValid               bool     `json:"not_valid"`
	ValidatesConstraint    bool     `json:"validates_constraint"`
	ChangesType            bool     `json:"changes_type"`
	Renames                bool     `json:"renames"`
	LockTimeoutSet         bool     `json:"lock_timeout_set"`
	StatementTimeoutSet    bool     `json:"statement_timeout_set"`
	DataChangeWithoutWhere bool     `json:"data_change_without_where"`
	Idempotent             bool     `json:"idempotent"`
	Types                  []string `json:"types,omitempty"`
	Ignores                []string `json:"ignores,omitempty"`
	// Objects names every object of a statement that names several
	// (DROP TABLE a, b); Table is the first of them.
	Objects []string `json:"objects,omitempty"`
	// NewTable is true when Table was created earlier in the same migration
	// or by a migration added in the change: it is empty and no released
	// code uses it, so locks and contracts on it are harmless.
	NewTable bool `json:"new_table"`
	// UsingIndex is true for a UNIQUE or PRIMARY KEY constraint attached to
	// an index built beforehand (PostgreSQL ADD CONSTRAINT … USING INDEX).
	UsingIndex bool `json:"using_index"`
	// Algorithm is MySQL's ALGORITHM clause (INSTANT, INPLACE, COPY).
	Algorithm string `json:"algorithm,omitempty"`
	// Cascade is true for TRUNCATE or DROP … CASCADE: it reaches tables and
	// objects the statement does not name.
	Cascade bool `json:"cascade,omitempty"`
	// Temporary is true for a TEMPORARY table, which lives only in the
	// session that creates it.
	Temporary bool `json:"temporary,omitempty"`
	// LongNames are the identifiers the statement names that are longer
	// than the dialect allows (PostgreSQL truncates past 63 bytes, MySQL
	// refuses past 64 characters).
	LongNames []string `json:"long_names,omitempty"`
	// NotNullCheck is the column a CHECK (column IS NOT NULL) constraint
	// covers: once it is valid, PostgreSQL 12+ sets NOT NULL without a scan.
	NotNullCheck string `json:"not_null_check,omitempty"`
}

// SLO is one objective of a service-level objective and its current state,
// measured at the time of the release facts. Ratios (Objective, SLI,
// error rates) are fractions, not percentages: 0.999 is "three nines".
type SLO struct {
	Name    string `json:"name"`
	Service string `json:"service,omitempty"`
	// Kind is ratio (good or bad events of all events) or threshold (the
	// share of time slices in which a metric met Op Threshold).
	Kind      string   `json:"kind" jsonschema:"enum=ratio,enum=threshold"`
	Objective float64  `json:"objective"`
	Op        string   `json:"op,omitempty" jsonschema:"enum=,enum=lt,enum=lte,enum=gt,enum=gte"`
	Threshold *float64 `json:"threshold,omitempty"`
	Window    string   `json:"window"`
	// SLI is the objective's indicator over Window; ErrorBudgetRemaining
	// the share of the window's error budget left (1 untouched, 0 spent,
	// negative overspent).
	SLI                  *float64 `json:"sli,omitempty"`
	ErrorBudgetRemaining *float64 `json:"error_budget_remaining,omitempty"`
	// BurnRate and BurnRateLong are how fast the budget burns over
	// ShortWindow and LongWindow: 1 spends exactly the budget in Window.
	BurnRate     *float64 `json:"burn_rate,omitempty"`
	BurnRateLong *float64 `json:"burn_rate_long,omitempty"`
	ShortWindow  string   `json:"short_window,omitempty"`
	LongWindow   string   `json:"long_window,omitempty"`
	// AlertBurnRate is the burn-rate threshold the definition's own
	// alerting declares (OpenSLO AlertCondition), if any.
	AlertBurnRate *float64 `json:"alert_burn_rate,omitempty"`
	// Verify is measured only by the post-deploy verification (--stage verify).
	Verify   *SLOVerify `json:"verify,omitempty"`
	Source   string     `json:"source" jsonschema:"enum=prometheus,enum=static"`
	Location Location   `json:"location"`
	// Error is why the objective could not be measured (the metrics source
	// is down, a query failed or returned nothing): a fact, never a pass.
	Error string `json:"error,omitempty"`
}

// SLOVerify is an objective measured over the short window after a deploy:
// the rollback triggers.
type SLOVerify struct {
	Window string `json:"window"`
	// ErrorRate is the share of bad events (ratio objectives); Value is
	// the metric's value (threshold objectives).
	ErrorRate *float64 `json:"error_rate,omitempty"`
	Value     *float64 `json:"value,omitempty"`
	// MaxErrorRate and MaxValue are the definition's own rollback
	// thresholds, if it sets them.
	MaxErrorRate *float64 `json:"max_error_rate,omitempty"`
	MaxValue     *float64 `json:"max_value,omitempty"`
}

// Approvals records who approved the change being released: the reviews
// of its GitHub pull request, a change record (--change-record), or both.
type Approvals struct {
	// Sources say where the facts came from: github, change-record.
	Sources []string `json:"sources"`
	// Repository (owner/name), PullRequest and URL locate the pull request.
	// PullRequest is 0 when no pull request contains Commit, the released
	// commit looked up: it was pushed without review.
	Repository  string `json:"repository,omitempty"`
	PullRequest int    `json:"pull_request,omitempty"`
	URL         string `json:"url,omitempty"`
	Commit      string `json:"commit,omitempty"`
	// Author wrote the change: the pull request's author, else the change
	// record's.
	Author     string `json:"author,omitempty"`
	HeadBranch string `json:"head_branch,omitempty"`
	BaseBranch string `json:"base_branch,omitempty"`
	// HeadSHA is the pull request's head commit: a review of another
	// commit predates the last push.
	HeadSHA string `json:"head_sha,omitempty"`
	// LastPushAt is when the head commit was committed.
	LastPushAt *time.Time `json:"last_push_at,omitempty"`
	Reviews    []Review   `json:"reviews"`
	// Required is the approving review count the base branch's protection
	// requires; 0 when unprotected or unknown to the token.
	Required int `json:"required"`
	// RequestedReviewers are the users (@login) and teams (@org/team)
	// asked to review who have not yet.
	RequestedReviewers []string `json:"requested_reviewers,omitempty"`
	// CodeOwnersFile is the CODEOWNERS file read; CodeOwners the changed
	// files with the owners its last matching line gives them.
	CodeOwnersFile string          `json:"code_owners_file,omitempty"`
	CodeOwners     []CodeOwnership `json:"code_owners,omitempty"`
	// ChangedFiles counts the pull request's files (GitHub lists at most 3000).
	ChangedFiles int `json:"changed_files,omitempty"`
	// Teams are the members of the owner teams, by @org/team.
	Teams map[string]Team `json:"teams,omitempty"`
	// ChangeTicket, Risk, RollbackPlan and Approvers come from the change record.
	ChangeTicket string   `json:"change_ticket,omitempty"`
	Risk         string   `json:"risk,omitempty"`
	RollbackPlan string   `json:"rollback_plan,omitempty"`
	Approvers    []string `json:"approvers,omitempty"`
	Location     Location `json:"location"`
}

// Review is one review of the change.
type Review struct {
	User  string    `json:"user"`
	State string    `json:"state" jsonschema:"enum=APPROVED,enum=CHANGES_REQUESTED,enum=COMMENTED,enum=DISMISSED,enum=PENDING"`
	At    time.Time `json:"at"`
	// CommitID is the commit a GitHub review was given on.
	CommitID string `json:"commit_id,omitempty"`
	Source   string `json:"source" jsonschema:"enum=github,enum=change-record"`
	// Role is the approver's role in a change record (e.g. change-manager).
	Role string `json:"role,omitempty"`
}

// CodeOwnership is one changed file and its code owners.
type CodeOwnership struct {
	Path string `json:"path"`
	// Owners are @login, @org/team or e-mail entries; empty when no line
	// matches or the matching line names nobody.
	Owners []string `json:"owners"`
	// Line is the CODEOWNERS line that matched; 0 for none.
	Line int `json:"line,omitempty"`
}

// Team is an owner team's membership as the token could read it.
type Team struct {
	Members []string `json:"members"`
	Error   string   `json:"error,omitempty"`
}

// Tests summarises the test results and coverage of the release.
type Tests struct {
	// Reports are the JUnit XML files read, repo-relative.
	Reports []string `json:"reports"`
	Passed  int      `json:"passed"`
	// Failed counts test cases with a <failure>, Errors those with an
	// <error> (the test could not run to an assertion).
	Failed  int `json:"failed"`
	Errors  int `json:"errors"`
	Skipped int `json:"skipped"`
	// Failures name the failed and errored test cases, at most
	// MaxTestFailures of them; FailuresTruncated counts the rest. Their
	// messages are never copied: test output can hold anything.
	Failures          []TestFailure `json:"failures"`
	FailuresTruncated int           `json:"failures_truncated,omitempty"`
	// Coverage is the percentage (0-100) of statements or lines covered,
	// read from CoverageFile in CoverageFormat; Covered of Coverable.
	Coverage       *float64 `json:"coverage,omitempty"`
	CoverageFormat string   `json:"coverage_format,omitempty" jsonschema:"enum=,enum=go,enum=cobertura,enum=lcov"`
	CoverageFile   string   `json:"coverage_file,omitempty"`
	Covered        int64    `json:"covered,omitempty"`
	Coverable      int64    `json:"coverable,omitempty"`
	Location       Location `json:"location"`
}

// MaxTestFailures bounds the failing tests listed in the document.
const MaxTestFailures = 1000

// TestFailure is one failed or errored test case.
type TestFailure struct {
	// ID is Classname.Name (or Name alone), what waivers name a test by.
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Classname string   `json:"classname,omitempty"`
	Kind      string   `json:"kind" jsonschema:"enum=failure,enum=error"`
	Location  Location `json:"location"`
}

// Waiver accepts a finding for a time, with a reason and an approver.
type Waiver struct {
	Rule     string      `json:"rule"`
	Scope    WaiverScope `json:"scope"`
	Reason   string      `json:"reason"`
	Approver string      `json:"approver,omitempty"`
	Expires  string      `json:"expires"`
	Ticket   string      `json:"ticket,omitempty"`
	Location Location    `json:"location"`
	// Source is "inline" for a suppression written on the finding's own
	// line (`-- relgate:ignore MIG001 reason` in a migration), reviewed
	// with the code it sits on; empty for the waiver file.
	Source string `json:"source,omitempty" jsonschema:"enum=,enum=inline"`
}

// WaiverScope narrows a waiver to some findings of its rule; an empty field
// matches anything.
type WaiverScope struct {
	Fingerprint string `json:"fingerprint,omitempty"`
	Path        string `json:"path,omitempty"`
	Package     string `json:"package,omitempty"`
	ID          string `json:"id,omitempty"`
	Image       string `json:"image,omitempty"`
}

// Scanner run statuses.
const (
	StatusOK      = "ok"
	StatusError   = "error"
	StatusSkipped = "skipped"
)

// Skip reasons: why a scanner with status skipped did not look. Policy
// tells the reasons that mean its area does not apply to the repository
// (no lockfiles) from those that leave required evidence missing (not
// selected, not a git repository): settings.evidence.not_applicable.
const (
	ReasonNotSelected  = "not selected"
	ReasonStagedOnly   = "staged change only"
	ReasonNotRepo      = "not a git repository"
	ReasonNoLockfiles  = "no lockfiles found"
	ReasonNoMigrations = "no migrations found"
	ReasonNoImages     = "no images configured"
	ReasonNoDirectory  = "no directory to scan"
	ReasonNoTests      = "no test reports configured"
	ReasonNoSLO        = "no SLO objectives configured"
	ReasonNoApprovals  = "no change record or pull request configured"
	ReasonUnknown      = "no reason given"
)

// ScannerRun records how one scanner ran: a failed scanner is a fact that
// policy judges, never a silent pass.
type ScannerRun struct {
	Name    string `json:"name"`
	Version string `json:"version,omitempty"`
	// Database names the vulnerability data the scanner matched against
	// (an API or an offline database and where it lives); DBUpdatedAt is
	// how old that data is, so policy can refuse a stale one.
	Database    string     `json:"database,omitempty"`
	DBUpdatedAt *time.Time `json:"db_updated_at,omitempty"`
	Status      string     `json:"status" jsonschema:"enum=ok,enum=error,enum=skipped"`
	// Reason says why a skipped scanner did not look (Reason… constants).
	Reason     string           `json:"reason,omitempty"`
	Error      string           `json:"error,omitempty"`
	DurationMS int64            `json:"duration_ms"`
	Stats      map[string]int64 `json:"stats,omitempty"`
	// Errors are files the scanner could not read while it scanned the
	// rest: facts for policy, never silently skipped.
	Errors []FileError `json:"errors,omitempty"`
}

// FileError is one file a scanner could not read or parse.
type FileError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}
