package relgate.rules.slo_test

import data.relgate.rules.slo

rules(set) := {v.rule | some v in set}

healthy := {
	"name": "checkout-availability", "service": "checkout", "kind": "ratio",
	"objective": 0.999, "window": "7d", "sli": 0.9998, "error_budget_remaining": 0.8,
	"burn_rate": 0.2, "burn_rate_long": 0.2, "short_window": "5m", "long_window": "1h",
	"source": "prometheus", "location": {"path": "slo/checkout.yaml", "start_line": 39, "end_line": 39},
}

exhausted := object.union(healthy, {"name": "search-availability", "service": "search", "sli": 0.998, "error_budget_remaining": -1, "burn_rate": 2, "burn_rate_long": 2})

burning := object.union(healthy, {"name": "payments-availability", "service": "payments", "error_budget_remaining": 0.23, "burn_rate": 35, "burn_rate_long": 17.6})

feature := [{"sha": "a", "subject": "feat: discounts", "type": "feat", "breaking": false}]

fixes := [
	{"sha": "b", "subject": "fix: rounding", "type": "fix", "breaking": false},
	{"sha": "c", "subject": "Merge pull request #7 from acme/fix", "type": "", "breaking": false},
	{"sha": "d", "subject": "docs: changelog", "type": "docs", "breaking": false},
]

rel(env, commits, slos) := {"release": {"environment": env, "branch": "main", "commits": commits}, "slo": slos}

test_healthy_objective_passes if {
	count(slo.deny) == 0 with input as rel("production", feature, [healthy])
	count(slo.warn) == 0 with input as rel("production", feature, [healthy])
}

test_no_objectives_pass_before_deploy if {
	count(slo.deny) == 0 with input as rel("production", feature, [])
}

test_exhausted_budget_denies_features if {
	[d] := [d | some d in slo.deny] with input as rel("production", feature, [exhausted])
	d.rule == "SLO001"
	d.id == "search/search-availability"
	contains(d.msg, "exhausted: -100% left over 7d (SLI 99.8% against 99.9%); only fixes may release")
	"SLO001" in rules(slo.deny) with input as rel("dev", feature, [exhausted])
}

test_exhausted_budget_lets_fixes_through if {
	count(slo.deny) == 0 with input as rel("production", fixes, [exhausted])
	[w] := [w | some w in slo.warn] with input as rel("production", fixes, [exhausted])
	w.rule == "SLO001"
	contains(w.msg, "this fix release may go")
	hotfix := json.patch(rel("production", feature, [exhausted]), [{"op": "replace", "path": "/release/branch", "value": "hotfix/search"}])
	count(slo.deny) == 0 with input as hotfix
}

test_unknown_commits_are_not_fixes if {
	unconventional := [{"sha": "e", "subject": "update stuff", "type": "", "breaking": false}]
	"SLO001" in rules(slo.deny) with input as rel("production", unconventional, [exhausted])
	"SLO001" in rules(slo.deny) with input as rel("production", [], [exhausted])
}

test_min_budget_configurable if {
	low := object.union(healthy, {"error_budget_remaining": 0.1})
	count(slo.deny) == 0 with input as rel("production", feature, [low])
	cfg := {"defaults": {"slo": {"min_budget": 0.25}}}
	"SLO001" in rules(slo.deny) with input as rel("production", feature, [low]) with data.relgate.config as cfg
}

test_fast_burn_denies_in_production_and_warns_elsewhere if {
	[d] := [d | some d in slo.deny] with input as rel("production", feature, [burning])
	d.rule == "SLO002"
	contains(d.msg, "35× as fast as it can afford over 5m and 17.6× over 1h (a fast burn is 14.4× over both)")
	count(slo.deny) == 0 with input as rel("staging", feature, [burning])
	"SLO002" in rules(slo.warn) with input as rel("staging", feature, [burning])
	"SLO002" in rules(slo.warn) with input as rel("production", fixes, [burning])
	not "SLO002" in rules(slo.deny) with input as rel("production", fixes, [burning])
}

test_fast_burn_needs_both_windows if {
	spike := object.union(burning, {"burn_rate_long": 3})
	count(slo.deny) == 0 with input as rel("production", feature, [spike])
}

test_fast_burn_setting_and_definition_threshold if {
	cfg := {"environments": {"production": {"slo": {"fast_burn": "warn"}}}}
	"SLO002" in rules(slo.warn) with input as rel("production", feature, [burning]) with data.relgate.config as cfg
	off := {"defaults": {"slo": {"fast_burn": "ignore"}}, "environments": {"production": {"slo": {"fast_burn": "ignore"}}}}
	count(slo.deny) + count(slo.warn) == 0 with input as rel("production", feature, [burning]) with data.relgate.config as off
	own := object.union(burning, {"alert_burn_rate": 20})
	count(slo.deny) == 0 with input as rel("production", feature, [own])
}

unmeasured := {
	"name": "checkout-availability", "service": "checkout", "kind": "ratio", "objective": 0.999, "window": "7d",
	"source": "prometheus", "location": {"path": ""},
	"error": "measure checkout-availability over 7d: query prometheus at http://127.0.0.1:9: connection refused",
}

test_unmeasured_fails_closed_in_production if {
	[d] := [d | some d in slo.deny] with input as rel("production", feature, [unmeasured])
	d.rule == "SLO003"
	contains(d.msg, "could not be measured: measure checkout-availability over 7d: query prometheus")
	count(slo.deny) == 0 with input as rel("dev", feature, [unmeasured])
	"SLO003" in rules(slo.warn) with input as rel("dev", feature, [unmeasured])
}

verify(slos) := json.patch(rel("production", feature, slos), [{"op": "add", "path": "/release/stage", "value": "verify"}])

canary_errors := object.union(healthy, {"name": "cart-availability", "service": "cart", "verify": {"window": "10m", "error_rate": 0.04}})

canary_slow := {
	"name": "cart-latency", "service": "cart", "kind": "threshold", "objective": 0.99, "op": "lte", "threshold": 0.3,
	"window": "1d", "sli": 1, "error_budget_remaining": 1, "burn_rate": 0, "burn_rate_long": 0,
	"source": "prometheus", "location": {"path": "slo/cart.yaml", "start_line": 30},
	"verify": {"window": "10m", "value": 0.9},
}

test_verify_breach_advises_rollback if {
	ds := slo.deny with input as verify([canary_errors, canary_slow])
	count(ds) == 2
	some d in ds
	d.rule == "SLO004"
	d.severity == "critical"
	contains(d.msg, "cart/cart-availability breached after the deploy: its error rate is 4% over the last 10m, above the 0.2% that triggers a rollback — roll back to the previous version")
	some e in ds
	contains(e.msg, "cart/cart-latency breached after the deploy: its value is 0.9 over the last 10m, which fails the objective's lte 0.3")
}

test_verify_rollback_advice_from_config if {
	cfg := {"slo": {"rollback": "kubectl argo rollouts undo cart"}}
	[d] := [d | some d in slo.deny] with input as verify([canary_errors]) with data.relgate.config as cfg
	endswith(d.msg, "— roll back: kubectl argo rollouts undo cart")
	prev := json.patch(verify([canary_errors]), [{"op": "add", "path": "/release/previous_version", "value": "1.3.0"}])
	[e] := [e | some e in slo.deny] with input as prev
	endswith(e.msg, "— roll back to 1.3.0")
}

test_verify_healthy_canary_passes if {
	ok := object.union(canary_errors, {"verify": {"window": "10m", "error_rate": 0.0005}})
	fast := object.union(canary_slow, {"verify": {"window": "10m", "value": 0.094}})
	count(slo.deny) == 0 with input as verify([ok, fast])
	count(slo.warn) == 0 with input as verify([ok, fast])
}

test_verify_definition_thresholds if {
	strict := object.union(canary_errors, {"verify": {"window": "10m", "error_rate": 0.004, "max_error_rate": 0.001}})
	"SLO004" in rules(slo.deny) with input as verify([strict])
	lenient := object.union(canary_slow, {"verify": {"window": "10m", "value": 0.9, "max_value": 1}})
	count(slo.deny) == 0 with input as verify([lenient])
	cfg := {"defaults": {"slo": {"verify_burn_rate": 50}}}
	count(slo.deny) == 0 with input as verify([canary_errors]) with data.relgate.config as cfg
}

test_verify_ignores_budget_rules_and_fails_closed if {
	count(slo.deny) == 0 with input as verify([exhausted, burning])
	dev := json.patch(verify([unmeasured]), [{"op": "replace", "path": "/release/environment", "value": "dev"}])
	"SLO003" in rules(slo.deny) with input as dev
	rules(slo.deny) == {"SLO005"} with input as verify([])
}

# ---- Boundaries ----

test_one_fix_commit_is_a_fix_release if {
	one := [{"sha": "b", "subject": "fix: rounding", "type": "fix", "breaking": false}]
	not "SLO001" in rules(slo.deny) with input as rel("production", one, [exhausted])
	"SLO001" in rules(slo.warn) with input as rel("production", one, [exhausted])
}

# A budget at exactly min_budget (0 by default: all spent) is exhausted.
test_budget_at_min_budget_is_exhausted if {
	spent := object.union(healthy, {"error_budget_remaining": 0})
	"SLO001" in rules(slo.deny) with input as rel("production", feature, [spent])
	"SLO001" in rules(slo.warn) with input as rel("production", fixes, [spent])
	left := object.union(healthy, {"error_budget_remaining": 0.25})
	cfg := {"defaults": {"slo": {"min_budget": 0.25}}}
	"SLO001" in rules(slo.deny) with input as rel("production", feature, [left]) with data.relgate.config as cfg
}

# A burn rate of exactly the threshold (14.4 by default) is a fast burn,
# on either window.
test_fast_burn_at_the_threshold if {
	short := object.union(burning, {"burn_rate": 14.4, "burn_rate_long": 20})
	"SLO002" in rules(slo.deny) with input as rel("production", feature, [short])
	long := object.union(burning, {"burn_rate": 20, "burn_rate_long": 14.4})
	"SLO002" in rules(slo.deny) with input as rel("production", feature, [long])
	under := object.union(burning, {"burn_rate": 14.3, "burn_rate_long": 20})
	not "SLO002" in rules(slo.deny) with input as rel("production", feature, [under])
}

# Rollback triggers fire above a maximum, not at it.
test_verify_at_the_maximum_is_no_breach if {
	at_rate := object.union(canary_errors, {"verify": {"window": "10m", "error_rate": 0.001, "max_error_rate": 0.001}})
	not "SLO004" in rules(slo.deny) with input as verify([at_rate])
	at_value := object.union(canary_slow, {"verify": {"window": "10m", "value": 1, "max_value": 1}})
	not "SLO004" in rules(slo.deny) with input as verify([at_value])
}

# A value equal to the objective's threshold holds lte and gte, fails lt and gt.
at_threshold(op) := object.union(canary_slow, {"op": op, "verify": {"window": "10m", "value": 0.3}})

test_verify_value_at_the_threshold if {
	"SLO004" in rules(slo.deny) with input as verify([at_threshold("lt")])
	not "SLO004" in rules(slo.deny) with input as verify([at_threshold("lte")])
	"SLO004" in rules(slo.deny) with input as verify([at_threshold("gt")])
	not "SLO004" in rules(slo.deny) with input as verify([at_threshold("gte")])
}
