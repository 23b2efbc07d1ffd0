package relgate.rules.vulnerabilities_test

import data.relgate.rules.vulnerabilities

now := "2026-11-25T12:00:00Z"

# lodash is the npm fixture's advisory, as the deps scanner reports it.
lodash(fields) := object.union(
	{
		"id": "GHSA-35jh-r3h4-6jhm",
		"aliases": ["CVE-2021-23337"],
		"summary": "Command Injection in lodash",
		"package": {"name": "lodash", "version": "4.17.20", "ecosystem": "npm", "purl": "pkg:npm/lodash@4.17.20"},
		"severity": "high",
		"cvss_score": 7.2,
		"cvss_vector": "CVSS:3.1/AV:N/AC:L/PR:H/UI:N/S:U/C:H/I:H/A:H",
		"fixed_versions": ["4.17.21"],
		"published": "2021-05-06T16:05:51Z",
		"source": "osv",
		"location": {"path": "web/package-lock.json", "start_line": 26, "end_line": 26},
		"dev": false,
		"in_change": false,
	},
	fields,
)

# openssl is what the container scanner (trivy) reports for an image.
openssl(fields) := object.union(
	{
		"id": "CVE-2024-0727",
		"summary": "openssl: denial of service via null dereference",
		"package": {"name": "libssl3", "version": "3.0.11-1~deb12u2", "ecosystem": "debian"},
		"severity": "medium",
		"fixed_versions": ["3.0.13-1~deb12u1"],
		"published": "2024-01-26T09:15:00Z",
		"source": "trivy",
		"image": "registry.example.com/app:1.2.3",
		"location": {"path": "Dockerfile", "start_line": 1, "end_line": 1},
		"dev": false,
		"in_change": false,
	},
	fields,
)

deps_run(fields) := object.union(
	{"name": "deps", "status": "ok", "duration_ms": 10, "database": "osv.dev offline database /cache", "db_updated_at": "2026-11-24T00:00:00Z"},
	fields,
)

inp(env, vulns) := {"release": {"environment": env, "time": now}, "vulnerabilities": vulns, "scanners": [deps_run({})]}

with_runs(env, runs) := {"release": {"environment": env, "time": now}, "vulnerabilities": [], "scanners": runs}

rules(set) := {v.rule | some v in set}

test_no_vulnerabilities_no_findings if {
	count(vulnerabilities.deny) == 0 with input as inp("production", [])
	count(vulnerabilities.warn) == 0 with input as inp("production", [])
}

test_fixable_vulnerability_denies_with_its_location if {
	[f] := [f | some f in vulnerabilities.deny] with input as inp("production", [lodash({})])
	f.rule == "VUL001"
	f.severity == "high"
	f.location == {"path": "web/package-lock.json", "start_line": 26, "end_line": 26}
	f.package == "lodash"
	f.id == "GHSA-35jh-r3h4-6jhm"
	not f.image
	contains(f.msg, "lodash 4.17.20 (npm) in web/package-lock.json has GHSA-35jh-r3h4-6jhm (CVE-2021-23337)")
	contains(f.msg, "fixed in 4.17.21")
}

# One config, two sources: an image's vulnerability is judged the same way.
test_trivy_vulnerability_judged_alike if {
	[f] := [f | some f in vulnerabilities.deny] with input as inp("production", [openssl({})])
	f.rule == "VUL001"
	f.severity == "medium"
	f.image == "registry.example.com/app:1.2.3"
	contains(f.msg, "in image registry.example.com/app:1.2.3")
	count(vulnerabilities.warn) == 0 with input as inp("production", [openssl({})])
}

test_fingerprint_stable_across_lines_and_distinct_per_package if {
	[a] := [f | some f in vulnerabilities.deny] with input as inp("production", [lodash({})])
	[b] := [f | some f in vulnerabilities.deny] with input as inp("production", [lodash({"location": {"path": "web/package-lock.json", "start_line": 40, "end_line": 40}})])
	[c] := [f | some f in vulnerabilities.deny] with input as inp("production", [lodash({"package": {"name": "lodash", "version": "4.17.15", "ecosystem": "npm"}})])
	a.fingerprint == b.fingerprint
	a.fingerprint != c.fingerprint
}

test_below_min_severity_not_reported if {
	cfg := {"defaults": {"vulnerabilities": {"min_severity": "high"}}}
	count(vulnerabilities.deny) == 0 with input as inp("production", [openssl({})]) with data.relgate.config as cfg
	[f.rule | some f in vulnerabilities.deny] == ["VUL001"] with input as inp("production", [lodash({})]) with data.relgate.config as cfg
}

test_unknown_severity_is_configurable if {
	[f] := [f | some f in vulnerabilities.deny] with input as inp("production", [lodash({"severity": "unknown"})])
	f.rule == "VUL001"
	f.severity == "high"
	cfg := {"defaults": {"vulnerabilities": {"unknown_severity": "low"}}}
	[g] := [f | some f in vulnerabilities.deny] with input as inp("production", [lodash({"severity": "unknown"})]) with data.relgate.config as cfg
	g.rule == "VUL001"
	g.severity == "low"
}

test_no_fix_warns_during_grace if {
	v := lodash({"fixed_versions": [], "published": "2026-11-15T00:00:00Z"})
	count(vulnerabilities.deny) == 0 with input as inp("production", [v])
	[f] := [f | some f in vulnerabilities.warn] with input as inp("production", [v])
	f.rule == "VUL002"
	contains(f.msg, "no fixed version yet")
	contains(f.msg, "published 10 days ago, grace period 30 days")
}

test_no_fix_denies_after_grace if {
	v := lodash({"fixed_versions": [], "published": "2026-09-01T00:00:00Z"})
	[f] := [f | some f in vulnerabilities.deny] with input as inp("production", [v])
	f.rule == "VUL003"
	count(vulnerabilities.warn) == 0 with input as inp("production", [v])
}

test_no_fix_without_publication_date_denies if {
	v := object.remove(lodash({"fixed_versions": []}), ["published"])
	"VUL003" in rules(vulnerabilities.deny) with input as inp("production", [v])
}

test_grace_period_is_configurable if {
	v := lodash({"fixed_versions": [], "published": "2026-09-01T00:00:00Z"})
	cfg := {"defaults": {"vulnerabilities": {"no_fix_grace_days": 180}}}
	count(vulnerabilities.deny) == 0 with input as inp("production", [v]) with data.relgate.config as cfg
	"VUL002" in rules(vulnerabilities.warn) with input as inp("production", [v]) with data.relgate.config as cfg
}

test_dev_dependency_warns_by_default if {
	v := lodash({"dev": true})
	count(vulnerabilities.deny) == 0 with input as inp("production", [v])
	[f] := [f | some f in vulnerabilities.warn] with input as inp("production", [v])
	f.rule == "VUL004"
	contains(f.msg, "dev dependency")
}

test_dev_dependency_setting if {
	v := lodash({"dev": true})
	deny_cfg := {"defaults": {"vulnerabilities": {"dev": "deny"}}}
	"VUL001" in rules(vulnerabilities.deny) with input as inp("production", [v]) with data.relgate.config as deny_cfg
	count(vulnerabilities.warn) == 0 with input as inp("production", [v]) with data.relgate.config as deny_cfg
	ignore_cfg := {"defaults": {"vulnerabilities": {"dev": "ignore"}}}
	count(vulnerabilities.deny) == 0 with input as inp("production", [v]) with data.relgate.config as ignore_cfg
	count(vulnerabilities.warn) == 0 with input as inp("production", [v]) with data.relgate.config as ignore_cfg
}

test_within_budget_warns if {
	cfg := {"environments": {"production": {"vulnerabilities": {"budgets": {"high": 2}}}}}
	two := [lodash({}), lodash({"package": {"name": "lodash", "version": "4.17.15", "ecosystem": "npm"}})]
	count(vulnerabilities.deny) == 0 with input as inp("production", two) with data.relgate.config as cfg
	rules(vulnerabilities.warn) == {"VUL005"} with input as inp("production", two) with data.relgate.config as cfg
	some f in vulnerabilities.warn with input as inp("production", two) with data.relgate.config as cfg
	f.rule == "VUL005"
	contains(f.msg, "(2 of 2 high tolerated)")
}

test_over_budget_denies_all if {
	cfg := {"environments": {"production": {"vulnerabilities": {"budgets": {"high": 1}}}}}
	two := [lodash({}), lodash({"package": {"name": "lodash", "version": "4.17.15", "ecosystem": "npm"}})]
	[f.rule | some f in vulnerabilities.deny] == ["VUL001", "VUL001"] with input as inp("production", two) with data.relgate.config as cfg
	count(vulnerabilities.warn) == 0 with input as inp("production", two) with data.relgate.config as cfg
}

test_fresh_database_passes if {
	count(vulnerabilities.deny) == 0 with input as with_runs("production", [deps_run({})])
	count(vulnerabilities.warn) == 0 with input as with_runs("production", [deps_run({})])
}

test_stale_database_denies_in_production if {
	run := deps_run({"db_updated_at": "2026-11-01T00:00:00Z"})
	[f] := [f | some f in vulnerabilities.deny] with input as with_runs("production", [run])
	f.rule == "VUL006"
	contains(f.msg, "24 days old")
	contains(f.msg, "osv.dev offline database /cache")
}

test_stale_database_warns_elsewhere_and_counts_trivy if {
	runs := [deps_run({"db_updated_at": "2026-11-01T00:00:00Z"}), {"name": "containers", "status": "ok", "duration_ms": 5, "db_updated_at": "2026-10-01T00:00:00Z"}]
	count(vulnerabilities.deny) == 0 with input as with_runs("staging", runs)
	fs := {f.id | some f in vulnerabilities.warn; f.rule == "VUL006"} with input as with_runs("staging", runs)
	fs == {"deps", "containers"}
}

test_stale_limit_is_configurable if {
	run := deps_run({"db_updated_at": "2026-11-01T00:00:00Z"})
	"VUL006" in rules(vulnerabilities.deny) with input as with_runs("production", [run])
	cfg := {"defaults": {"vulnerabilities": {"max_db_age_days": 30}}}
	count(vulnerabilities.deny) == 0 with input as with_runs("production", [run]) with data.relgate.config as cfg
}

test_unreadable_lockfile_denies_in_production_warns_elsewhere if {
	run := deps_run({"errors": [{"path": "admin/package-lock.json", "message": "could not extract: unexpected end of JSON input"}]})
	[f] := [f | some f in vulnerabilities.deny] with input as with_runs("production", [run])
	f.rule == "VUL007"
	f.location.path == "admin/package-lock.json"
	contains(f.msg, "unexpected end of JSON input")
	"VUL007" in rules(vulnerabilities.warn) with input as with_runs("staging", [run])
	count(vulnerabilities.deny) == 0 with input as with_runs("staging", [run])
}

test_unreadable_records_warn if {
	run := deps_run({"stats": {"db_invalid_records": 3}})
	count(vulnerabilities.deny) == 0 with input as with_runs("production", [run])
	[f] := [f | some f in vulnerabilities.warn] with input as with_runs("production", [run])
	f.rule == "VUL008"
	contains(f.msg, "3 advisories")
	cfg := {"defaults": {"vulnerabilities": {"invalid_records": "deny"}}}
	"VUL008" in rules(vulnerabilities.deny) with input as with_runs("production", [run]) with data.relgate.config as cfg
}

test_ignore_unfixed_warns_instead_of_denying if {
	v := lodash({"fixed_versions": [], "published": "2026-09-01T00:00:00Z"})
	i := object.union(inp("production", [v]), {"options": {"ignore_unfixed": true}})
	count(vulnerabilities.deny) == 0 with input as i
	[f] := [f | some f in vulnerabilities.warn] with input as i
	f.rule == "VUL009"
	contains(f.msg, "--ignore-unfixed")
}

test_ignore_unfixed_leaves_fixable_and_grace_alone if {
	fixable := lodash({})
	young := lodash({"id": "GHSA-young", "fixed_versions": [], "published": "2026-11-15T00:00:00Z"})
	i := object.union(inp("production", [fixable, young]), {"options": {"ignore_unfixed": true}})
	rules(vulnerabilities.deny) == {"VUL001"} with input as i
	rules(vulnerabilities.warn) == {"VUL002"} with input as i
}

test_ignore_unfixed_false_still_denies if {
	v := lodash({"fixed_versions": [], "published": "2026-09-01T00:00:00Z"})
	i := object.union(inp("production", [v]), {"options": {"ignore_unfixed": false}})
	rules(vulnerabilities.deny) == {"VUL003"} with input as i
	not "VUL009" in rules(vulnerabilities.warn) with input as i
}
