# Pins the approvals rules' edges: pull request number 1 is a pull
# request, and a change from GitHub with no pull request number at all is
# unreviewed and named by its commit.
package relgate.rules.approvals_boundaries_test

import data.relgate.rules.approvals

change(fields) := {
	"release": {"environment": "production", "branch": "main", "time": "2026-11-20T12:00:00Z"},
	"approvals": object.union(
		{
			"sources": ["github"],
			"repository": "acme/shop",
			"commit": "9f1c2ab7e3d0c4b5a6f7e8d9c0b1a2f3e4d5c6b7",
			"reviews": [],
			"required": 0,
			"location": {"path": ""},
		},
		fields,
	),
}

test_first_pull_request_is_a_pull_request if {
	approvals.what == "pull request acme/shop#1" with input as change({"pull_request": 1})
	not approvals.unreviewed with input as change({"pull_request": 1})
}

test_no_pull_request_number_is_a_push if {
	approvals.what == "commit 9f1c2ab7e3d0" with input as change({})
	approvals.unreviewed with input as change({})
	[d] := [d | some d in approvals.deny; d.rule == "APR001"] with input as change({})
	contains(d.msg, "commit 9f1c2ab7e3d0 was pushed without a pull request")
}
