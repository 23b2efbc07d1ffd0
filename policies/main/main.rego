# METADATA
# title: relgate decision
# description: |
#   Collects deny and warn from every package under relgate.rules (user
#   packages too), normalises them, applies waivers, the environment's
#   fail-on severity and count budgets, scores the areas and returns the
#   decision.
package relgate.main

import data.relgate.lib

settings := lib.settings

default_severity := {"deny": "high", "warn": "medium"}

severity_aliases := {
	"critical": "critical",
	"high": "high",
	"medium": "medium",
	"moderate": "medium",
	"low": "low",
	"info": "info",
	"informational": "info",
	"negligible": "info",
	"none": "info",
}

# raw holds every rule result with its kind (deny or warn) and area (the
# rule package). Results built with lib.finding are taken as they are: this
# path is the hot one, a few expressions per finding, and each result is
# judged conforming once (else normalised), not once per branch. Anything
# else — a conftest-style string, a missing or unknown severity, no
# fingerprint — is normalised first.
raw contains f if {
	some area
	some v in data.relgate.rules[area].deny
	f := collected(v, area, "deny")
}

raw contains f if {
	some area
	some v in data.relgate.rules[area].warn
	f := collected(v, area, "warn")
}

collected(v, area, kind) := v if {
	# A result that says its kind, area and message already (the built-in
	# vulnerability rules', the most numerous) is taken as it is, not
	# merged into a copy; conforming(v) inline, as this runs per finding.
	v.kind == kind
	v.area == area
	v.message == v.msg
	lib.severity_rank[v.severity]
	is_string(v.rule)
	is_string(v.msg)
	v.fingerprint != ""
} else := object.union(v, {"kind": kind, "area": area, "message": v.msg}) if {
	conforming(v)
} else := normalise(v, area, kind)

conforming(v) if {
	lib.severity_rank[v.severity]
	is_string(v.rule)
	is_string(v.msg)
	v.fingerprint != ""
}

normalise(v, area, kind) := f if {
	r := as_object(v)
	sev := lower(object.get(r, "severity", default_severity[kind]))
	loc := object.get(r, "location", {})
	msg := object.get(r, "msg", object.get(r, "message", ""))
	f := object.union(r, {
		"rule": object.get(r, "rule", area),
		"title": object.get(r, "title", ""),
		"severity": object.get(severity_aliases, sev, default_severity[kind]),
		"msg": msg,
		"message": msg,
		"location": {
			"path": object.get(loc, "path", ""),
			"start_line": object.get(loc, "start_line", 0),
			"end_line": object.get(loc, "end_line", object.get(loc, "start_line", 0)),
		},
		"fingerprint": fingerprint(r, area),
		"kind": kind,
		"area": area,
	})
}

as_object(v) := v if is_object(v)

as_object(v) := {"msg": v} if is_string(v)

fingerprint(r, _) := r.fingerprint if r.fingerprint != ""

# Without a fingerprint from the rule, one is made from what identifies the
# finding but not its line, so it survives unrelated line shifts.
fingerprint(r, area) := crypto.sha256(concat("|", [
	object.get(r, "rule", area),
	object.get(object.get(r, "location", {}), "path", ""),
	object.get(r, "msg", object.get(r, "message", "")),
])) if object.get(r, "fingerprint", "") == ""

# A waiver applies to a finding of its rule when every scope field it sets
# matches, it has not expired and the WVR rules did not reject it (expired
# and rejected waivers are WVR violations of their own). When several
# match, the first in the waiver file is the one reported.
default rejected_waivers := set()

rejected_waivers := data.relgate.rules.waivers.rejected

live_waivers := [[i, w] |
	some i, w in input.waivers
	not i in rejected_waivers
	not lib.waiver_expired(w)
]

scope_matches(s, f) if {
	object.get(s, "fingerprint", "") in {"", f.fingerprint}
	path_matches(object.get(s, "path", ""), object.get(f, ["location", "path"], ""))
	object.get(s, "package", "") in {"", object.get(f, "package", "")}
	object.get(s, "id", "") in {"", object.get(f, "id", "")}
	object.get(s, "image", "") in {"", object.get(f, "image", "")}
}

path_matches("", _)

path_matches(p, path) if {
	p != ""
	glob.match(p, ["/"], path)
}

waived_rules contains w.rule if some [_, w] in live_waivers

# Live waivers indexed by what finds them cheaply: a scope with an id, or
# else a fingerprint, is looked up by it; the others (path, package or
# image alone) are tried on every finding of their rule. So a finding costs
# a few lookups, not one scope match per waiver of its rule.
waivers_by_id[[w.rule, w.scope.id]] contains i if {
	some [i, w] in live_waivers
	object.get(w, ["scope", "id"], "") != ""
}

waivers_by_fingerprint[[w.rule, w.scope.fingerprint]] contains i if {
	some [i, w] in live_waivers
	object.get(w, ["scope", "id"], "") == ""
	object.get(w, ["scope", "fingerprint"], "") != ""
}

waivers_by_rule[w.rule] contains i if {
	some [i, w] in live_waivers
	object.get(w, ["scope", "id"], "") == ""
	object.get(w, ["scope", "fingerprint"], "") == ""
}

# matches pairs each waived finding with the indices of the live waivers
# that match it, in file order. Only findings of a rule some live waiver
# names are matched, so a run without waivers does no work here.
matches contains [f, ids] if {
	count(live_waivers) > 0
	some f in raw
	f.rule in waived_rules
	by_id := object.get(waivers_by_id, [[f.rule, object.get(f, "id", "")]], set())
	by_fingerprint := object.get(waivers_by_fingerprint, [[f.rule, f.fingerprint]], set())
	candidates := (by_id | by_fingerprint) | object.get(waivers_by_rule, f.rule, set())
	ids := sort([i |
		some i in candidates
		scope_matches(object.get(input.waivers[i], "scope", {}), f)
	])
	count(ids) > 0
}

waived contains object.union(f, {"waiver": input.waivers[ids[0]]}) if some [f, ids] in matches

used_waivers contains i if {
	some [_, ids] in matches
	some i in ids
}

# area_scanners are the scanners whose facts a rule area judges. A waiver
# of an area none of whose scanners ran (deps on the pre-commit path, say)
# cannot be called unused: its finding was not looked for.
area_scanners := {
	"secrets": {"secrets"},
	"vulnerabilities": {"deps", "containers"},
	"containers": {"containers"},
	"iac": {"iac"},
	"migrations": {"migrations"},
	"tests": {"tests"},
	"approvals": {"approvals"},
	"slo": {"slo"},
	"release": {"release"},
}

default catalog := {}

catalog := data.relgate.catalog

ran_scanners := {s.name | some s in input.scanners; s.status == "ok"}

waiver_area(rule) := trim_prefix(object.get(catalog, [rule, "package"], ""), "relgate.rules.")

waiver_judgeable(rule) if not area_scanners[waiver_area(rule)]

waiver_judgeable(rule) if {
	some s in area_scanners[waiver_area(rule)]
	s in ran_scanners
}

# METADATA
# title: A waiver matches no finding
# description: |
#   The waiver is live (not expired, not rejected) but no finding of its rule
#   falls in its scope: the finding was fixed, the scope is wrong, or the
#   scanner that reports it did not run. Judged here because only the
#   decision sees every finding (a rule package reading it would recurse).
# custom:
#   id: WVR003
#   severity: low
#   remediation: |
#     Delete the waiver if its finding was fixed; otherwise correct its rule
#     id or scope (relgate check --format json shows findings' fingerprints).
unused_waivers contains f if {
	settings.waivers.warn_unused
	md := rego.metadata.rule()
	some [i, w] in live_waivers
	not i in used_waivers
	waiver_judgeable(w.rule)
	scope := object.get(w, "scope", {})
	msg := sprintf("waiver of %s for %s matches no finding", [w.rule, concat(", ", [sprintf("%s %s", [k, v]) | some k, v in scope; v != ""])])
	f := object.union(
		lib.finding(md, {
			"msg": msg,
			"location": object.get(w, "location", {"path": "", "start_line": 0, "end_line": 0}),
			"fingerprint": crypto.sha256(sprintf("WVR003|%s|%s", [w.rule, json.marshal(scope)])),
		}),
		{"kind": "warn", "area": "waivers", "message": msg},
	)
}

unfiltered := raw if count(input.waivers) == 0

unfiltered := (raw - {f | some [f, _] in matches}) | unused_waivers if count(input.waivers) > 0

# --severity (input.options.severities) reports only findings of those
# severities: the others are neither violations nor warnings. Scanner
# health is never filtered: a filter must not hide that the gate is blind.
default severity_filter := set()

severity_filter := {s | some s in input.options.severities}

active := unfiltered if count(severity_filter) == 0

active := {f |
	some f in unfiltered
	reported(f)
} if count(severity_filter) > 0

reported(f) if f.severity in severity_filter

reported(f) if f.area == "scanners"

# Denies at or above the fail-on severity count against that severity's
# budget; over budget, every one of them fails the gate.
failing_rank := lib.severity_rank[settings.fail_on]

# A previous run's findings (--baseline) are data.relgate.baseline. A deny
# already in it is known: it is reported as a warning and does not fail the
# gate, so a gate can be adopted on a codebase with findings and fail only
# on new ones.
default baseline := []

baseline := data.relgate.baseline

baseline_keys contains [b.rule, b.fingerprint] if some b in baseline

# A set lookup by fingerprint first: one cheap expression per finding not
# in the baseline. (`x in set`, not `set[x]`: the whole set is computed once;
# set[x] would evaluate the rule again for every x.)
baseline_fingerprints contains b.fingerprint if some b in baseline

known contains f if {
	count(baseline_keys) > 0
	some f in changed
	f.fingerprint in baseline_fingerprints
	f.kind == "deny"
	[f.rule, f.fingerprint] in baseline_keys
}

judged := changed if count(known) == 0

judged := changed - known if count(known) > 0

known_warnings contains object.union(f, {"known": true, "message": msg}) if {
	some f in known
	msg := sprintf("%s (known: in the baseline)", [f.message])
}

failing_denies contains f if {
	some f in judged
	f.kind == "deny"
	lib.severity_rank[f.severity] <= failing_rank
}

failing_severities := {f.severity | some f in failing_denies}

# Without a budget, one failing deny is over it; only budgeted severities
# need counting.
over_budget contains sev if {
	some sev in failing_severities
	object.get(settings.budgets, sev, 0) == 0
}

over_budget contains sev if {
	some sev in failing_severities
	budget := object.get(settings.budgets, sev, 0)
	budget > 0
	count([1 | some f in failing_denies; f.severity == sev]) > budget
}

violations := failing_denies if failing_severities == over_budget

violations := {f | some f in failing_denies; f.severity in over_budget} if failing_severities != over_budget

warnings := ((judged - violations) | known_warnings) | pre_existing_warnings

# The score: each area is an objective, weighted. Built-in areas always
# count (a clean area is a passed objective); user areas count once they
# report something.
areas := {a | some a, _ in settings.score.weights} | {f.area | some f in raw}

failed_areas := {f.area | some f in violations}

warned_areas := {f.area | some f in warnings}

# Key objectives (settings.score.key, Keptn's key SLIs) fail on any deny
# in their area, even one the fail-on severity or a budget let through as
# a warning, and a failed key objective fails the gate whatever the score.
key_areas := {a | some a in object.get(settings.score, "key", [])}

denied_areas := {f.area | some f in warnings; f.kind == "deny"}

objective_result(a) := "fail" if {
	a in failed_areas
} else := "fail" if {
	a in key_areas
	a in denied_areas
} else := "warning" if {
	a in warned_areas
} else := "pass"

objective_value := {"pass": 1, "warning": 0.5, "fail": 0}

objectives := [o |
	some a in areas
	o := {
		"name": a,
		"result": objective_result(a),
		"weight": object.get(settings.score.weights, a, 1),
		"key": a in key_areas,
	}
]

total_weight := sum([o.weight | some o in objectives])

score := 100 if total_weight == 0

earned := sum([w |
	some o in objectives
	w := o.weight * objective_value[o.result]
])

score := round((1000 * earned) / total_weight) / 10 if total_weight > 0

# Any violation fails the gate whatever the score; without one, a score
# below the warn threshold fails it too, said as REL000 so that a failing
# decision always names its reason.
score_finding contains f if {
	count(violations) == 0
	score < settings.score.warn
	f := {
		"rule": "REL000",
		"title": "Release score below the environment's threshold",
		"severity": "high",
		"message": sprintf("score %v is below the %v needed in %s", [score, settings.score.warn, lib.environment]),
		"location": {"path": "", "start_line": 0, "end_line": 0},
		"fingerprint": crypto.sha256(sprintf("REL000|%s", [lib.environment])),
	}
}

key_finding contains f if {
	some a in (key_areas & denied_areas)
	not a in failed_areas
	n := count([1 | some w in warnings; w.area == a; w.kind == "deny"])
	f := {
		"rule": "KEY001",
		"title": "Key objective failed",
		"severity": "high",
		"message": sprintf("key objective %s failed: %d of its denies were let through as warnings, which a key objective does not allow", [a, n]),
		"location": {"path": "", "start_line": 0, "end_line": 0},
		"fingerprint": crypto.sha256(sprintf("KEY001|%s|%s", [lib.environment, a])),
	}
}

result := "fail" if {
	(count(violations) + count(score_finding)) + count(key_finding) > 0
} else := "warn" if {
	count(warnings) > 0
} else := "warn" if {
	score < settings.score.pass
} else := "pass"

# The decision's findings keep every key the rule gave them, plus kind and
# area, for policy authors; relgate's reports read the documented ones.
# METADATA
# description: The query relgate evaluates (engine.Query).
# entrypoint: true
decision := {
	"result": result,
	"score": score,
	"environment": lib.environment,
	"violations": ((violations | score_finding) | key_finding),
	"warnings": warnings,
	"waived": waived,
	"objectives": objectives,
}
