# METADATA
# title: Service-level objectives
# description: |
#   The error budget policy of the SRE book: while an objective's error
#   budget is spent, only fixes release; while it burns fast over both
#   alerting windows, releases wait (production) or warn. An objective
#   that could not be measured fails closed in production. After a deploy
#   (relgate check --stage verify) the new version's error rate and
#   latency are the rollback triggers.
#   Settings (settings.slo): min_budget, fast_burn_rate, fast_burn,
#   errors, fix_types, fix_branches, verify_burn_rate.
package relgate.rules.slo

import data.relgate.lib

default_rules := {
	# Budget left (a fraction) at or below which only fixes release.
	"min_budget": 0,
	# Burn rate over both alerting windows that is a fast burn: 14.4
	# spends 2% of a 30-day budget in an hour (the SRE workbook's page).
	"fast_burn_rate": 14.4,
	# A fast burn: deny, warn or ignore.
	"fast_burn": "warn",
	# An objective that could not be measured: deny, warn or ignore.
	"errors": "warn",
	# Conventional commit types of a fix-only release; fix branches
	# always release as fixes.
	"fix_types": ["fix", "revert", "docs", "test", "ci"],
	"fix_branches": ["hotfix/**"],
	# After a deploy, an error rate above this many times the budgeted
	# rate (1 - objective) triggers a rollback.
	"verify_burn_rate": 2,
}

production_rules := {"fast_burn": "deny", "errors": "deny"}

env_rules := production_rules if lib.is_production

env_rules := {} if not lib.is_production

rules := object.union_n([default_rules, env_rules, object.get(lib.settings, "slo", {})])

verifying if object.get(input.release, "stage", "") == "verify"

fix_types := {t | some t in rules.fix_types}

# A merge commit says nothing about what it merges.
merge(c) if startswith(object.get(c, "subject", ""), "Merge ")

feature_commits := [c |
	some c in object.get(input.release, "commits", [])
	not merge(c)
	not object.get(c, "type", "") in fix_types
]

fix_release if lib.glob_any(rules.fix_branches, object.get(input.release, "branch", ""))

fix_release if {
	count(object.get(input.release, "commits", [])) > 0
	count(feature_commits) == 0
}

measured contains s if {
	some s in input.slo
	object.get(s, "error", "") == ""
}

id(s) := concat("/", [object.get(s, "service", ""), s.name])

# pct writes a fraction as a percentage with at most two decimals.
pct(x) := sprintf("%v%%", [round(x * 10000) / 100])

# METADATA
# title: Error budget exhausted
# description: |
#   The objective's error budget over its window is spent (or below
#   settings.slo.min_budget): users already had all the unreliability the
#   objective allows. Until it recovers, only fixes release — commits of
#   the fix types, or a fix branch.
# custom:
#   id: SLO001
#   severity: high
#   remediation: |
#     Ship only fixes (conventional commit types fix or revert, or a
#     hotfix branch) until the budget recovers, and spend the time on
#     reliability. Agree any exception with the service's owners and waive
#     the finding with a reason and an expiry.
# related_resources:
#   - ref: https://sre.google/workbook/error-budget-policy/
deny contains v if {
	not verifying
	not fix_release
	md := rego.metadata.rule()
	some s in measured
	s.error_budget_remaining <= rules.min_budget
	v := budget_finding(md, s, "only fixes may release")
}

# METADATA
# title: Error budget exhausted
# description: |
#   The objective's error budget is spent, and this release is a fix, which
#   the error budget policy lets through.
# custom:
#   id: SLO001
#   severity: medium
#   remediation: |
#     Keep to fixes until the budget recovers.
# related_resources:
#   - ref: https://sre.google/workbook/error-budget-policy/
warn contains v if {
	not verifying
	fix_release
	md := rego.metadata.rule()
	some s in measured
	s.error_budget_remaining <= rules.min_budget
	v := budget_finding(md, s, "this fix release may go")
}

budget_finding(md, s, verdict) := lib.finding(md, {
	"msg": sprintf("the error budget of %s is exhausted: %s left over %s (SLI %s against %s); %s", [
		id(s), pct(s.error_budget_remaining), s.window, pct(s.sli), pct(s.objective), verdict,
	]),
	"location": s.location,
	"fingerprint": crypto.sha256(sprintf("SLO001|%s|%s", [lib.environment, id(s)])),
	"id": id(s),
})

fast_threshold(s) := object.get(s, "alert_burn_rate", rules.fast_burn_rate)

fast_burning contains s if {
	some s in measured
	s.burn_rate >= fast_threshold(s)
	s.burn_rate_long >= fast_threshold(s)
}

fast_msg(s) := sprintf("%s burns its error budget %v× as fast as it can afford over %s and %v× over %s (a fast burn is %v× over both)", [
	id(s), s.burn_rate, s.short_window, s.burn_rate_long, s.long_window, fast_threshold(s),
])

# METADATA
# title: Error budget burning fast
# description: |
#   Over both the short and the long alerting window the objective burns
#   its budget at least settings.slo.fast_burn_rate times as fast as the
#   window allows (or the burn rate of its own alert condition): an
#   incident is under way, and a release adds risk to it.
# custom:
#   id: SLO002
#   severity: high
#   remediation: |
#     Wait for the incident to be mitigated and the burn rate to fall, or
#     release the fix for it. settings.slo.fast_burn chooses deny or warn.
# related_resources:
#   - ref: https://sre.google/workbook/alerting-on-slos/#6-multiwindow-multi-burn-rate-alerts
deny contains v if {
	not verifying
	rules.fast_burn == "deny"
	not fix_release
	md := rego.metadata.rule()
	some s in fast_burning
	v := lib.finding(md, {
		"msg": fast_msg(s),
		"location": s.location,
		"fingerprint": crypto.sha256(sprintf("SLO002|%s|%s", [lib.environment, id(s)])),
		"id": id(s),
	})
}

# METADATA
# title: Error budget burning fast
# description: |
#   The objective burns its budget fast over both alerting windows; in
#   this environment (or for this fix release) it is a warning.
# custom:
#   id: SLO002
#   severity: medium
#   remediation: |
#     Check the incident before releasing, and release fixes first.
# related_resources:
#   - ref: https://sre.google/workbook/alerting-on-slos/#6-multiwindow-multi-burn-rate-alerts
warn contains v if {
	not verifying
	fast_burn_warns
	md := rego.metadata.rule()
	some s in fast_burning
	v := lib.finding(md, {
		"msg": fast_msg(s),
		"location": s.location,
		"fingerprint": crypto.sha256(sprintf("SLO002|%s|%s", [lib.environment, id(s)])),
		"id": id(s),
	})
}

fast_burn_warns if rules.fast_burn == "warn"

fast_burn_warns if {
	rules.fast_burn == "deny"
	fix_release
}

# After a deploy nothing may go unverified: a measurement that failed denies.
errors_action := "deny" if {
	verifying
	rules.errors != "ignore"
} else := rules.errors

unmeasured contains s if {
	some s in input.slo
	object.get(s, "error", "") != ""
}

unmeasured_finding(md, s) := lib.finding(md, {
	"msg": sprintf("objective %s could not be measured: %s", [id(s), s.error]),
	"location": s.location,
	"fingerprint": crypto.sha256(sprintf("SLO003|%s|%s", [lib.environment, id(s)])),
	"id": id(s),
})

# METADATA
# title: Objective could not be measured
# description: |
#   The metrics source was down, a query failed or returned no data, so
#   the gate cannot tell whether the objective holds. Production fails
#   closed (settings.slo.errors), and so does a verification after a
#   deploy.
# custom:
#   id: SLO003
#   severity: high
#   remediation: |
#     Read the error: make Prometheus reachable from the runner, fix the
#     query, or check the metric exists for the service (and version). Use
#     slo.static with a status file where the runner cannot reach it.
deny contains v if {
	errors_action == "deny"
	md := rego.metadata.rule()
	some s in unmeasured
	v := unmeasured_finding(md, s)
}

# METADATA
# title: Objective could not be measured
# description: |
#   The objective could not be measured; outside production it is a
#   warning.
# custom:
#   id: SLO003
#   severity: medium
#   remediation: |
#     Read the error and fix the source or the query.
warn contains v if {
	errors_action == "warn"
	md := rego.metadata.rule()
	some s in unmeasured
	v := unmeasured_finding(md, s)
}

# Rollback triggers: an error rate above the definition's own maximum, else
# verify_burn_rate times the budgeted rate; a metric past the definition's
# maximum, else failing the objective's own threshold.
max_error_rate(s) := s.verify.max_error_rate

max_error_rate(s) := (1 - s.objective) * rules.verify_burn_rate if not s.verify.max_error_rate

breaches contains [s, sprintf("its error rate is %s over the last %s, above the %s that triggers a rollback", [
	pct(s.verify.error_rate), s.verify.window, pct(max_error_rate(s)),
])] if {
	some s in measured
	s.verify.error_rate > max_error_rate(s)
}

breaches contains [s, sprintf("its value is %v over the last %s, past the rollback maximum %v", [
	s.verify.value, s.verify.window, s.verify.max_value,
])] if {
	some s in measured
	s.verify.value > s.verify.max_value
}

breaches contains [s, sprintf("its value is %v over the last %s, which fails the objective's %s %v", [
	s.verify.value, s.verify.window, s.op, s.threshold,
])] if {
	some s in measured
	not s.verify.max_value
	not holds(s.verify.value, s.op, s.threshold)
}

holds(v, "lt", t) if v < t

holds(v, "lte", t) if v <= t

holds(v, "gt", t) if v > t

holds(v, "gte", t) if v >= t

rollback_advice := concat("", ["roll back: ", lib.config.slo.rollback]) if {
	lib.config.slo.rollback != ""
} else := concat("", ["roll back to ", input.release.previous_version]) if {
	object.get(input.release, "previous_version", "") != ""
} else := "roll back to the previous version"

# METADATA
# title: Objective breached after the deploy
# description: |
#   Verifying a deploy (--stage verify), the new version's error rate or
#   latency over the last minutes crossed a rollback trigger: the
#   definition's own maximum, else for an error rate verify_burn_rate
#   times what the objective budgets, and for a latency the objective's
#   own threshold.
# custom:
#   id: SLO004
#   severity: critical
#   remediation: |
#     Roll back now (slo.rollback in .relgate.yaml says how), then find
#     the cause on the old version's traffic before deploying again.
# related_resources:
#   - ref: https://sre.google/workbook/canarying-releases/
deny contains v if {
	verifying
	md := rego.metadata.rule()
	some [s, why] in breaches
	v := lib.finding(md, {
		"msg": sprintf("%s breached after the deploy: %s — %s", [id(s), why, rollback_advice]),
		"location": s.location,
		"fingerprint": crypto.sha256(sprintf("SLO004|%s|%s", [lib.environment, id(s)])),
		"id": id(s),
	})
}

# METADATA
# title: Nothing to verify after the deploy
# description: |
#   Verifying a deploy (--stage verify), no objective was measured: the
#   verification would pass without looking at anything.
# custom:
#   id: SLO005
#   severity: high
#   remediation: |
#     Define the objectives (slo.objectives or OpenSLO files in slo.files)
#     and their source (slo.prometheus or slo.static) in .relgate.yaml.
deny contains v if {
	verifying
	count(input.slo) == 0
	v := lib.finding(rego.metadata.rule(), {
		"msg": "the deploy is verified against no objective: none is defined or measured",
		"fingerprint": crypto.sha256(sprintf("SLO005|%s", [lib.environment])),
	})
}
