package relgate.rules.scanners_test

import data.relgate.rules.scanners

failed_input(env) := {
	"release": {"environment": env},
	"scanners": [{"name": "secrets", "status": "error", "error": "git not found"}, {"name": "release", "status": "ok"}],
}

test_scanner_error_denies_in_production if {
	[v] := [v | some v in scanners.deny] with input as failed_input("production")
	v.rule == "SCN001"
	contains(v.msg, "secrets")
	count(scanners.warn) == 0 with input as failed_input("production")
}

test_scanner_error_warns_elsewhere if {
	count(scanners.deny) == 0 with input as failed_input("staging")
	[v] := [v | some v in scanners.warn] with input as failed_input("staging")
	v.rule == "SCN001"
	contains(v.msg, "secrets")
}

test_scanner_errors_can_be_ignored if {
	cfg := {"environments": {"production": {"scanner_errors": "ignore"}}}
	count(scanners.deny) == 0 with input as failed_input("production") with data.relgate.config as cfg
	count(scanners.warn) == 0 with input as failed_input("production") with data.relgate.config as cfg
}

test_healthy_scanners_pass if {
	ok := {"release": {"environment": "production"}, "scanners": [{"name": "release", "status": "ok"}, {"name": "deps", "status": "skipped"}]}
	count(scanners.deny) == 0 with input as ok
	count(scanners.warn) == 0 with input as ok
}
