# METADATA
# title: Waiver governance
# description: |
#   A waiver accepts the findings of one rule, in one scope, for a time. These
#   rules keep the waiver file honest: a waiver must say why, expire, and for
#   severe rules name who approved it. relgate.main applies only the waivers
#   these rules do not reject (the rejected set) and have not expired, and
#   warns about those that match no finding (WVR003).
package relgate.rules.waivers

import data.relgate.lib

settings := lib.settings.waivers

# catalog holds every rule id the engine compiled with its most severe
# severity (data.relgate.catalog): a waiver names a rule id, and how strictly
# it is governed depends on that rule, even when no finding says it.
default catalog := {}

catalog := data.relgate.catalog

rule_severity(w) := catalog[w.rule].severity

expiry(w) := lib.date_ns(object.get(w, "expires", ""))

# incomplete waivers have no reason or no readable expiry. The waiver file
# loader refuses both; a hand-written input document may still carry them.
incomplete contains i if {
	some i, w in input.waivers
	trim_space(object.get(w, "reason", "")) == ""
}

incomplete contains i if {
	some i, w in input.waivers
	not expiry(w)
}

expired contains i if {
	some i, w in input.waivers
	expiry(w) <= lib.time_ns
}

unapproved contains i if {
	some i, w in input.waivers
	rule_severity(w) in settings.approver_required
	trim_space(object.get(w, "approver", "")) == ""
}

too_long contains i if {
	some i, w in input.waivers
	not i in expired
	expiry(w) - lib.time_ns > settings.max_days[rule_severity(w)] * lib.day_ns
}

# rejected waivers waive nothing: relgate.main leaves them out, with the
# expired ones.
rejected := (incomplete | unapproved) | too_long

# METADATA
# title: A waiver has expired
# description: |
#   The waiver's expiry date is at or before the release time. It waives
#   nothing any more: its findings count again, and the stale waiver is a
#   violation of its own until it is renewed or removed.
# custom:
#   id: WVR001
#   severity: high
#   remediation: |
#     Fix the waived finding and delete the waiver, or renew it: a new
#     expiry, a current reason and (for critical and high rules) an approver.
deny contains v if {
	md := rego.metadata.rule()
	some i in expired
	w := input.waivers[i]
	v := lib.finding(md, result(md, w, sprintf("%s expired on %s; its findings count again", [describe(w), w.expires])))
}

# METADATA
# title: A waiver of a severe rule has no approver
# description: |
#   The waiver names a rule whose severity (settings.waivers.approver_required,
#   by default critical and high) needs someone accountable to accept the
#   risk. Without an approver the waiver is rejected and waives nothing.
# custom:
#   id: WVR004
#   severity: high
#   remediation: |
#     Add approver: with the person who accepts the risk, after their review.
deny contains v if {
	md := rego.metadata.rule()
	some i in unapproved
	w := input.waivers[i]
	v := lib.finding(md, result(md, w, sprintf("%s has no approver, which a %s rule needs; it is rejected", [describe(w), rule_severity(w)])))
}

# METADATA
# title: A waiver runs longer than its severity allows
# description: |
#   The waiver expires further after the release than
#   settings.waivers.max_days allows for its rule's severity. A waiver is a
#   deadline, not a permanent exception, so an over-long one is rejected.
# custom:
#   id: WVR005
#   severity: high
#   remediation: |
#     Bring the expiry within the allowed number of days and renew the waiver
#     when it runs out, or fix the finding.
deny contains v if {
	md := rego.metadata.rule()
	some i in too_long
	w := input.waivers[i]
	max_days := settings.max_days[rule_severity(w)]
	msg := sprintf(
		"%s expires on %s, more than the %d days allowed for a %s rule; it is rejected",
		[describe(w), w.expires, max_days, rule_severity(w)],
	)
	v := lib.finding(md, result(md, w, msg))
}

# METADATA
# title: A waiver is incomplete
# description: |
#   The waiver has no reason or no readable expiry date, so it is rejected.
# custom:
#   id: WVR007
#   severity: high
#   remediation: |
#     Give the waiver a reason and an expiry date (YYYY-MM-DD or RFC 3339).
deny contains v if {
	md := rego.metadata.rule()
	some i in incomplete
	w := input.waivers[i]
	v := lib.finding(md, result(md, w, sprintf("%s needs a reason and an expiry date (YYYY-MM-DD); it is rejected", [describe(w)])))
}

# METADATA
# title: A waiver expires soon
# description: |
#   The waiver expires within settings.waivers.expiry_warning_days of the
#   release. When it does, its findings count again.
# custom:
#   id: WVR002
#   severity: low
#   remediation: |
#     Schedule the fix of the waived finding, or renew the waiver before it
#     expires.
warn contains v if {
	md := rego.metadata.rule()
	some i, w in input.waivers
	not i in expired
	not i in rejected
	left := expiry(w) - lib.time_ns
	left <= settings.expiry_warning_days * lib.day_ns
	days := ceil(left / lib.day_ns)
	v := lib.finding(md, result(md, w, sprintf("%s expires on %s, in %d day(s)", [describe(w), w.expires, days])))
}

# METADATA
# title: A waiver names an unknown rule
# description: |
#   No policy declares the rule id the waiver names, so it can waive only
#   results that carry that id without METADATA, which is most likely a typo
#   or a rule that was renamed or removed.
# custom:
#   id: WVR006
#   severity: medium
#   remediation: |
#     Correct the rule id (relgate policy doc lists them) or delete the waiver.
warn contains v if {
	count(catalog) > 0
	md := rego.metadata.rule()
	some w in input.waivers
	not catalog[w.rule]
	v := lib.finding(md, result(md, w, sprintf("%s names a rule no policy declares", [describe(w)])))
}

describe(w) := sprintf("waiver of %s for %s", [w.rule, scope_text(object.get(w, "scope", {}))]) if {
	count(object.get(w, "scope", {})) > 0
} else := sprintf("waiver of %s", [w.rule])

scope_text(s) := concat(", ", [sprintf("%s %s", [k, v]) | some k, v in s; v != ""])

# result points at the waiver in its file; its fingerprint is the rule and
# scope it waives, so it survives edits elsewhere in the file.
result(md, w, msg) := {
	"msg": msg,
	"location": object.get(w, "location", {"path": "", "start_line": 0, "end_line": 0}),
	"fingerprint": crypto.sha256(sprintf("%s|%s|%s", [md.custom.id, w.rule, json.marshal(object.get(w, "scope", {}))])),
}
