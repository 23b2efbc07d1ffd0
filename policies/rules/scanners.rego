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
