package relgate.rules.secrets_test

import data.relgate.rules.secrets

hash := "6b86b273ff34fce19d6b804eff5a3f5747ada4ea22f1d49c01e52ddb7875b4b8"

secret(where, commit) := {
	"rule_id": "aws-access-token",
	"description": "AWS access key",
	"location": {"path": "config/aws.env", "start_line": 2, "end_line": 2, "commit": commit},
	"author": "Dev",
	"date": "2024-01-02T03:04:05Z",
	"fingerprint": "config/aws.env:aws-access-token:2",
	"secret_hash": hash,
	"redacted": "AKIA****",
	"entropy": 3.6,
	"where": where,
}

doc(env, list) := {"release": {"environment": env}, "secrets": list}

test_secret_in_change_denies_critical if {
	[v] := [v | some v in secrets.deny] with input as doc("staging", [secret("change", "abc123def4567890")])
	v.rule == "SEC001"
	v.severity == "critical"
	v.location == {"path": "config/aws.env", "start_line": 2, "end_line": 2}
	v.id == hash
	contains(v.msg, "in the change, commit abc123def456 by Dev")
	contains(v.msg, "AKIA****")
}

test_secret_in_tree_denies_in_every_environment if {
	every env in ["production", "staging", "dev"] {
		[v.rule | some v in secrets.deny] == ["SEC001"] with input as doc(env, [secret("tree", "")])
	}
	[v] := [v | some v in secrets.deny] with input as doc("dev", [secret("tree", "")])
	v.rule == "SEC001"
	v.msg == "aws-access-token secret AKIA**** in the working tree"
}

test_history_secret_denies_in_production if {
	[v] := [v | some v in secrets.deny] with input as doc("production", [secret("history", "0123456789abcdef")])
	v.rule == "SEC002"
	v.severity == "high"
	count(secrets.warn) == 0 with input as doc("production", [secret("history", "0123456789abcdef")])
}

test_history_secret_warns_elsewhere if {
	count(secrets.deny) == 0 with input as doc("staging", [secret("history", "0123456789abcdef")])
	[v] := [v | some v in secrets.warn] with input as doc("staging", [secret("history", "0123456789abcdef")])
	v.rule == "SEC002"
	v.severity == "medium"
}

test_history_handling_is_configurable if {
	cfg := {"environments": {"production": {"secrets": {"in_history": "ignore"}}}, "defaults": {"secrets": {"in_history": "deny"}}}
	list := [secret("history", "0123456789abcdef")]
	count(secrets.deny) == 0 with input as doc("production", list) with data.relgate.config as cfg
	count(secrets.warn) == 0 with input as doc("production", list) with data.relgate.config as cfg
	[v.rule | some v in secrets.deny] == ["SEC002"] with input as doc("staging", list) with data.relgate.config as cfg
}

test_no_secrets_pass if {
	count(secrets.deny) == 0 with input as doc("production", [])
	count(secrets.warn) == 0 with input as doc("production", [])
}

test_fingerprint_follows_the_secret_not_the_line if {
	moved := object.union(secret("tree", ""), {"location": {"path": "config/aws.env", "start_line": 40, "end_line": 40}})
	[a] := [v.fingerprint | some v in secrets.deny] with input as doc("dev", [secret("tree", "")])
	[b] := [v.fingerprint | some v in secrets.deny] with input as doc("dev", [moved])
	a == b
}

test_path_only_finding_uses_gitleaks_fingerprint if {
	keyfile := object.union(secret("tree", ""), {"rule_id": "pkcs12-file", "secret_hash": "", "redacted": "", "fingerprint": "certs/a.p12:pkcs12-file:0"})
	[v] := [v | some v in secrets.deny] with input as doc("dev", [keyfile])
	v.rule == "SEC001"
	v.id == "certs/a.p12:pkcs12-file:0"
}

test_findings_never_carry_more_than_the_input_says if {
	[v] := [v | some v in secrets.deny] with input as doc("dev", [secret("change", "abc")])
	not contains(v.msg, hash)
}
