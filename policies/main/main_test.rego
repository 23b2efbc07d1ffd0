package relgate.main_test

import data.relgate.main

base_input := {
	"release": {"environment": "production", "time": "2026-06-01T00:00:00Z"},
	"waivers": [],
	"scanners": [],
}

deny_high := {"rule": "T001", "msg": "bad", "severity": "high", "location": {"path": "a.txt", "start_line": 3}}

deny_medium := {"rule": "T002", "msg": "meh", "severity": "medium"}

test_clean_input_passes if {
	d := main.decision with input as base_input with data.relgate.rules as {}
	d.result == "pass"
	d.score == 100
	count(d.violations) == 0
}

test_high_deny_fails_production if {
	d := main.decision with input as base_input with data.relgate.rules as {"t": {"deny": {deny_high}}}
	d.result == "fail"
	[v] := [x | some x in d.violations]
	v.rule == "T001"
	v.location == {"path": "a.txt", "start_line": 3, "end_line": 3}
	v.fingerprint != ""
}

test_deny_below_fail_on_is_a_warning if {
	d := main.decision with input as base_input with data.relgate.rules as {"t": {"deny": {deny_medium}}}
	d.result == "warn"
	count(d.violations) == 0
	[w] := [x | some x in d.warnings]
	w.rule == "T002"
}

test_budget_tolerates_then_fails if {
	cfg := {"environments": {"production": {"budgets": {"high": 1}}}}
	one := main.decision with input as base_input with data.relgate.rules as {"t": {"deny": {deny_high}}}
		with data.relgate.config as cfg
	one.result == "warn"
	two_denies := {deny_high, object.union(deny_high, {"msg": "other"})}
	two := main.decision with input as base_input with data.relgate.rules as {"t": {"deny": two_denies}}
		with data.relgate.config as cfg
	two.result == "fail"
	count(two.violations) == 2
}

test_string_results_are_accepted if {
	d := main.decision with input as base_input with data.relgate.rules as {"t": {"deny": {"plain message"}}}
	[v] := [x | some x in d.violations]
	v.message == "plain message"
	v.severity == "high"
	v.rule == "t"
}

test_unknown_severity_normalised if {
	d := main.decision with input as base_input
		with data.relgate.rules as {"t": {"warn": {{"rule": "T3", "msg": "x", "severity": "MODERATE"}}}}
	[w] := [x | some x in d.warnings]
	w.severity == "medium"
}

# A finding with an empty fingerprint is normalised and given one made of
# its rule, path and message; a normalised finding keeps the rule's own.
test_fingerprints_made_only_where_missing if {
	empty := {"rule": "T001", "msg": "bad", "severity": "high", "fingerprint": ""}
	d := main.decision with input as base_input with data.relgate.rules as {"t": {"deny": {empty}}}
	[v] := [x | some x in d.violations]
	v.rule == "T001"
	v.fingerprint == crypto.sha256("T001||bad")

	shouted := {"rule": "T004", "msg": "loud", "severity": "HIGH", "fingerprint": "fp-own"}
	e := main.decision with input as base_input with data.relgate.rules as {"t": {"deny": {shouted}}}
	[u] := [x | some x in e.violations]
	u.rule == "T004"
	u.severity == "high"
	u.fingerprint == "fp-own"
}

# A result that already says its kind, area and message is taken as it is
# only when all three are what relgate would set: one that claims another
# kind or area, a message other than its msg, or an empty fingerprint is
# corrected like any other.
test_results_claiming_wrong_fields_are_corrected if {
	ok := {"rule": "T001", "msg": "bad", "severity": "high", "fingerprint": "fp", "kind": "deny", "area": "t", "message": "bad"}
	d := main.decision with input as base_input with data.relgate.rules as {"t": {"deny": {ok}}}
	[v] := [x | some x in d.violations]
	v.kind == "deny"
	v.area == "t"

	wrong_kind := object.union(ok, {"kind": "warn"})
	k := main.decision with input as base_input with data.relgate.rules as {"t": {"deny": {wrong_kind}}}
	[vk] := [x | some x in k.violations]
	vk.kind == "deny"

	wrong_area := object.union(ok, {"area": "elsewhere"})
	a := main.decision with input as base_input with data.relgate.rules as {"t": {"deny": {wrong_area}}}
	[va] := [x | some x in a.violations]
	va.area == "t"

	wrong_message := object.union(ok, {"message": "something else"})
	m := main.decision with input as base_input with data.relgate.rules as {"t": {"deny": {wrong_message}}}
	[vm] := [x | some x in m.violations]
	vm.message == "bad"

	no_fingerprint := object.union(ok, {"fingerprint": ""})
	f := main.decision with input as base_input with data.relgate.rules as {"t": {"deny": {no_fingerprint}}}
	[vf] := [x | some x in f.violations]
	vf.fingerprint == crypto.sha256("T001||bad")
}

test_waiver_applies_until_it_expires if {
	waiver := {"rule": "T001", "scope": {"path": "a.*"}, "reason": "r", "approver": "lead", "expires": "2026-07-01"}
	inp := object.union(base_input, {"waivers": [waiver]})
	d := main.decision with input as inp with data.relgate.rules as {"t": {"deny": {deny_high}}}
	d.result == "pass"
	[w] := [x | some x in d.waived]
	w.waiver.approver == "lead"
	expired := object.union(base_input, {"waivers": [object.union(waiver, {"expires": "2026-05-01"})]})
	e := main.decision with input as expired with data.relgate.rules as {"t": {"deny": {deny_high}}}
	e.result == "fail"
	count(e.waived) == 0
}

test_waiver_scope_must_match if {
	waiver := {"rule": "T001", "scope": {"path": "other/**"}, "reason": "r", "expires": "2026-07-01"}
	inp := object.union(base_input, {"waivers": [waiver]})
	d := main.decision with input as inp with data.relgate.rules as {"t": {"deny": {deny_high}}}
	d.result == "fail"
}

test_score_weights_and_threshold if {
	warns := {"a": {"warn": {{"rule": "A1", "msg": "x"}}}, "b": {"warn": {{"rule": "B1", "msg": "y"}}}}
	cfg := {"defaults": {"score": {"weights": {"a": 1, "b": 1}, "pass": 90, "warn": 60}}}

	# Only a and b plus the built-in areas: both warn, so the score drops.
	d := main.decision with input as base_input with data.relgate.rules as warns with data.relgate.config as cfg
	d.result == "warn"
	d.score < 100

	strict := {"defaults": {"score": {"weights": {"a": 1, "b": 1}, "warn": 99.9}}}
	f := main.decision with input as base_input with data.relgate.rules as warns with data.relgate.config as strict
	f.result == "fail"
	[v] := [x | some x in f.violations]
	v.rule == "REL000"
}

test_two_matching_waivers_do_not_conflict if {
	w1 := {"rule": "T001", "scope": {}, "reason": "first", "expires": "2026-07-01"}
	w2 := {"rule": "T001", "scope": {"path": "a.txt"}, "reason": "second", "expires": "2026-07-01"}
	inp := object.union(base_input, {"waivers": [w1, w2]})
	d := main.decision with input as inp with data.relgate.rules as {"t": {"deny": {deny_high}}}
	d.result == "pass"
	[w] := [x | some x in d.waived]
	w.waiver.reason == "first"
}

test_rejected_waiver_waives_nothing if {
	waiver := {"rule": "T001", "scope": {"path": "a.txt"}, "reason": "r", "expires": "2026-07-01"}
	inp := object.union(base_input, {"waivers": [waiver]})
	d := main.decision with input as inp with data.relgate.rules as {"t": {"deny": {deny_high}}, "waivers": {"rejected": {0}}}
	d.result == "fail"
	count(d.waived) == 0

	# A rejected waiver is not also reported unused.
	count([w | some w in d.warnings; w.rule == "WVR003"]) == 0
}

test_unused_waiver_warns if {
	used := {
		"rule": "T001", "scope": {"path": "a.txt"}, "reason": "r", "expires": "2026-07-01",
		"location": {"path": "w.yaml", "start_line": 2},
	}
	unused := object.union(used, {"scope": {"path": "b.txt"}, "location": {"path": "w.yaml", "start_line": 7}})
	inp := object.union(base_input, {"waivers": [used, unused]})
	d := main.decision with input as inp with data.relgate.rules as {"t": {"deny": {deny_high}}}
	d.result == "warn"
	[w] := [w | some w in d.warnings]
	w.rule == "WVR003"
	w.location.start_line == 7
	contains(w.message, "path b.txt")
	count(d.waived) == 1

	off := main.decision with input as inp with data.relgate.rules as {"t": {"deny": {deny_high}}}
		with data.relgate.config as {"defaults": {"waivers": {"warn_unused": false}}}
	off.result == "pass"
}

test_waiver_matches_by_package_id_and_image if {
	vuln := {
		"rule": "V1", "msg": "m", "severity": "critical", "fingerprint": "f1",
		"package": "openssl", "id": "CVE-1", "image": "app:1", "location": {"path": "Dockerfile"},
	}
	ok := {
		"rule": "V1", "scope": {"package": "openssl", "id": "CVE-1", "image": "app:1"},
		"reason": "r", "approver": "a", "expires": "2026-07-01",
	}
	d := main.decision with input as object.union(base_input, {"waivers": [ok]}) with data.relgate.rules as {"v": {"deny": {vuln}}}
	d.result == "pass"
	other := object.union(ok, {"scope": {"package": "openssl", "id": "CVE-2"}})
	e := main.decision with input as object.union(base_input, {"waivers": [other]}) with data.relgate.rules as {"v": {"deny": {vuln}}}
	e.result == "fail"
}

test_baseline_findings_are_known_warnings if {
	known_deny := object.union(deny_high, {"fingerprint": "fp-old"})
	new_deny := object.union(deny_high, {"msg": "new", "fingerprint": "fp-new"})
	rules := {"t": {"deny": {known_deny, new_deny}}}
	baseline := [{"rule": "T001", "fingerprint": "fp-old"}, {"rule": "OTHER", "fingerprint": "fp-new"}]
	d := main.decision with input as base_input with data.relgate.rules as rules with data.relgate.baseline as baseline
	d.result == "fail"
	[v] := [x | some x in d.violations]
	v.fingerprint == "fp-new"
	[w] := [x | some x in d.warnings]
	w.known
	w.message == "bad (known: in the baseline)"

	only_known := main.decision with input as base_input with data.relgate.rules as {"t": {"deny": {known_deny}}}
		with data.relgate.baseline as baseline
	only_known.result == "warn"
}

test_indexed_waivers_keep_file_order if {
	f := object.union(deny_high, {"fingerprint": "fp1", "id": "CVE-9"})
	by_fp := {"rule": "T001", "scope": {"fingerprint": "fp1"}, "reason": "first", "expires": "2026-07-01"}
	by_id := {"rule": "T001", "scope": {"id": "CVE-9"}, "reason": "second", "expires": "2026-07-01"}
	by_path := {"rule": "T001", "scope": {"path": "a.txt"}, "reason": "third", "expires": "2026-07-01"}
	other_id := {"rule": "T001", "scope": {"id": "CVE-1"}, "reason": "other", "expires": "2026-07-01"}
	d := main.decision with input as object.union(base_input, {"waivers": [other_id, by_fp, by_id, by_path]})
		with data.relgate.rules as {"t": {"deny": {f}}}
	[w] := [x | some x in d.waived]
	w.waiver.reason == "first"
	[u] := [x | some x in d.warnings]
	u.rule == "WVR003"
	contains(u.message, "CVE-1")
}

# A waiver of an area whose scanners did not run (the pre-commit path runs
# no deps scanner) is not called unused: its finding was not looked for.
test_unused_waiver_needs_its_scanner_to_have_run if {
	waiver := {"rule": "VULX", "scope": {"id": "CVE-1"}, "reason": "r", "expires": "2026-07-01"}
	cat := {"VULX": {"package": "relgate.rules.vulnerabilities", "severity": "low", "title": "t"}}
	staged := object.union(base_input, {"waivers": [waiver], "scanners": [{"name": "secrets", "status": "ok"}]})
	quiet := main.decision with input as staged with data.relgate.rules as {} with data.relgate.catalog as cat
	count([w | some w in quiet.warnings; w.rule == "WVR003"]) == 0

	full := object.union(staged, {"scanners": [{"name": "deps", "status": "ok"}]})
	loud := main.decision with input as full with data.relgate.rules as {} with data.relgate.catalog as cat
	count([w | some w in loud.warnings; w.rule == "WVR003"]) == 1
}

# --severity: only the listed severities are reported; a finding of another
# severity is neither a violation nor a warning.
test_severity_option_reports_only_listed if {
	i := object.union(base_input, {"options": {"severities": ["critical"]}})
	d := main.decision with input as i with data.relgate.rules as {"t": {"deny": {deny_high}, "warn": {deny_medium}}}
	d.result == "pass"
	count(d.violations) == 0
	count(d.warnings) == 0
}

test_severity_option_keeps_listed if {
	i := object.union(base_input, {"options": {"severities": ["high"]}})
	d := main.decision with input as i with data.relgate.rules as {"t": {"deny": {deny_high}, "warn": {deny_medium}}}
	d.result == "fail"
	[v] := [x.rule | some x in d.violations]
	v == "T001"
	count(d.warnings) == 0
}

# A filter never hides that a scanner failed.
test_severity_option_never_hides_scanner_health if {
	i := object.union(base_input, {"options": {"severities": ["critical"]}})
	scn := {"rule": "SCN001", "msg": "scanner deps failed", "severity": "high", "fingerprint": "x"}
	d := main.decision with input as i with data.relgate.rules as {"scanners": {"deny": {scn}}}
	d.result == "fail"
	[v] := [x.rule | some x in d.violations]
	v == "SCN001"
}
