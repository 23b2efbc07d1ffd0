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

# raw holds every rule result, normalised. A conftest-style string result is
# accepted as the message.
raw contains f if {
	some area
	some v in data.relgate.rules[area].deny
	f := normalise(v, area, "deny")
}

raw contains f if {
	some area
	some v in data.relgate.rules[area].warn
	f := normalise(v, area, "warn")
}

normalise(v, area, kind) := f if {
	r := as_object(v)
	sev := lower(object.get(r, "severity", default_severity[kind]))
	loc := object.get(r, "location", {})
	f := {
		"rule": object.get(r, "rule", area),
		"title": object.get(r, "title", ""),
		"severity": object.get(severity_aliases, sev, default_severity[kind]),
		"message": object.get(r, "msg", object.get(r, "message", "")),
		"location": {
			"path": object.get(loc, "path", ""),
			"start_line": object.get(loc, "start_line", 0),
			"end_line": object.get(loc, "end_line", object.get(loc, "start_line", 0)),
		},
		"fingerprint": fingerprint(r, area),
		"kind": kind,
		"area": area,
		"match": {k: r[k] | some k in ["package", "id", "image"]; r[k]},
	}
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
# matches and it has not expired (expired waivers are WVR violations).
waived_by(f) := w if {
	some w in input.waivers
	w.rule == f.rule
	not lib.waiver_expired(w)
	scope_matches(object.get(w, "scope", {}), f)
}

scope_matches(s, f) if {
	object.get(s, "fingerprint", "") in {"", f.fingerprint}
	path_matches(object.get(s, "path", ""), f.location.path)
	object.get(s, "package", "") in {"", object.get(f.match, "package", "")}
	object.get(s, "id", "") in {"", object.get(f.match, "id", "")}
	object.get(s, "image", "") in {"", object.get(f.match, "image", "")}
}

path_matches("", _)

path_matches(p, path) if {
	p != ""
	glob.match(p, ["/"], path)
}

waived contains object.union(f, {"waiver": w}) if {
	some f in raw
	w := waived_by(f)
}

active contains f if {
	some f in raw
	not waived_by(f)
}

# Denies at or above the fail-on severity count against that severity's
# budget; over budget, every one of them fails the gate.
failing_denies contains f if {
	some f in active
	f.kind == "deny"
	lib.at_least(f.severity, settings.fail_on)
}

deny_count[sev] := count({f | some f in failing_denies; f.severity == sev}) if some sev, _ in lib.severity_rank

over_budget(sev) if deny_count[sev] > object.get(settings.budgets, sev, 0)

violations contains f if {
	some f in failing_denies
	over_budget(f.severity)
}

warnings contains f if {
	some f in active
	not f in violations
}

# The score: each area is an objective, weighted. Built-in areas always
# count (a clean area is a passed objective); user areas count once they
# report something.
areas := {a | some a, _ in settings.score.weights} | {f.area | some f in raw}

objective_result(a) := "fail" if {
	some f in violations
	f.area == a
} else := "warning" if {
	some f in warnings
	f.area == a
} else := "pass"

objective_value := {"pass": 1, "warning": 0.5, "fail": 0}

objectives := [o |
	some a in areas
	o := {
		"name": a,
		"result": objective_result(a),
		"weight": object.get(settings.score.weights, a, 1),
		"key": a in object.get(settings.score, "key", []),
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

result := "fail" if {
	count(violations) + count(score_finding) > 0
} else := "warn" if {
	count(warnings) > 0
} else := "warn" if {
	score < settings.score.pass
} else := "pass"

public(f) := object.remove(f, ["kind", "area", "match"])

decision := {
	"result": result,
	"score": score,
	"environment": lib.environment,
	"violations": array.concat([public(f) | some f in violations], [f | some f in score_finding]),
	"warnings": [public(f) | some f in warnings],
	"waived": [public(f) | some f in waived],
	"objectives": objectives,
}
