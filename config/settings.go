package config

import (
	"cmp"
	"fmt"
	"regexp"
	"strings"
	"time"
	_ "time/tzdata" // freeze calendars name IANA zones: judge them the same in a minimal image
)

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
			if from, to := cmp.Or(w.From, "00:00"), cmp.Or(w.To, "24:00"); from == to || from == "24:00" && to == "00:00" {
				return fmt.Errorf("%s: from %s to %s is an empty window: it would never freeze (leave from and to out for whole days)", at, from, to)
			}
		default:
			return fmt.Errorf("%s: set start and end, or days", at)
		}
	}
	return nil
}
