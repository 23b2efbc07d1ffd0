package relgate.rules.scanners_test

import data.relgate.rules.scanners

failed_input(env) := {
	"release": {"environment": env},
	"scanners": [{"name": "secrets", "status": "error", "error": "git not found"}, {"name": "release", "status": "ok"}],
}

scn001(set) := [v | some v in set; v.rule == "SCN001"]

test_scanner_error_denies_in_production if {
	[v] := scn001(scanners.deny) with input as failed_input("production")
	contains(v.msg, "secrets")
	count(scn001(scanners.warn)) == 0 with input as failed_input("production")
}

test_scanner_error_warns_elsewhere if {
	count(scn001(scanners.deny)) == 0 with input as failed_input("staging")
	[v] := [v | some v in scanners.warn; v.rule == "SCN001"] with input as failed_input("staging")
	contains(v.msg, "secrets")
}

test_scanner_errors_can_be_ignored if {
	cfg := {"environments": {"production": {"scanner_errors": "ignore"}}}
	count(scn001(scanners.deny)) == 0 with input as failed_input("production") with data.relgate.config as cfg
	count(scn001(scanners.warn)) == 0 with input as failed_input("production") with data.relgate.config as cfg
}

# complete is a production input with every piece of required evidence:
# each scanner ran, or was skipped because its area does not apply.
complete := {
	"release": {"environment": "production", "commit": "0123456789abcdef"},
	"approvals": {"sources": ["change-record"], "reviews": [], "required": 1, "location": {"path": "change.yaml"}},
	"scanners": [
		{"name": "release", "status": "ok"},
		{"name": "secrets", "status": "ok", "stats": {"rules": 222}},
		{"name": "migrations", "status": "skipped", "reason": "no migrations found"},
		{"name": "deps", "status": "skipped", "reason": "no lockfiles found"},
		{"name": "containers", "status": "skipped", "reason": "no images configured"},
		{"name": "iac", "status": "ok"},
		{"name": "tests", "status": "skipped", "reason": "no test reports configured"},
		{"name": "approvals", "status": "ok"},
		{"name": "slo", "status": "skipped", "reason": "no SLO objectives configured"},
	],
}

with_scanner(doc, name, run) := object.union(doc, {"scanners": [r |
	some s in doc.scanners
	r := replace_run(s, name, run)
]})

replace_run(s, name, run) := run if s.name == name

replace_run(s, name, _) := s if s.name != name

scn002(set) := {[v.id, v.msg] | some v in set; v.rule == "SCN002"}

test_healthy_scanners_pass if {
	count(scanners.deny) == 0 with input as complete
	count(scanners.warn) == 0 with input as complete
}

# The issue's case: no facts at all never passes production.
test_empty_input_misses_all_evidence_in_production if {
	ids := {v.id | some v in scanners.deny; v.rule == "SCN002"} with input as {"release": {"environment": "production"}}
	ids == {"release", "secrets", "migrations", "deps", "containers", "iac", "tests", "approvals", "slo"}
}

test_empty_input_misses_evidence_without_environment if {
	count(scanners.deny) == 9 with input as {}
}

test_missing_evidence_warns_elsewhere if {
	count(scanners.deny) == 0 with input as {"release": {"environment": "staging"}}
	count({v | some v in scanners.warn; v.rule == "SCN002"}) == 9 with input as {"release": {"environment": "staging"}}
}

test_not_a_git_repository_is_missing_release_evidence if {
	doc := with_scanner(complete, "release", {"name": "release", "status": "skipped", "reason": "not a git repository"})
	scn002(scanners.deny) == {["release", "production requires release evidence, which is missing: skipped: not a git repository"]} with input as doc
}

test_no_approval_facts_is_missing_in_production if {
	doc := with_scanner(
		object.remove(complete, ["approvals"]), "approvals",
		{"name": "approvals", "status": "skipped", "reason": "no change record or pull request configured"},
	)
	scn002(scanners.deny) == {["approvals", "production requires approvals evidence, which is missing: skipped: no change record or pull request configured"]} with input as doc
}

test_approvals_ok_without_facts_is_missing if {
	scn002(scanners.deny) == {["approvals", "production requires approvals evidence, which is missing: ran but no approval facts are in the input"]} with input as object.remove(complete, ["approvals"])
}

test_release_ok_without_commit_is_missing if {
	doc := object.union(complete, {"release": {"commit": ""}})
	scn002(scanners.deny) == {["release", "production requires release evidence, which is missing: ran but no release facts (commit) are in the input"]} with input as doc
}

test_approvals_lowered_explicitly_says_so if {
	doc := with_scanner(
		object.remove(complete, ["approvals"]), "approvals",
		{"name": "approvals", "status": "skipped", "reason": "no change record or pull request configured"},
	)
	cfg := {"environments": {"production": {"approvals": {"required": 0}}}}
	count(scanners.deny) == 0 with input as doc with data.relgate.config as cfg
	[v] := [v | some v in scanners.warn] with input as doc with data.relgate.config as cfg
	v.rule == "SCN003"
	v.severity == "info"
	contains(v.msg, "approvals.required to 0")
}

test_not_selected_is_missing if {
	doc := with_scanner(complete, "deps", {"name": "deps", "status": "skipped", "reason": "not selected"})
	scn002(scanners.deny) == {["deps", "production requires deps evidence, which is missing: skipped: not selected"]} with input as doc
}

test_skip_without_reason_is_missing if {
	doc := with_scanner(complete, "deps", {"name": "deps", "status": "skipped"})
	scn002(scanners.deny) == {["deps", "production requires deps evidence, which is missing: skipped: no reason given"]} with input as doc
}

# A .gitleaks.toml without rules makes an ok that checked nothing.
test_secrets_with_zero_rules_is_missing if {
	doc := with_scanner(complete, "secrets", {"name": "secrets", "status": "ok", "stats": {"rules": 0}})
	scn002(scanners.deny) == {["secrets", "production requires secrets evidence, which is missing: ran with zero rules"]} with input as doc
}

test_scanner_error_is_scn001_not_scn002 if {
	doc := with_scanner(complete, "deps", {"name": "deps", "status": "error", "error": "db missing"})
	scn002(scanners.deny) == set() with input as doc
	{v.rule | some v in scanners.deny} == {"SCN001"} with input as doc
}

test_evidence_requirements_are_configurable if {
	doc := with_scanner(complete, "deps", {"name": "deps", "status": "skipped", "reason": "not selected"})
	cfg := {"environments": {"production": {"evidence": {"scanners": ["release", "secrets"]}}}}
	count(scanners.deny) == 0 with input as doc with data.relgate.config as cfg
	cfg_ignore := {"environments": {"production": {"evidence": {"missing": "ignore"}}}}
	count(scanners.deny) == 0 with input as {} with data.relgate.config as cfg_ignore
}

# After a deploy (--stage verify) only the SLOs are judged: the slo scanner
# is the evidence required, and without it the gate is still blind.
test_verify_stage_requires_slo_evidence_only if {
	ok := {
		"release": {"environment": "production", "stage": "verify"},
		"scanners": [{"name": "slo", "status": "ok"}],
	}
	count({v | some v in scanners.deny; v.rule == "SCN002"}) == 0 with input as ok
	blind := {"release": {"environment": "production", "stage": "verify"}, "scanners": []}
	{v.id | some v in scanners.deny; v.rule == "SCN002"} == {"slo"} with input as blind
}
