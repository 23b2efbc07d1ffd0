package relgate.lib_test

import data.relgate.lib

test_environment_defaults_to_production if {
	lib.environment == "production" with input as {"release": {}}
	lib.environment == "production" with input as {"release": {"environment": ""}}
	lib.environment == "staging" with input as {"release": {"environment": "staging"}}
}

test_settings_layers if {
	cfg := {
		"defaults": {"fail_on": "medium"},
		"environments": {"production": {"budgets": {"high": 2}}},
	}
	s := lib.settings with input as {"release": {"environment": "production"}} with data.relgate.config as cfg
	s.fail_on == "medium"
	s.budgets == {"high": 2}
	s.scanner_errors == "deny"
	s.release.require_semver == true
}

test_settings_environment_overrides_defaults if {
	cfg := {"defaults": {"fail_on": "low"}, "environments": {"dev": {"fail_on": "critical"}}}
	s := lib.settings with input as {"release": {"environment": "dev"}} with data.relgate.config as cfg
	s.fail_on == "critical"
}

test_finding_from_metadata if {
	md := {"title": "T", "custom": {"id": "X001", "severity": "low"}}
	f := lib.finding(md, {"msg": "m"})
	f == {"rule": "X001", "title": "T", "severity": "low", "msg": "m"}
}

test_at_least if {
	lib.at_least("critical", "high")
	lib.at_least("high", "high")
	not lib.at_least("medium", "high")
}

test_glob_any if {
	lib.glob_any(["release/**"], "release/1.2/x")
	not lib.glob_any(["release/*"], "release/1.2/x")
	not lib.glob_any([], "main")
}

test_waiver_expiry if {
	now := {"release": {"time": "2026-06-01T00:00:00Z"}}
	lib.waiver_expired({"expires": "2026-05-31"}) with input as now
	not lib.waiver_expired({"expires": "2026-06-01"}) with input as now
	lib.waiver_expired({"expires": "2026-05-31T23:00:00Z"}) with input as now
	lib.waiver_expired({"expires": "not a date"}) with input as now
}
