# METADATA
# title: Infrastructure-as-code rules
# description: |
#   Failed misconfiguration checks (trivy's checks over Dockerfiles,
#   Kubernetes manifests, Helm charts, Terraform and CloudFormation). A
#   failed check at or above settings.iac.deny_severity denies (in
#   production: high and critical); every other failed check warns, with
#   the check's own severity. A file that could not be parsed warns: no
#   check ran on it.
# custom:
#   reads:
#     - misconfigurations
package relgate.rules.iac

import data.relgate.lib

default_rules := {"deny_severity": "high"} if lib.is_production

# "none" denies nothing: failed checks only warn.
default_rules := {"deny_severity": "none"} if not lib.is_production

rules := object.union(default_rules, object.get(lib.settings, "iac", {}))

# An array, not a set: a set of whole findings hashes each one again.
failed := [m |
	some m in input.misconfigurations
	object.get(m, "error", "") == ""
]

# check_severity is the check's severity; one the gate does not know counts
# as medium rather than dropping out of the decision.
check_severity(m) := object.get(known_severity, m.severity, "medium")

known_severity := {s: s | some s, _ in lib.severity_rank}

# deny_rank is undefined for "none": nothing denies.
deny_rank := lib.severity_rank[rules.deny_severity]

denied(m) if lib.severity_rank[check_severity(m)] <= deny_rank

result(m) := {
	"msg": sprintf("%s: %s (%s)%s", [m.id, m.title, object.get(m, "message", ""), resource_text(m)]),
	"severity": check_severity(m),
	"location": m.location,
	"fingerprint": crypto.sha256(sprintf("IAC|%s|%s|%s|%s", [m.id, m.location.path, object.get(m, "resource", ""), object.get(m, "message", "")])),
	"id": m.id,
	# PR mode (relgate.main): a file the change did not touch is pre-existing.
	"in_change": object.get(m, "in_change", true),
}

resource_text(m) := sprintf(" in %s", [m.resource]) if object.get(m, "resource", "") != ""

resource_text(m) := "" if object.get(m, "resource", "") == ""

# METADATA
# title: Infrastructure-as-code check failed
# description: |
#   A misconfiguration check at or above the environment's deny severity
#   failed: the configuration weakens the deployed system's security (for
#   example a privileged container, a public bucket, an open security
#   group). The finding carries the check's own severity.
# custom:
#   id: IAC001
#   severity: high
#   remediation: |
#     Fix the configuration as the check's resolution says, or, where the
#     risk is accepted, add a waiver for the check id with a reason and an
#     expiry.
# related_resources:
#   - ref: https://avd.aquasec.com/misconfig/
deny contains v if {
	some m in failed
	denied(m)
	v := lib.finding(rego.metadata.rule(), result(m))
}

# METADATA
# title: Infrastructure-as-code check failed
# description: |
#   A misconfiguration check below the environment's deny severity failed.
# custom:
#   id: IAC002
#   severity: medium
#   remediation: |
#     Fix the configuration as the check's resolution says.
# related_resources:
#   - ref: https://avd.aquasec.com/misconfig/
warn contains v if {
	some m in failed
	not denied(m)
	v := lib.finding(rego.metadata.rule(), result(m))
}

# METADATA
# title: Infrastructure-as-code file could not be parsed
# description: |
#   A Terraform or YAML file is not valid, so no misconfiguration check ran
#   on it: whatever it configures is unchecked, and a tool that applies it
#   will likely fail too.
# custom:
#   id: IAC003
#   severity: medium
#   remediation: |
#     Fix the syntax error at the reported line (for example run
#     `terraform validate` or a YAML linter), then rerun the gate.
warn contains v if {
	some m in input.misconfigurations
	object.get(m, "error", "") != ""
	v := lib.finding(rego.metadata.rule(), {
		"msg": sprintf("%s could not be parsed, so no check ran on it: %s", [m.location.path, m.error]),
		"location": m.location,
		"fingerprint": crypto.sha256(sprintf("IAC003|%s", [m.location.path])),
	})
}
