# Pins the severity order every fail_on, floor and budget relies on: each
# severity is at least itself and every one below it, and never at least
# one above it (a tie between two would let the lower one fail a gate).
package relgate.lib.severity_order_test

import data.relgate.lib

order := ["critical", "high", "medium", "low", "info"]

test_each_severity_is_at_least_itself_and_those_below if {
	every i, sev in order {
		every j, other in order {
			at_least_iff(sev, other, i <= j)
		}
	}
}

test_unknown_severity_is_never_at_least_anything if {
	not lib.at_least("severe", "info")
	not lib.at_least("info", "severe")
}

at_least_iff(sev, other, true) if lib.at_least(sev, other)

at_least_iff(sev, other, false) if not lib.at_least(sev, other)
