package relgate.main_test

import data.relgate.main

pr_input := object.union(base_input, {"options": {"base": "origin/main"}})

old_deny := {"rule": "T001", "msg": "old", "severity": "high", "fingerprint": "fp-old", "in_change": false}

new_deny := {"rule": "T001", "msg": "new", "severity": "high", "fingerprint": "fp-new", "in_change": true}

test_pr_mode_pre_existing_deny_warns if {
	d := main.decision with input as pr_input with data.relgate.rules as {"t": {"deny": {old_deny, new_deny}}}
	d.result == "fail"
	[v] := [x | some x in d.violations]
	v.fingerprint == "fp-new"
	[w] := [x | some x in d.warnings]
	w.fingerprint == "fp-old"
	w.kind == "pre-existing"
	w.message == "old (pre-existing: already on the base origin/main)"

	only_old := main.decision with input as pr_input with data.relgate.rules as {"t": {"deny": {old_deny}}}
	only_old.result == "warn"
	count(only_old.violations) == 0
}

test_without_base_every_deny_fails if {
	d := main.decision with input as base_input with data.relgate.rules as {"t": {"deny": {old_deny, new_deny}}}
	d.result == "fail"
	count(d.violations) == 2
	count([w | some w in d.warnings; w.kind == "pre-existing"]) == 0
	empty := main.decision with input as object.union(base_input, {"options": {"base": ""}})
		with data.relgate.rules as {"t": {"deny": {old_deny}}}
	empty.result == "fail"
}

# A finding that does not say whether it is in the change counts as new.
test_pr_mode_unknown_in_change_fails if {
	unsaid := object.remove(old_deny, ["in_change"])
	d := main.decision with input as pr_input with data.relgate.rules as {"t": {"deny": {unsaid}}}
	d.result == "fail"
	[v] := [x | some x in d.violations]
	v.fingerprint == "fp-old"
}

test_pr_mode_never_downgrades_scanners_approvals_release if {
	every area in ["scanners", "approvals", "release"] {
		d := main.decision with input as pr_input with data.relgate.rules as {area: {"deny": {old_deny}}}
		d.result == "fail"
		count(d.violations) == 1
	}
}

# A pre-existing warning is not a deny: a warn stays a warn.
test_pr_mode_leaves_warnings_alone if {
	d := main.decision with input as pr_input with data.relgate.rules as {"t": {"warn": {old_deny}}}
	[w] := [x | some x in d.warnings]
	w.kind == "warn"
	w.message == "old"
}

# The built-in rules say in_change: an old secret (history) warns as
# pre-existing, a secret of the change fails, in every area the same way.
secret(where, path) := {
	"rule_id": "github-pat",
	"location": {"path": path, "start_line": 1, "end_line": 1},
	"fingerprint": concat(":", [path, where]),
	"secret_hash": concat("", ["sha256:", crypto.sha256(path)]),
	"redacted": "ghp_****",
	"entropy": 4,
	"where": where,
}

vuln(in_change, source) := {
	"id": "GHSA-0000-0000-0000",
	"package": {"name": "lodash", "version": "4.17.20", "ecosystem": "npm"},
	"severity": "high",
	"fixed_versions": ["4.17.21"],
	"source": source,
	"location": {"path": "package-lock.json", "start_line": 9},
	"in_change": in_change,
}

misconfig(in_change) := {
	"id": "DS002",
	"title": "root user",
	"severity": "high",
	"type": "dockerfile",
	"location": {"path": "Dockerfile", "start_line": 1, "end_line": 1},
	"in_change": in_change,
}

built_in_rules := {"secrets", "vulnerabilities", "iac"}

test_pr_mode_built_in_rules if {
	facts := {
		"secrets": [secret("history", "old.env")],
		"vulnerabilities": [vuln(false, "osv")],
		"misconfigurations": [misconfig(false)],
	}
	old := main.decision with input as object.union(pr_input, facts)
	{f.rule | some f in old.violations; f.area in built_in_rules} == set()
	{f.rule | some f in old.warnings; f.kind == "pre-existing"} == {"SEC002", "VUL001", "IAC001"}

	fresh := {
		"secrets": [secret("change", "new.env")],
		"vulnerabilities": [vuln(true, "osv"), vuln(false, "trivy")],
		"misconfigurations": [misconfig(true), object.remove(object.union(misconfig(false), {"location": {"path": "b/Dockerfile"}}), ["in_change"])],
	}
	new := main.decision with input as object.union(pr_input, fresh)
	{f.rule | some f in new.violations; f.area in built_in_rules} == {"SEC001", "VUL001", "IAC001"}
	count([f | some f in new.violations; f.area in built_in_rules]) == 5
	count([f | some f in new.warnings; f.kind == "pre-existing"]) == 0

	no_base := main.decision with input as object.union(base_input, facts)
	{f.rule | some f in no_base.violations; f.area in built_in_rules} == {"SEC002", "VUL001", "IAC001"}
}
