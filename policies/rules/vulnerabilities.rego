# METADATA
# title: Vulnerable dependencies
# description: |
#   Known vulnerabilities in what is released: packages pinned by the
#   project's lockfiles (source osv, from osv-scanner) and packages inside
#   container images (source trivy). Both are judged by the same settings.
#   Whether a finding fails the gate is the environment's fail_on and
#   budgets; these rules decide what is a finding: a vulnerability with a
#   fix denies; without a fix it warns for a grace period after
#   publication, then denies; dev-only dependencies warn; a stale
#   vulnerability database denies in production.
#   Settings (settings.vulnerabilities): min_severity, unknown_severity,
#   budgets, no_fix_grace_days, dev, max_db_age_days, stale_db,
#   file_errors, invalid_records.
# custom:
#   reads:
#     - vulnerabilities
#     - scanners
package relgate.rules.vulnerabilities

import data.relgate.lib

default_rules := {
	# Vulnerabilities below this severity are not reported at all.
	"min_severity": "low",
	# The severity of an advisory that has none (many GO- records):
	# treated as serious until someone reads it.
	"unknown_severity": "high",
	# Per severity, how many vulnerabilities that would deny are accepted
	# as warnings instead, e.g. {"medium": 5}.
	"budgets": {},
	# A vulnerability without a fix warns for this many days after its
	# publication, then denies.
	"no_fix_grace_days": 30,
	# Vulnerabilities only in dev dependencies: deny, warn or ignore.
	"dev": "warn",
	# A vulnerability database older than this many days is stale...
	"max_db_age_days": 7,
	# ...and then: deny, warn or ignore.
	"stale_db": "warn",
	# A lockfile the scanner could not read: deny, warn or ignore.
	"file_errors": "warn",
	# Advisories in the database that the scanner cannot read: deny, warn
	# or ignore.
	"invalid_records": "warn",
}

production_rules := {"stale_db": "deny", "file_errors": "deny"}

env_rules := production_rules if lib.is_production

env_rules := {} if not lib.is_production

rules := object.union_n([default_rules, env_rules, object.get(lib.settings, "vulnerabilities", {})])

day_ns := ((24 * 60) * 60) * 1000000000

# judged_severity maps a vulnerability's severity to the one judged: its
# own, or the unknown setting.
judged_severity := {
	"critical": "critical",
	"high": "high",
	"medium": "medium",
	"low": "low",
}

min_rank := lib.severity_rank[rules.min_severity]

dev_judged := rules.dev == "deny"

# rows is one pass over the vulnerabilities, with what every rule below
# needs of each: the rules only filter rows. (Sets of whole vulnerability
# objects and per-item helper calls cost far more in OPA than this.)
rows := [r |
	some v in input.vulnerabilities
	sev := object.get(judged_severity, v.severity, rules.unknown_severity)
	lib.severity_rank[sev] <= min_rank
	dev := object.get(v, "dev", false) == true
	fix := count(object.get(v, "fixed_versions", [])) > 0
	r := {"v": v, "sev": sev, "dev": dev, "fix": fix, "judged": {false: true, true: dev_judged}[dev]}
]

published_ns(v) := time.parse_rfc3339_ns(v.published)

# in_grace: no fix yet, published less than no_fix_grace_days ago. An
# advisory without a publication date cannot be in its grace period.
in_grace(v) if lib.time_ns - published_ns(v) < rules.no_fix_grace_days * day_ns

# candidates are what would deny, before budgets: with a fix, or without
# one past the grace period.
# VUL001 and VUL003 read the two parts, so that no rule tests every
# candidate for a fix, once per finding.
candidates := array.concat(fixed_candidates, unfixed_candidates)

fixed_candidates := [r | some r in rows; r.judged; r.fix]

unfixed_candidates := [r | some r in judged_unfixed; not in_grace(r.v); not ignore_unfixed]

# judged_unfixed are the judged rows without a fix, which VUL002, VUL003
# and VUL009 share.
judged_unfixed := [r | some r in rows; r.judged; not r.fix]

# ignore_unfixed is --ignore-unfixed (input.options.ignore_unfixed): no
# fixed version past the grace period warns (VUL009) instead of denying.
ignore_unfixed if input.options.ignore_unfixed == true

candidate_severities := {r.sev | some r in candidates}

# Only severities with a budget need counting.
candidate_count[sev] := count([1 | some r in candidates; r.sev == sev]) if {
	some sev, budget in rules.budgets
	budget > 0
}

# tolerated are the severities whose candidates stay within their budget:
# they warn (VUL005) instead of denying.
tolerated contains sev if {
	some sev in candidate_severities
	candidate_count[sev] <= rules.budgets[sev]
}

# denied are the other severities of candidates: they deny. (A set to look
# a finding's severity up in, not a negation per finding.)
denied := candidate_severities - tolerated

# result is rule's finding for a row: lib.finding(md, fields) built in one
# merge; extra ends the message. This runs once per finding, the hot path
# of a large input. relgate gives each vulnerability what its finding says
# whichever rule reports it (v.finding: the message up to the rule's
# ending, what the fingerprint hashes after the rule id, the other fields),
# computed once in Go; without it (policy unit tests, `opa test`) the same
# is built here, below, with no helper calls and concat where sprintf of
# strings would give the same text at a higher price.
result(md, rule, kind, r, extra) := object.union(x.fields, {
	"rule": md.custom.id,
	"title": md.title,
	"msg": msg,
	# What relgate.main adds to a finding, given here so that it takes
	# the finding as it is instead of merging them into a copy.
	"kind": kind,
	"area": "vulnerabilities",
	"message": msg,
	"severity": r.sev,
	"fingerprint": crypto.sha256(concat("|", [rule, x.key])),
}) if {
	x := r.v.finding
	msg := concat("", [x.msg, extra])
} else := object.union(fields, image_field) if {
	v := r.v
	img := object.get(v, "image", "")
	has_img := img != ""
	aliases := object.get(v, "aliases", [])
	summary := object.get(v, "summary", "")
	path := object.get(v, ["location", "path"], "")
	source := object.get(v, "source", "")
	fixed := object.get(v, "fixed_versions", [])
	where := {true: concat("", ["image ", img]), false: path}[has_img]
	title := {true: concat("", [v.id, " (", concat(", ", aliases), ")"]), false: v.id}[count(aliases) > 0]
	fix_text := {true: concat("", ["fixed in ", concat(", ", fixed)]), false: "no fixed version yet"}[r.fix]
	msg := concat("", [
		v.package.name, " ", v.package.version, " (", v.package.ecosystem, ") in ", where,
		" has ", title, {true: concat("", [": ", summary]), false: ""}[summary != ""], "; ", fix_text, extra,
	])
	fields := {
		"rule": md.custom.id,
		"title": md.title,
		"msg": msg,
		"kind": kind,
		"area": "vulnerabilities",
		"message": msg,
		"severity": r.sev,
		"location": object.union({"path": "", "start_line": 0, "end_line": 0}, object.get(v, "location", {})),
		"fingerprint": crypto.sha256(concat("|", [
			rule, source, img, path,
			v.package.ecosystem, v.package.name, v.package.version, v.id,
		])),
		"package": v.package.name,
		"id": v.id,
		# PR mode (relgate.main) reads in_change: a dependency the change
		# added or bumped from one already on the base. Only the lockfile
		# scanner knows: an image has no base to compare with, so its
		# findings always count as new.
		"in_change": {true: object.get(v, "in_change", true), false: true}[source == "osv"],
		# Structured fields for reports and tools, as trivy's JSON has them.
		"installed_version": v.package.version,
		"fixed_version": concat(", ", fixed),
		"aliases": aliases,
		"cve": concat("", array.slice([a | some a in array.concat([v.id], aliases); startswith(a, "CVE-")], 0, 1)),
		"cwe": object.get(v, "cwes", []),
		"layer": object.get(v, ["layer", "diff_id"], ""),
	}

	# image is a waiver scope, so it is there only for container findings.
	image_field := {true: {"image": img}, false: {}}[has_img]
}

# METADATA
# title: Vulnerable dependency with a fix available
# description: |
#   A package in the release has a known vulnerability and a fixed version
#   exists. Whether it fails the gate depends on its severity against the
#   environment's fail_on (a high fails production by default).
# custom:
#   id: VUL001
#   severity: high
#   remediation: |
#     Upgrade the package to a fixed version (listed in the finding) and
#     regenerate the lockfile: `npm install pkg@x.y.z`, `go get mod@vX.Y.Z`,
#     `pip install -U pkg==x.y.z` then re-lock, `cargo update -p crate`. For
#     a transitive dependency, upgrade the package that pulls it in, or pin
#     it (npm overrides, Go require, Cargo [patch]). A false positive is
#     waived by advisory id, or ignored in osv-scanner.toml with a reason.
# related_resources:
#   - ref: https://osv.dev/
#   - ref: https://google.github.io/osv-scanner/configuration/
deny contains f if {
	md := rego.metadata.rule()
	some r in fixed_candidates
	r.sev in denied
	f := result(md, "VUL001", "deny", r, "")
}

# METADATA
# title: Vulnerable dependency without a fix, in its grace period
# description: |
#   A package has a known vulnerability and no fixed version yet. It warns
#   for settings.vulnerabilities.no_fix_grace_days after publication, time
#   for the maintainers to ship a fix, then denies (VUL003).
# custom:
#   id: VUL002
#   severity: medium
#   remediation: |
#     Watch the advisory for a fix. Meanwhile check whether the vulnerable
#     code is reachable, mitigate it (configuration, input validation) or
#     replace the package; waive it with a reason if it does not apply.
# related_resources:
#   - ref: https://osv.dev/
warn contains f if {
	md := rego.metadata.rule()
	some r in judged_unfixed
	in_grace(r.v)
	days := floor((lib.time_ns - published_ns(r.v)) / day_ns)
	f := result(md, "VUL002", "warn", r, sprintf(" (published %d days ago, grace period %d days)", [days, rules.no_fix_grace_days]))
}

# METADATA
# title: Vulnerable dependency without a fix, past its grace period
# description: |
#   A package has had a known vulnerability with no fixed version for
#   longer than the grace period (or since an unknown date). Waiting has
#   not produced a fix: the risk must be removed or explicitly accepted.
# custom:
#   id: VUL003
#   severity: high
#   remediation: |
#     Replace the package, remove the vulnerable feature, or patch it
#     locally (a fork or vendored patch). If the risk is accepted, waive the
#     advisory with a reason, an approver and an expiry.
# related_resources:
#   - ref: https://osv.dev/
deny contains f if {
	md := rego.metadata.rule()
	some r in unfixed_candidates
	r.sev in denied
	f := result(md, "VUL003", "deny", r, sprintf(" for more than %d days", [rules.no_fix_grace_days]))
}

# METADATA
# title: Vulnerable dependency without a fix, ignored by request
# description: |
#   A package has had a known vulnerability with no fixed version past the
#   grace period, and the gate was run with --ignore-unfixed (trivy's flag):
#   it warns instead of denying (VUL003).
# custom:
#   id: VUL009
#   severity: medium
#   remediation: |
#     Nothing can be upgraded yet. Check whether the vulnerable code is
#     reachable and mitigate it; run without --ignore-unfixed to make such
#     advisories fail the gate again.
# related_resources:
#   - ref: https://osv.dev/
warn contains f if {
	ignore_unfixed
	md := rego.metadata.rule()
	some r in judged_unfixed
	not in_grace(r.v)
	f := result(md, "VUL009", "warn", r, sprintf(" for more than %d days (--ignore-unfixed)", [rules.no_fix_grace_days]))
}

# METADATA
# title: Vulnerable dev-only dependency
# description: |
#   The vulnerable package is only a development dependency (tests, build
#   tools), so it does not ship; by default this warns
#   (settings.vulnerabilities.dev: deny makes it count like any other).
# custom:
#   id: VUL004
#   severity: low
#   remediation: |
#     Upgrade the dev dependency when convenient: it still runs on developer
#     machines and in CI, where it can reach credentials.
warn contains f if {
	rules.dev == "warn"
	md := rego.metadata.rule()
	some r in rows
	r.dev
	f := result(md, "VUL004", "warn", r, " (dev dependency)")
}

# METADATA
# title: Vulnerable dependency within the vulnerability budget
# description: |
#   A vulnerability that would deny, accepted because the number of such
#   vulnerabilities of its severity is within
#   settings.vulnerabilities.budgets.
# custom:
#   id: VUL005
#   severity: medium
#   remediation: |
#     Upgrade the package before the budget runs out; one more
#     vulnerability of this severity turns all of them into denials.
warn contains f if {
	count(tolerated) > 0
	md := rego.metadata.rule()
	some r in candidates
	r.sev in tolerated
	f := result(md, "VUL005", "warn", r, sprintf(" (%d of %d %s tolerated)", [candidate_count[r.sev], rules.budgets[r.sev], r.sev]))
}

# stale lists the scanner runs whose vulnerability data is too old.
stale contains {"run": s, "days": days} if {
	some s in input.scanners
	object.get(s, "db_updated_at", "") != ""
	s.status != "error"
	age := lib.time_ns - time.parse_rfc3339_ns(s.db_updated_at)
	age > rules.max_db_age_days * day_ns
	days := floor(age / day_ns)
}

stale_result(x) := {
	"msg": sprintf("scanner %s matched against vulnerability data %d days old (%s, updated %s); the limit is %d days", [
		x.run.name, x.days, object.get(x.run, "database", "its database"), x.run.db_updated_at, rules.max_db_age_days,
	]),
	"fingerprint": crypto.sha256(sprintf("VUL006|%s", [x.run.name])),
	"id": x.run.name,
}

# METADATA
# title: Vulnerability database is stale
# description: |
#   A scanner matched against vulnerability data older than
#   settings.vulnerabilities.max_db_age_days, so vulnerabilities published
#   since are missed. Production refuses it.
# custom:
#   id: VUL006
#   severity: high
#   remediation: |
#     Update the offline databases before the gate runs: `relgate db update`
#     (osv-scanner's databases) and trivy's DB download, e.g. in a scheduled
#     CI job that refreshes the cache.
deny contains f if {
	rules.stale_db == "deny"
	some x in stale
	f := lib.finding(rego.metadata.rule(), stale_result(x))
}

# METADATA
# title: Vulnerability database is stale
# description: |
#   A scanner matched against vulnerability data older than
#   settings.vulnerabilities.max_db_age_days.
# custom:
#   id: VUL006
#   severity: medium
#   remediation: |
#     Update the offline databases: `relgate db update`.
warn contains f if {
	rules.stale_db == "warn"
	some x in stale
	f := lib.finding(rego.metadata.rule(), stale_result(x))
}

unread contains {"run": s, "error": e} if {
	some s in input.scanners
	s.name == "deps"
	some e in object.get(s, "errors", [])
}

unread_result(x) := {
	"msg": sprintf("scanner %s could not read %s: %s; its dependencies were not checked", [x.run.name, x.error.path, x.error.message]),
	"location": {"path": x.error.path, "start_line": 0, "end_line": 0},
	"fingerprint": crypto.sha256(sprintf("VUL007|%s|%s", [x.run.name, x.error.path])),
}

# METADATA
# title: Lockfile could not be read
# description: |
#   A lockfile or manifest could not be parsed or read, so the packages it
#   pins were not checked for vulnerabilities. The rest of the scan stands.
# custom:
#   id: VUL007
#   severity: high
#   remediation: |
#     Fix the file (regenerate the lockfile with its package manager), or
#     exclude its directory (deps.exclude in .relgate.yaml) if it is not
#     part of the release, such as a test fixture.
deny contains f if {
	rules.file_errors == "deny"
	some x in unread
	f := lib.finding(rego.metadata.rule(), unread_result(x))
}

# METADATA
# title: Lockfile could not be read
# description: |
#   A lockfile or manifest could not be parsed or read, so the packages it
#   pins were not checked for vulnerabilities.
# custom:
#   id: VUL007
#   severity: medium
#   remediation: |
#     Fix the file (regenerate the lockfile), or exclude its directory
#     (deps.exclude in .relgate.yaml) if it is not part of the release.
warn contains f if {
	rules.file_errors == "warn"
	some x in unread
	f := lib.finding(rego.metadata.rule(), unread_result(x))
}

invalid_records contains {"run": s, "count": n} if {
	some s in input.scanners
	n := object.get(object.get(s, "stats", {}), "db_invalid_records", 0)
	n > 0
}

invalid_result(x) := {
	"msg": sprintf("%d advisories in the database of scanner %s cannot be read and are silently skipped by the matcher (see `relgate db update` output)", [x.count, x.run.name]),
	"fingerprint": crypto.sha256(sprintf("VUL008|%s", [x.run.name])),
	"id": x.run.name,
}

# METADATA
# title: Vulnerability database holds unreadable advisories
# description: |
#   Some advisories in the offline database use fields the matcher does
#   not know, and it skips them without a word: vulnerabilities they
#   describe are not found.
# custom:
#   id: VUL008
#   severity: high
#   remediation: |
#     Run `relgate db update` to list the advisories; update relgate (its
#     osv-scanner) to a version that reads them, or scan online.
deny contains f if {
	rules.invalid_records == "deny"
	some x in invalid_records
	f := lib.finding(rego.metadata.rule(), invalid_result(x))
}

# METADATA
# title: Vulnerability database holds unreadable advisories
# description: |
#   Some advisories in the offline database cannot be read by the matcher,
#   which skips them.
# custom:
#   id: VUL008
#   severity: medium
#   remediation: |
#     Run `relgate db update` to list them; update relgate or scan online.
warn contains f if {
	rules.invalid_records == "warn"
	some x in invalid_records
	f := lib.finding(rego.metadata.rule(), invalid_result(x))
}
