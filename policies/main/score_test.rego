package relgate.main.score_test

import data.relgate.main

base := {"release": {"environment": "dev", "time": "2026-06-01T00:00:00Z"}, "waivers": [], "scanners": []}

# A high deny in dev, where only critical fails: a warning.
high_secret := {"secrets": {"deny": {{"rule": "SEC001", "msg": "a secret", "severity": "high", "fingerprint": "f1"}}}}

test_demoted_deny_warns_without_key if {
	d := main.decision with input as base with data.relgate.rules as high_secret
	d.result == "warn"
	[o] := [o | some o in d.objectives; o.name == "secrets"]
	o == {"name": "secrets", "result": "warning", "weight": 3, "key": false}
}

test_key_objective_fails_the_gate_on_a_demoted_deny if {
	cfg := {"defaults": {"score": {"key": ["secrets"]}}}
	d := main.decision with input as base with data.relgate.rules as high_secret with data.relgate.config as cfg
	d.result == "fail"
	[o] := [o | some o in d.objectives; o.name == "secrets"]
	o.result == "fail"
	o.key == true
	[k] := [v | some v in d.violations; v.rule == "KEY001"]
	contains(k.message, "key objective secrets failed: 1 of its denies")
	count([w | some w in d.warnings; w.rule == "SEC001"]) == 1
}

test_key_objective_with_only_warnings_does_not_fail if {
	cfg := {"defaults": {"score": {"key": ["secrets"]}}}
	warn_only := {"secrets": {"warn": {{"rule": "SEC002", "msg": "old secret", "severity": "medium", "fingerprint": "f2"}}}}
	d := main.decision with input as base with data.relgate.rules as warn_only with data.relgate.config as cfg
	d.result == "warn"
	count(d.violations) == 0
}

test_key_objective_already_failing_adds_no_finding if {
	cfg := {"defaults": {"score": {"key": ["secrets"]}}}
	prod := json.patch(base, [{"op": "replace", "path": "/release/environment", "value": "production"}])
	d := main.decision with input as prod with data.relgate.rules as high_secret with data.relgate.config as cfg
	d.result == "fail"
	{v.rule | some v in d.violations} == {"SEC001"}
}
