package relgate.lib_test

import data.relgate.lib

package_block := {"scope": "package", "title": "P", "custom": {"id": "P001", "severity": "high", "remediation": "r"}}

test_finding_from_package_scope_chain if {
	chain := [{"path": ["relgate", "rules", "p", "deny"]}, {"path": ["relgate", "rules", "p"], "annotations": package_block}]
	f := lib.finding(chain, {"msg": "m"})
	f == {"rule": "P001", "title": "P", "severity": "high", "msg": "m"}
}

test_finding_from_chain_rule_block_wins if {
	rule_block := {"scope": "rule", "title": "R", "custom": {"severity": "low"}}
	chain := [
		{"path": ["relgate", "rules", "p", "warn"], "annotations": rule_block},
		{"path": ["relgate", "rules", "p"], "annotations": package_block},
	]
	f := lib.finding(chain, {"msg": "m"})
	f == {"rule": "P001", "title": "R", "severity": "low", "msg": "m"}
}

test_finding_from_chain_without_id_is_undefined if {
	not lib.finding([{"path": ["relgate", "rules", "p", "deny"]}], {"msg": "m"})
}
