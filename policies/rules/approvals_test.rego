package relgate.rules.approvals_test

import data.relgate.rules.approvals

rules(set) := {v.rule | some v in set}

review(user, state, at) := {"user": user, "state": state, "at": at, "commit_id": "head", "source": "github"}

good := {
	"release": {"environment": "production", "branch": "main", "time": "2026-11-20T12:00:00Z"},
	"approvals": {
		"sources": ["github"],
		"repository": "acme/shop",
		"pull_request": 42,
		"author": "dave",
		"head_branch": "feature/discounts",
		"head_sha": "head",
		"last_push_at": "2026-11-19T08:58:02Z",
		"reviews": [
			review("dave", "COMMENTED", "2026-11-19T09:00:00Z"),
			review("Alice", "APPROVED", "2026-11-19T10:00:00Z"),
		],
		"required": 0,
		"change_ticket": "CHG-1",
		"code_owners_file": ".github/CODEOWNERS",
		"code_owners": [
			{"path": "cart/a.go", "owners": ["@alice"], "line": 3},
			{"path": "pay/b.go", "owners": ["@acme/payments"], "line": 4},
			{"path": "x.txt", "owners": [], "line": 0},
		],
		"teams": {"@acme/payments": {"members": ["alice", "frank"]}},
		"location": {"path": ""},
	},
}

with_reviews(rs) := json.patch(good, [{"op": "replace", "path": "/approvals/reviews", "value": rs}])

test_approved_change_passes_in_production if {
	count(approvals.deny) == 0 with input as good
	count(approvals.warn) == 0 with input as good
}

test_no_approval_denied_in_production if {
	inp := with_reviews([review("carol", "COMMENTED", "2026-11-19T10:00:00Z")])
	[d] := [d | some d in approvals.deny; d.rule == "APR001"] with input as inp
	contains(d.msg, "pull request acme/shop#42 has 0 valid approvals (none), production needs 1")
}

test_dev_needs_no_approval if {
	inp := json.patch(with_reviews([]), [{"op": "replace", "path": "/release/environment", "value": "dev"}])
	count(approvals.deny) == 0 with input as inp
	count(approvals.warn) == 0 with input as inp
}

test_required_configurable if {
	cfg := {"environments": {"production": {"approvals": {"required": 2}}}}
	"APR001" in rules(approvals.deny) with input as good with data.relgate.config as cfg
	two := with_reviews([review("alice", "APPROVED", "2026-11-19T10:00:00Z"), review("frank", "APPROVED", "2026-11-19T11:00:00Z")])
	not "APR001" in rules(approvals.deny) with input as two with data.relgate.config as cfg
}

test_branch_protection_count_is_a_floor if {
	inp := json.patch(good, [{"op": "replace", "path": "/approvals/required", "value": 2}])
	"APR001" in rules(approvals.deny) with input as inp
}

test_push_without_pull_request_denied if {
	inp := json.patch(good, [
		{"op": "replace", "path": "/approvals/pull_request", "value": 0},
		{"op": "add", "path": "/approvals/commit", "value": "9f1c2ab7e3d0c4b5a6f7e8d9c0b1a2f3e4d5c6b7"},
		{"op": "replace", "path": "/approvals/reviews", "value": []},
	])
	[d] := [d | some d in approvals.deny; d.rule == "APR001"] with input as inp
	contains(d.msg, "commit 9f1c2ab7e3d0 was pushed without a pull request")
}

test_stale_approval_does_not_count if {
	old := object.union(review("alice", "APPROVED", "2026-11-18T15:00:00Z"), {"commit_id": "older"})
	inp := with_reviews([old])
	"APR001" in rules(approvals.deny) with input as inp
	[w] := [w | some w in approvals.warn] with input as inp
	w.rule == "APR003"
	contains(w.msg, "alice approved pull request acme/shop#42 before its last push")
	[d] := [d | some d in approvals.deny; d.rule == "APR001"] with input as inp
	contains(d.msg, "not counted: alice (given before the last push)")
}

test_stale_by_time_without_commit_ids if {
	rec := {"user": "bob", "state": "APPROVED", "at": "2026-11-19T08:00:00Z", "source": "change-record"}
	inp := with_reviews([rec])
	"APR003" in rules(approvals.warn) with input as inp
	fresh := with_reviews([object.union(rec, {"at": "2026-11-19T09:00:00Z"})])
	not "APR003" in rules(approvals.warn) with input as fresh
	not "APR001" in rules(approvals.deny) with input as fresh
}

test_stale_extra_approval_only_warns if {
	old := object.union(review("carol", "APPROVED", "2026-11-18T15:00:00Z"), {"commit_id": "older"})
	inp := with_reviews(array.concat(good.approvals.reviews, [old]))
	not "APR001" in rules(approvals.deny) with input as inp
	"APR003" in rules(approvals.warn) with input as inp
}

test_self_approval_denied if {
	inp := json.patch(good, [
		{"op": "replace", "path": "/approvals/sources", "value": ["change-record"]},
		{"op": "replace", "path": "/approvals/reviews", "value": [{"user": "Dave", "state": "APPROVED", "at": "2026-11-19T10:00:00Z", "source": "change-record"}]},
		{"op": "add", "path": "/approvals/rollback_plan", "value": "https://wiki/rollback"},
	])
	ds := rules(approvals.deny) with input as inp
	"APR002" in ds
	"APR001" in ds
	not "APR002" in rules(approvals.deny) with input as good
}

test_missing_ticket_denied_in_production if {
	inp := json.remove(good, ["/approvals/change_ticket"])
	[d] := [d | some d in approvals.deny] with input as inp
	d.rule == "APR004"
	contains(d.msg, "no change ticket")
	cfg := {"environments": {"production": {"approvals": {"require_ticket": false}}}}
	count(approvals.deny) == 0 with input as inp with data.relgate.config as cfg
}

test_code_owner_not_approving_denied if {
	inp := with_reviews([review("frank", "APPROVED", "2026-11-19T10:00:00Z")])
	[d] := [d | some d in approvals.deny] with input as inp
	d.rule == "APR005"
	d.location == {"path": ".github/CODEOWNERS", "start_line": 3, "end_line": 3}
	contains(d.msg, "changes cart/a.go, owned by @alice, and no owner approved")
}

test_code_owner_team_member_approves if {
	# frank approves pay/b.go through @acme/payments; alice's file is then the only one left.
	inp := with_reviews([review("frank", "APPROVED", "2026-11-19T10:00:00Z")])
	lines := {d.location.start_line | some d in approvals.deny; d.rule == "APR005"} with input as inp
	lines == {3}
}

test_unreadable_team_is_named if {
	inp := json.patch(good, [
		{"op": "replace", "path": "/approvals/teams", "value": {"@acme/payments": {"members": [], "error": "not readable"}}},
	])
	[d] := [d | some d in approvals.deny] with input as inp
	d.rule == "APR005"
	contains(d.msg, "team membership not readable: @acme/payments")
}

test_code_owners_configurable if {
	inp := with_reviews([review("frank", "APPROVED", "2026-11-19T10:00:00Z")])
	cfg := {"defaults": {"approvals": {"require_code_owners": false}}}
	count(approvals.deny) == 0 with input as inp with data.relgate.config as cfg
}

test_hotfix_releases_with_fewer_and_warns if {
	inp := json.patch(with_reviews([]), [{"op": "replace", "path": "/release/branch", "value": "hotfix/1.4.1"}])
	not "APR001" in rules(approvals.deny) with input as inp
	[w] := [w | some w in approvals.warn] with input as inp
	w.rule == "APR006"
	contains(w.msg, "released with 0 of the 1 approvals production normally needs")
	not "APR006" in rules(approvals.warn) with input as good
}

test_hotfix_required_configurable if {
	inp := json.patch(with_reviews([]), [{"op": "replace", "path": "/approvals/head_branch", "value": "hotfix/pay"}])
	cfg := {"defaults": {"approvals": {"hotfix_required": 1}}}
	"APR001" in rules(approvals.deny) with input as inp with data.relgate.config as cfg
}

test_changes_requested_denied_until_approved if {
	inp := with_reviews(array.concat(good.approvals.reviews, [review("bob", "CHANGES_REQUESTED", "2026-11-19T11:00:00Z")]))
	[d] := [d | some d in approvals.deny] with input as inp
	d.rule == "APR007"
	contains(d.msg, "bob requested changes")
	later := with_reviews(array.concat(good.approvals.reviews, [
		review("bob", "CHANGES_REQUESTED", "2026-11-19T11:00:00Z"),
		review("bob", "COMMENTED", "2026-11-19T11:30:00Z"),
		review("Bob", "APPROVED", "2026-11-19T12:00:00Z"),
	]))
	count(approvals.deny) == 0 with input as later
}

test_dismissed_approval_does_not_count if {
	inp := with_reviews([review("alice", "APPROVED", "2026-11-19T10:00:00Z"), review("alice", "DISMISSED", "2026-11-19T11:00:00Z")])
	"APR001" in rules(approvals.deny) with input as inp
}

test_missing_facts_by_setting if {
	bare := {"release": {"environment": "production"}}
	count(approvals.deny) == 0 with input as bare
	count(approvals.warn) == 0 with input as bare
	deny_cfg := {"defaults": {"approvals": {"missing": "deny"}}}
	rules(approvals.deny) == {"APR008"} with input as bare with data.relgate.config as deny_cfg
	warn_cfg := {"defaults": {"approvals": {"missing": "warn"}}}
	rules(approvals.warn) == {"APR008"} with input as bare with data.relgate.config as warn_cfg
	count(approvals.deny) == 0 with input as good with data.relgate.config as deny_cfg
}

test_change_record_needs_rollback_plan if {
	rec := json.patch(good, [{"op": "replace", "path": "/approvals/sources", "value": ["change-record", "github"]}])
	[d] := [d | some d in approvals.deny] with input as rec
	d.rule == "APR009"
	with_plan := json.patch(rec, [{"op": "add", "path": "/approvals/rollback_plan", "value": "https://wiki/rollback"}])
	count(approvals.deny) == 0 with input as with_plan
	staging := json.patch(rec, [{"op": "replace", "path": "/release/environment", "value": "staging"}])
	count(approvals.deny) == 0 with input as staging
}

test_branch_protection_ignored_where_nothing_is_required if {
	inp := json.patch(with_reviews([]), [
		{"op": "replace", "path": "/approvals/required", "value": 2},
		{"op": "replace", "path": "/release/environment", "value": "staging"},
	])
	count(approvals.deny) == 0 with input as inp
}
