package relgate.defaults_test

import data.relgate.defaults
import data.relgate.lib

test_fail_on_values_are_severities if {
	lib.severity_rank[defaults.base.fail_on]
	every _, env in defaults.environments {
		lib.severity_rank[object.get(env, "fail_on", defaults.base.fail_on)] >= 0
	}
}

test_production_fails_closed if {
	defaults.environments.production.scanner_errors == "deny"
}

test_score_thresholds_ordered if {
	defaults.base.score.warn < defaults.base.score.pass
	defaults.base.score.pass <= 100
}
