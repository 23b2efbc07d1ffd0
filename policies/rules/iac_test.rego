package relgate.rules.iac_test

import data.relgate.rules.iac

misconf(sev) := {
	"id": "KSV-0017",
	"title": "Privileged container",
	"severity": sev,
	"message": "Container 'app' should set 'securityContext.privileged' to false",
	"resource": "Deployment/app",
	"type": "kubernetes",
	"location": {"path": "deploy/app.yaml", "start_line": 12, "end_line": 30},
}

inp(env, ms) := {"release": {"environment": env}, "misconfigurations": ms}

rules(set) := {v.rule | some v in set}

test_no_misconfigurations_pass if {
	count(iac.deny) == 0 with input as inp("production", [])
	count(iac.warn) == 0 with input as inp("production", [])
}

test_high_denied_in_production if {
	[v] := [v | some v in iac.deny] with input as inp("production", [misconf("high")])
	v.rule == "IAC001"
	v.severity == "high"
	v.id == "KSV-0017"
	v.location == {"path": "deploy/app.yaml", "start_line": 12, "end_line": 30}
	contains(v.msg, "Deployment/app")
}

test_critical_denied_with_its_severity if {
	[v] := [v | some v in iac.deny] with input as inp("production", [misconf("critical")])
	v.rule == "IAC001"
	v.severity == "critical"
}

test_medium_warns_in_production if {
	count(iac.deny) == 0 with input as inp("production", [misconf("medium")])
	[v] := [v | some v in iac.warn] with input as inp("production", [misconf("medium")])
	v.rule == "IAC002"
	v.severity == "medium"
}

test_high_warns_outside_production if {
	count(iac.deny) == 0 with input as inp("staging", [misconf("high")])
	"IAC002" in rules(iac.warn) with input as inp("staging", [misconf("high")])
}

test_deny_severity_configurable if {
	cfg := {"environments": {"staging": {"iac": {"deny_severity": "medium"}}}}
	"IAC001" in rules(iac.deny) with input as inp("staging", [misconf("medium")]) with data.relgate.config as cfg
	count(iac.deny) == 0 with input as inp("staging", [misconf("low")]) with data.relgate.config as cfg
	rules(iac.warn) == {"IAC002"} with input as inp("staging", [misconf("low")]) with data.relgate.config as cfg
}

test_unknown_severity_counts_as_medium if {
	[v] := [v | some v in iac.warn] with input as inp("production", [misconf("unknown")])
	v.rule == "IAC002"
	v.severity == "medium"
}

test_parse_error_warns if {
	broken := {
		"id": "", "title": "File could not be parsed", "severity": "unknown", "type": "yaml",
		"error": "did not find expected key", "location": {"path": "deploy/broken.yaml", "start_line": 4, "end_line": 4},
	}
	count(iac.deny) == 0 with input as inp("production", [broken])
	[v] := [v | some v in iac.warn] with input as inp("production", [broken])
	v.rule == "IAC003"
	v.location.path == "deploy/broken.yaml"
	contains(v.msg, "did not find expected key")
}
