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

rules(set) := {v.rule | some v in set}

change_in(env, fields) := json.patch(change(fields), [{"op": "replace", "path": "/release/environment", "value": env}])

approval(user, at) := {"user": user, "state": "APPROVED", "at": at, "source": "change-record"}

# An approval given in the very second of the last push is not before it.
test_approval_at_the_push_counts if {
	inp := change({"pull_request": 7, "last_push_at": "2026-11-19T09:00:00Z", "reviews": [approval("alice", "2026-11-19T09:00:00Z")]})
	approvals.valid == {"alice"} with input as inp
	not "APR001" in rules(approvals.deny) with input as inp
	not "APR003" in rules(approvals.warn) with input as inp
}

# Where both the head and the review's commit are known, they alone
# decide (a clock may lag); without the head, the push time does.
test_commits_decide_over_push_time if {
	early := object.union(approval("alice", "2026-11-19T08:00:00Z"), {"commit_id": "head"})
	known := change({"pull_request": 7, "head_sha": "head", "last_push_at": "2026-11-19T09:00:00Z", "reviews": [early]})
	approvals.valid == {"alice"} with input as known
	not "APR003" in rules(approvals.warn) with input as known
	unknown := change({"pull_request": 7, "last_push_at": "2026-11-19T09:00:00Z", "reviews": [early]})
	approvals.stale_approvals == {"alice"} with input as unknown
	"APR003" in rules(approvals.warn) with input as unknown
}

test_change_named_by_its_ticket_without_pull_request_or_commit if {
	approvals.what == "change CHG-7" with input as json.remove(change({"change_ticket": "CHG-7"}), ["/approvals/commit"])
	approvals.what == "the change" with input as json.remove(change({}), ["/approvals/commit"])
}

# Nothing stale, no unreadable team: the messages carry no empty notes.
test_messages_without_empty_notes if {
	[d] := [d | some d in approvals.deny; d.rule == "APR001"] with input as change({"pull_request": 7})
	d.msg == "pull request acme/shop#7 has 0 valid approvals (none), production needs 1"

	six := [{"path": sprintf("cart/%d.go", [i]), "owners": ["@alice"], "line": 3} | some i in numbers.range(1, 6)]
	owned := change({"pull_request": 7, "code_owners_file": ".github/CODEOWNERS", "code_owners": six})
	[o] := [o | some o in approvals.deny; o.rule == "APR005"] with input as owned

	# At most five files are named.
	o.msg == "pull request acme/shop#7 changes cart/1.go, cart/2.go, cart/3.go, cart/4.go, cart/5.go, owned by @alice, and no owner approved"
}

# Where no approval is required (staging by default), the rules about
# approvals say nothing, even with code owners required there.
test_approval_rules_only_where_approvals_are_required if {
	fields := {
		"pull_request": 7, "author": "dave", "head_sha": "head",
		"reviews": [
			approval("dave", "2026-11-19T10:00:00Z"),
			object.union(approval("carol", "2026-11-19T10:00:00Z"), {"commit_id": "older"}),
			{"user": "bob", "state": "CHANGES_REQUESTED", "at": "2026-11-19T11:00:00Z", "source": "github"},
		],
		"code_owners_file": ".github/CODEOWNERS",
		"code_owners": [{"path": "cart/a.go", "owners": ["@erin"], "line": 3}],
	}
	cfg := {"defaults": {"approvals": {"require_code_owners": true}}}
	staging := change_in("staging", fields)
	count({"APR001", "APR002", "APR005", "APR007"} & rules(approvals.deny)) == 0 with input as staging with data.relgate.config as cfg
	not "APR003" in rules(approvals.warn) with input as staging with data.relgate.config as cfg
	production := change_in("production", fields)
	{"APR001", "APR002", "APR005", "APR007"} - rules(approvals.deny) == set() with input as production
	"APR003" in rules(approvals.warn) with input as production
}

# A hotfix with as many approvals as normally needed owes none after the fact.
test_hotfix_with_enough_approvals_does_not_warn if {
	hotfix := json.patch(change({"pull_request": 7, "reviews": [approval("alice", "2026-11-19T10:00:00Z")]}), [{"op": "replace", "path": "/release/branch", "value": "hotfix/pay"}])
	not "APR006" in rules(approvals.warn) with input as hotfix
	none := json.patch(change({"pull_request": 7}), [{"op": "replace", "path": "/release/branch", "value": "hotfix/pay"}])
	"APR006" in rules(approvals.warn) with input as none
}
