# METADATA
# title: Scanner health
# description: |
#   A scanner that could not do its job leaves the gate blind in its area.
#   That is a fact the gate must judge, never a silent pass: it fails closed
#   in production and warns elsewhere (settings.scanner_errors).
package relgate.rules.scanners

import data.relgate.lib

failed contains s if {
	some s in input.scanners
	s.status == "error"
}

# METADATA
# title: A scanner failed
# description: |
#   A scanner reported an error, so its facts are missing or partial and the
#   gate cannot vouch for its area.
# custom:
#   id: SCN001
#   severity: high
#   remediation: |
#     Read the scanner's error in the report, fix its cause (a missing
#     database, an unreachable registry, a timeout) and run the gate again.
#     Only where the area truly does not apply, disable the scanner in
#     .relgate.yaml (scanners.enabled).
deny contains v if {
	lib.settings.scanner_errors == "deny"
	md := rego.metadata.rule()
	some s in failed
	v := lib.finding(md, result(s))
}

# METADATA
# title: A scanner failed
# description: |
#   A scanner reported an error outside an environment that fails closed.
# custom:
#   id: SCN001
#   severity: medium
#   remediation: |
#     Read the scanner's error in the report and fix its cause; in production
#     the same error fails the gate.
warn contains v if {
	lib.settings.scanner_errors == "warn"
	md := rego.metadata.rule()
	some s in failed
	v := lib.finding(md, result(s))
}

result(s) := {
	"msg": sprintf("scanner %s failed: %s", [s.name, s.error]),
	"fingerprint": crypto.sha256(sprintf("SCN001|%s", [s.name])),
	"id": s.name,
}

evidence := lib.settings.evidence

runs[s.name] := s if some s in object.get(input, "scanners", [])

# approvals_lowered: the config says explicitly that this environment needs
# no approvals, so approval evidence is not required (SCN003 says so).
approvals_lowered if object.get(lib.settings, ["approvals", "required"], null) == 0

required contains name if {
	not verify_stage
	some name in evidence.scanners
	not lowered(name)
}

# After a deploy (--stage verify) the gate judges the new version's SLOs
# alone: the pre-deploy evidence was judged before the deploy, so the slo
# scanner's is what is required.
required contains "slo" if verify_stage

verify_stage if input.release.stage == "verify"

lowered("approvals") if approvals_lowered

# missing holds [scanner, why] for each piece of required evidence that is
# absent (a set, not an object, so two gaps of one scanner never conflict).
missing contains [name, "it did not run"] if {
	some name in required
	not runs[name]
}

missing contains [name, sprintf("skipped: %s", [reason])] if {
	some name in required
	runs[name].status == "skipped"
	reason := object.get(runs[name], "reason", "no reason given")
	not reason in evidence.not_applicable
}

missing contains [name, sprintf("ran with zero %s", [concat(", ", zero)])] if {
	some name in required
	runs[name].status == "ok"
	zero := [stat |
		some stat in object.get(evidence, ["nonzero_stats", name], [])
		object.get(runs[name], ["stats", stat], null) == 0
	]
	count(zero) > 0
}

# The facts behind a scanner's ok: a release scanner that ran found a
# commit, an approvals scanner that ran produced approval facts.
missing contains ["release", "ran but no release facts (commit) are in the input"] if {
	"release" in required
	runs.release.status == "ok"
	object.get(input, ["release", "commit"], "") == ""
}

missing contains ["approvals", "ran but no approval facts are in the input"] if {
	"approvals" in required
	runs.approvals.status == "ok"
	not input.approvals
}

evidence_result(name, why) := {
	"msg": sprintf("%s requires %s evidence, which is missing: %s", [lib.environment, name, why]),
	"fingerprint": crypto.sha256(sprintf("SCN002|%s|%s", [name, why])),
	"id": name,
}

# METADATA
# title: Required evidence is missing
# description: |
#   The environment requires evidence (settings.evidence) that the input
#   does not bring: a scanner that did not run, was skipped for a reason
#   that does not make its area inapplicable, or ran with nothing to check
#   with. Absence of evidence is not a pass.
# custom:
#   id: SCN002
#   severity: high
#   remediation: |
#     Run the scanner named (for release facts: a git checkout with tags;
#     for approvals: --change-record or the GitHub source). Where the
#     evidence truly does not apply, remove it from
#     environments.<env>.evidence.scanners in .relgate.yaml.
deny contains v if {
	evidence.missing == "deny"
	md := rego.metadata.rule()
	some [name, why] in missing
	v := lib.finding(md, evidence_result(name, why))
}

# METADATA
# title: Required evidence is missing
# description: |
#   The environment's required evidence (settings.evidence) is incomplete,
#   outside an environment that fails closed.
# custom:
#   id: SCN002
#   severity: medium
#   remediation: |
#     Run the scanner named; in production the same gap fails the gate.
warn contains v if {
	evidence.missing == "warn"
	md := rego.metadata.rule()
	some [name, why] in missing
	v := lib.finding(md, evidence_result(name, why))
}

# METADATA
# title: Approval evidence lowered by the config
# description: |
#   The config sets approvals.required to 0 for this environment, so the
#   gate does not require approval evidence. The decision says so, so that
#   nobody reads the pass as approved.
# custom:
#   id: SCN003
#   severity: info
#   remediation: |
#     Nothing to do if no approvals are intended here; otherwise remove
#     approvals.required: 0 from .relgate.yaml.
warn contains v if {
	"approvals" in evidence.scanners
	evidence.missing != "ignore"
	approvals_lowered
	v := lib.finding(rego.metadata.rule(), {
		"msg": sprintf("%s does not require approval evidence: the config sets approvals.required to 0", [lib.environment]),
		"fingerprint": crypto.sha256(sprintf("SCN003|%s", [lib.environment])),
		"id": "approvals",
	})
}
