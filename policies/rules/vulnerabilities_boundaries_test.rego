# Pins the vulnerability rules' documented numbers at exactly their
# boundaries: the 30-day grace period of a vulnerability without a fix, the
# 7-day database age, the severity floor and the budgets. Each test names the
# rule id it expects on each side of the boundary.
package relgate.rules.vulnerabilities_boundaries_test

import data.relgate.rules.vulnerabilities

now := "2026-11-25T12:00:00Z"

vuln(fields) := object.union(
	{
		"id": "GHSA-test-0000-0000",
		"package": {"name": "left-pad", "version": "1.0.0", "ecosystem": "npm"},
		"severity": "high",
		"fixed_versions": [],
		"published": "2026-10-01T00:00:00Z",
		"source": "osv",
		"location": {"path": "package-lock.json", "start_line": 3, "end_line": 3},
	},
	fields,
)

inp(env, vulns, db_updated_at) := {
	"release": {"environment": env, "time": now},
	"vulnerabilities": vulns,
	"scanners": [{"name": "deps", "status": "ok", "duration_ms": 1, "db_updated_at": db_updated_at}],
}

fresh := "2026-11-25T00:00:00Z"

ids(set) := {v.rule | some v in set}

test_default_numbers if {
	r := vulnerabilities.rules with input as inp("production", [], fresh)
	r.no_fix_grace_days == 30
	r.max_db_age_days == 7
	r.min_severity == "low"
	r.unknown_severity == "high"
	vulnerabilities.day_ns == 86400000000000
}

# Published exactly 30 days before the release: the grace period is over.
test_grace_period_ends_at_exactly_30_days if {
	v := vuln({"published": "2026-10-26T12:00:00Z"})
	"VUL003" in ids(vulnerabilities.deny) with input as inp("production", [v], fresh)
	not "VUL002" in ids(vulnerabilities.warn) with input as inp("production", [v], fresh)
}

# One second less than 30 days: still in its grace period.
test_grace_period_holds_one_second_before if {
	v := vuln({"published": "2026-10-26T12:00:01Z"})
	"VUL002" in ids(vulnerabilities.warn) with input as inp("production", [v], fresh)
	not "VUL003" in ids(vulnerabilities.deny) with input as inp("production", [v], fresh)
	[w] := [w | some w in vulnerabilities.warn; w.rule == "VUL002"] with input as inp("production", [v], fresh)
	contains(w.msg, "(published 29 days ago, grace period 30 days)")
}

# A database exactly 7 days old is not stale; a second older is.
test_database_age_boundary if {
	not "VUL006" in ids(vulnerabilities.deny) with input as inp("production", [], "2026-11-18T12:00:00Z")
	"VUL006" in ids(vulnerabilities.deny) with input as inp("production", [], "2026-11-18T11:59:59Z")
	[d] := [d | some d in vulnerabilities.deny; d.rule == "VUL006"] with input as inp("production", [], "2026-11-18T11:59:59Z")
	contains(d.msg, "vulnerability data 7 days old")
	contains(d.msg, "the limit is 7 days")
}

# The severity floor: low is judged by default, a configured floor of
# medium drops it.
test_severity_floor if {
	low := vuln({"severity": "low", "fixed_versions": ["1.0.1"]})
	"VUL001" in ids(vulnerabilities.deny) with input as inp("production", [low], fresh)
	not "VUL001" in ids(vulnerabilities.deny) with input as inp("production", [low], fresh)
		with data.relgate.config as {"defaults": {"vulnerabilities": {"min_severity": "medium"}}}
	med := vuln({"severity": "medium", "fixed_versions": ["1.0.1"]})
	"VUL001" in ids(vulnerabilities.deny) with input as inp("production", [med], fresh)
		with data.relgate.config as {"defaults": {"vulnerabilities": {"min_severity": "medium"}}}
}

# A budget of 2 tolerates exactly 2 (VUL005 warnings); the third denies all.
test_budget_boundary if {
	cfg := {"defaults": {"vulnerabilities": {"budgets": {"high": 2}}}}
	a := vuln({"id": "A", "fixed_versions": ["2"]})
	b := vuln({"id": "B", "fixed_versions": ["2"]})
	c := vuln({"id": "C", "fixed_versions": ["2"]})
	two := inp("production", [a, b], fresh)
	ids(vulnerabilities.warn) == {"VUL005"} with input as two with data.relgate.config as cfg
	not "VUL001" in ids(vulnerabilities.deny) with input as two with data.relgate.config as cfg
	three := inp("production", [a, b, c], fresh)
	count([d | some d in vulnerabilities.deny; d.rule == "VUL001"]) == 3 with input as three with data.relgate.config as cfg
	not "VUL005" in ids(vulnerabilities.warn) with input as three with data.relgate.config as cfg

	# a budget of 0 tolerates nothing
	zero := {"defaults": {"vulnerabilities": {"budgets": {"high": 0}}}}
	"VUL001" in ids(vulnerabilities.deny) with input as inp("production", [a], fresh) with data.relgate.config as zero
}

# A budget of 1 is a budget: the one candidate warns.
test_budget_of_one_tolerates_one if {
	cfg := {"defaults": {"vulnerabilities": {"budgets": {"high": 1}}}}
	one := inp("production", [vuln({"fixed_versions": ["2"]})], fresh)
	ids(vulnerabilities.warn) == {"VUL005"} with input as one with data.relgate.config as cfg
	not "VUL001" in ids(vulnerabilities.deny) with input as one with data.relgate.config as cfg
}

# The message names aliases and a summary only when there are some; a
# finding without a location points at line 0 of no file.
test_message_and_location_of_the_optional_fields if {
	bare := object.union(object.remove(vuln({"fixed_versions": ["1.0.1"]}), ["location"]), {"image": "app:1"})
	[d] := [d | some d in vulnerabilities.deny; d.rule == "VUL001"] with input as inp("production", [bare], fresh)
	d.msg == "left-pad 1.0.0 (npm) in image app:1 has GHSA-test-0000-0000; fixed in 1.0.1"
	d.location == {"path": "", "start_line": 0, "end_line": 0}
	full := vuln({"fixed_versions": ["1.0.1"], "aliases": ["CVE-2026-1"], "summary": "prototype pollution"})
	[e] := [e | some e in vulnerabilities.deny; e.rule == "VUL001"] with input as inp("production", [full], fresh)
	e.msg == "left-pad 1.0.0 (npm) in package-lock.json has GHSA-test-0000-0000 (CVE-2026-1): prototype pollution; fixed in 1.0.1"
}

runs(scanners) := {"release": {"environment": "production", "time": now}, "vulnerabilities": [], "scanners": scanners}

# An unreadable lockfile is pointed at as a whole file (line 0).
test_unreadable_lockfile_location if {
	run := {"name": "deps", "status": "ok", "db_updated_at": fresh, "errors": [{"path": "admin/package-lock.json", "message": "bad"}]}
	[f] := [f | some f in vulnerabilities.deny; f.rule == "VUL007"] with input as runs([run])
	f.location == {"path": "admin/package-lock.json", "start_line": 0, "end_line": 0}
}

# One unreadable advisory is one too many.
test_one_unreadable_advisory_warns if {
	run := {"name": "deps", "status": "ok", "db_updated_at": fresh, "stats": {"db_invalid_records": 1}}
	[f] := [f | some f in vulnerabilities.warn; f.rule == "VUL008"] with input as runs([run])
	startswith(f.msg, "1 advisories in the database of scanner deps")
	count(vulnerabilities.warn) == 0 with input as runs([object.union(run, {"stats": {"db_invalid_records": 0}})])
}
