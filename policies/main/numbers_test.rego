# Pins every number and boundary the README and policies/lib/defaults.rego
# document about the decision: the objective values (pass 1, warning 0.5,
# fail 0), the default weights, the score's pass and warn thresholds at
# exactly the boundary, the default weight of a user area, and the empty
# locations of findings the decision makes itself. A change to any of them
# fails here (make mutate checks that it does).
package relgate.main.numbers_test

import data.relgate.main

dev := {"release": {"environment": "dev", "time": "2026-06-01T00:00:00Z"}, "waivers": [], "scanners": []}

prod := {"release": {"environment": "production", "time": "2026-06-01T00:00:00Z"}, "waivers": [], "scanners": []}

builtin_areas := ["secrets", "vulnerabilities", "containers", "iac", "migrations", "slo", "approvals", "tests", "release", "scanners", "waivers"]

no_location := {"path": "", "start_line": 0, "end_line": 0}

# warned(a) is a rule package whose only result is a medium warning.
warned(a) := {"warn": {{"rule": "T-WARN", "msg": "w", "severity": "medium", "fingerprint": a}}}

test_default_score_settings if {
	s := main.settings.score with input as dev
	s.pass == 90
	s.warn == 50
	s.weights == {
		"secrets": 3, "vulnerabilities": 2, "containers": 1, "iac": 1, "migrations": 2, "slo": 2,
		"approvals": 2, "tests": 2, "release": 1, "scanners": 1, "waivers": 1,
	}
}

test_objective_values if {
	main.objective_value == {"pass": 1, "warning": 0.5, "fail": 0}
}

# Every area passes: 100.
test_all_pass_scores_100 if {
	d := main.decision with input as dev with data.relgate.rules as {}
	d.score == 100
	d.result == "pass"
	count(d.objectives) == 11
}

# Every built-in area warns: each earns half its weight, 50 exactly, which
# is the default warn threshold: not below it, so the gate warns.
test_all_warned_scores_50_which_is_not_below_warn if {
	rules := {a: warned(a) | some a in builtin_areas}
	d := main.decision with input as dev with data.relgate.rules as rules
	d.score == 50
	d.result == "warn"
	count(d.violations) == 0

	# a threshold a hair above: the same score fails, as REL000
	f := main.decision with input as dev with data.relgate.rules as rules
		with data.relgate.config as {"defaults": {"score": {"warn": 50.1}}}
	f.result == "fail"
	[v] := [v | some v in f.violations]
	v.rule == "REL000"
	v.location == no_location
	v.message == "score 50 is below the 50.1 needed in dev"
}

# secrets (weight 3 of 18) fails, every other area passes: 15/18 = 83.3.
test_one_failed_area_earns_nothing if {
	crit := {"secrets": {"deny": {{"rule": "T-CRIT", "msg": "c", "severity": "critical", "fingerprint": "c"}}}}
	d := main.decision with input as dev with data.relgate.rules as crit
	d.result == "fail"
	d.score * 10 == 833
	[o] := [o | some o in d.objectives; o.name == "secrets"]
	o == {"name": "secrets", "result": "fail", "weight": 3, "key": false}
}

# secrets warns: 15 + 1.5 of 18 = 91.7.
test_one_warned_area_earns_half if {
	d := main.decision with input as dev with data.relgate.rules as {"secrets": warned("s")}
	d.score * 10 == 917
}

# A user area has weight 1 unless configured: a warning there earns 18.5 of 19.
test_user_area_weighs_1 if {
	d := main.decision with input as dev with data.relgate.rules as {"custom": warned("c")}
	[o] := [o | some o in d.objectives; o.name == "custom"]
	o.weight == 1
	d.score * 10 == 974
}

# The pass threshold is a boundary too: a score equal to it passes.
test_score_equal_to_pass_threshold_passes if {
	at := main.decision with input as dev with data.relgate.rules as {}
		with data.relgate.config as {"defaults": {"score": {"pass": 100}}}
	at.result == "pass"
	above := main.decision with input as dev with data.relgate.rules as {}
		with data.relgate.config as {"defaults": {"score": {"pass": 100.1}}}
	above.result == "warn"
}

# With no weight at all the score is 100, and a total weight of 1 is
# already a weighted score.
test_score_without_weight if {
	zero := {a: 0 | some a in builtin_areas}
	z := main.decision with input as dev with data.relgate.rules as {}
		with data.relgate.config as {"defaults": {"score": {"weights": zero}}}
	z.score == 100
	z.result == "pass"

	one := object.union(zero, {"secrets": 1})
	w := main.decision with input as dev with data.relgate.rules as {"secrets": warned("s")}
		with data.relgate.config as {"defaults": {"score": {"weights": one}}}
	w.score == 50
}

# One entry in the baseline is enough to make its deny known.
test_single_baseline_entry_is_used if {
	deny := {"rule": "T001", "msg": "bad", "severity": "high", "fingerprint": "fp-old"}
	d := main.decision with input as prod with data.relgate.rules as {"t": {"deny": {deny}}}
		with data.relgate.baseline as [{"rule": "T001", "fingerprint": "fp-old"}]
	d.result == "warn"
	[w] := [w | some w in d.warnings]
	w.known
}

# A result without a location (a conftest-style string, or an object with
# only a start line) gets line 0, or its start line as its end line.
test_normalised_locations if {
	d := main.decision with input as prod with data.relgate.rules as {"t": {"deny": {"plain"}, "warn": {{"msg": "w", "location": {"path": "a", "start_line": 4}}}}}
	[v] := [v | some v in d.violations]
	v.location == no_location
	[w] := [w | some w in d.warnings]
	w.location == {"path": "a", "start_line": 4, "end_line": 4}
}

# An unused waiver without a location in its file, and a key objective's
# finding, point at no line.
test_decision_findings_have_empty_locations if {
	waiver := {"rule": "T001", "scope": {"path": "b.txt"}, "reason": "r", "expires": "2026-07-01"}
	u := main.decision with input as object.union(prod, {"waivers": [waiver]}) with data.relgate.rules as {}
	[w] := [w | some w in u.warnings; w.rule == "WVR003"]
	w.location == no_location

	high := {"secrets": {"deny": {{"rule": "T-HIGH", "msg": "h", "severity": "high", "fingerprint": "h"}}}}
	k := main.decision with input as dev with data.relgate.rules as high
		with data.relgate.config as {"defaults": {"score": {"key": ["secrets"]}}}
	[f] := [f | some f in k.violations; f.rule == "KEY001"]
	f.location == no_location
}
