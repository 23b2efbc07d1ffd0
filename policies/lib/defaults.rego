# METADATA
# title: relgate built-in settings
# description: |
#   The defaults behind data.relgate.config. Every threshold a rule applies
#   is here, per environment, so it can be read and overridden in
#   .relgate.yaml (defaults: for all environments, environments.<name>: for one).
package relgate.defaults

base := {
	# The lowest severity of a deny that fails the gate. Denies below it
	# are reported as warnings.
	"fail_on": "critical",
	# How many failing denies of a severity are tolerated before the gate fails.
	"budgets": {},
	# What a scanner that could not do its job does: deny, warn or ignore.
	"scanner_errors": "warn",
	"release": {
		"branches": [],
		"tags": [],
		"require_semver": false,
	},
	# A secret found only in older commits: deny, warn or ignore.
	"secrets": {"in_history": "warn"},
	# The evidence a release must bring (SCN002): absence of evidence is
	# not a pass.
	"evidence": {
		# What missing required evidence does: deny, warn or ignore.
		"missing": "warn",
		# Scanners that must have run with status ok, or have been skipped
		# for a reason in not_applicable. Approvals are required unless the
		# config sets approvals.required to 0 (SCN003 then says so).
		"scanners": ["release", "secrets", "migrations", "deps", "containers", "iac", "tests", "approvals", "slo"],
		# Skip reasons that mean the scanner's area does not apply to the
		# repository. Any other reason (not selected, not a git
		# repository, no change record) leaves evidence missing.
		"not_applicable": [
			"no lockfiles found",
			"no migrations found",
			"no images configured",
			"no directory to scan",
			"no test reports configured",
			"no SLO objectives configured",
			"staged change only",
		],
		# Run statistics that must not be zero for a scanner's ok to count:
		# a secrets scan with no rules looked at nothing.
		"nonzero_stats": {"secrets": ["rules"]},
	},
	# Waiver governance (the WVR rules).
	"waivers": {
		# A waiver that expires within this many days warns (WVR002).
		"expiry_warning_days": 14,
		# Waivers of rules of these severities need an approver (WVR004).
		"approver_required": ["critical", "high"],
		# How many days past the release time a waiver of a rule of each
		# severity may run; a longer one is rejected (WVR005).
		"max_days": {"critical": 30, "high": 90, "medium": 180, "low": 365, "info": 365},
		# A waiver that matches no finding warns (WVR003).
		"warn_unused": true,
	},
	# Keptn-style score: every area is an objective (pass 1, warning 0.5,
	# fail 0), weighted; below warn the gate fails, below pass it warns.
	"score": {
		"pass": 90,
		"warn": 50,
		"weights": {
			"secrets": 3,
			"vulnerabilities": 2,
			"containers": 1,
			"iac": 1,
			"migrations": 2,
			"slo": 2,
			"approvals": 2,
			"tests": 2,
			"release": 1,
			"scanners": 1,
			"waivers": 1,
		},
	},
}

environments := {
	"production": {
		"fail_on": "high",
		"scanner_errors": "deny",
		"evidence": {"missing": "deny"},
		"secrets": {"in_history": "deny"},
		"release": {
			"branches": ["main", "master", "release/**", "hotfix/**"],
			"tags": ["v*"],
			"require_semver": true,
		},
	},
	"staging": {"fail_on": "high"},
	# Built in so that they need no declaration; any other environment
	# must be declared under environments: in .relgate.yaml.
	"development": {},
	"dev": {},
}
