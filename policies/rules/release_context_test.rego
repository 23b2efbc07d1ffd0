package relgate.rules.release_context_test

import data.relgate.rules.release

rules(set) := {v.rule | some v in set}

commit(sha, subject, type, breaking) := {"sha": sha, "subject": subject, "type": type, "breaking": breaking}

rel(env, fields) := {"release": object.union(
	{
		"environment": env, "branch": "main", "tag": "v1.5.0", "version": "1.5.0", "previous_version": "1.4.0",
		"commit": "9f1c2ab7e3d0c4b5a6f7e8d9c0b1a2f3e4d5c6b7", "time": "2026-11-20T12:00:00Z",
		"commits": [commit("a1b2c3d4e5", "feat(cart): discounts", "feat", false)],
	},
	fields,
)}

test_consistent_release_passes if {
	ctx := {"REL010", "REL011", "REL012", "REL013", "REL014", "REL015"}
	count(rules(release.deny) & ctx) == 0 with input as rel("production", {})
	count(rules(release.warn) & ctx) == 0 with input as rel("production", {})
}

# ---- SemVer ----

test_breaking_change_needs_major if {
	inp := rel("production", {"commits": [commit("dead0beef1", "feat!: drop the v1 API", "feat", true)]})
	[d] := [d | some d in release.deny; d.rule == "REL010"] with input as inp
	d.msg == "version 1.5.0 is a minor bump from 1.4.0, but the commits since call for a major bump (dead0be feat!: drop the v1 API)"
	ok := rel("production", {"version": "2.0.0", "commits": [commit("dead0beef1", "feat!: drop the v1 API", "feat", true)]})
	not "REL010" in rules(release.deny) with input as ok
}

test_feature_needs_minor if {
	inp := rel("production", {"version": "1.4.1"})
	"REL010" in rules(release.deny) with input as inp
	fixes := rel("production", {"version": "1.4.1", "commits": [commit("f1", "fix: rounding", "fix", false)]})
	not "REL010" in rules(release.deny) with input as fixes
}

test_breaking_before_one_bumps_minor if {
	pre := rel("production", {"version": "0.5.0", "previous_version": "0.4.2", "commits": [commit("b1", "refactor!: rename", "refactor", true)]})
	not "REL010" in rules(release.deny) with input as pre
	patch := rel("production", {"version": "0.4.3", "previous_version": "0.4.2", "commits": [commit("b1", "refactor!: rename", "refactor", true)]})
	"REL010" in rules(release.deny) with input as patch
}

test_semver_bump_warns_outside_production if {
	inp := rel("staging", {"version": "1.4.1"})
	"REL010" in rules(release.warn) with input as inp
	not "REL010" in rules(release.deny) with input as inp
	cfg := {"defaults": {"release": {"semver_bump": "ignore"}}}
	not "REL010" in rules(release.warn) with input as inp with data.relgate.config as cfg
}

test_prerelease_compares_its_core if {
	inp := rel("production", {"version": "1.5.0-rc.1", "commits": [commit("a", "feat: x", "feat", false)]})
	not "REL010" in rules(release.deny) with input as inp
}

test_same_version_is_no_bump_to_judge if {
	# 1.4.0 again after 1.4.0 with a feat: REL010 judges only versions that
	# went up (a version that did not is another rule's business).
	inp := rel("production", {"version": "1.4.0"})
	not "REL010" in rules(release.deny) with input as inp
	not "REL010" in rules(release.warn) with input as inp
}

# ---- Freeze ----

freeze(windows) := {"environments": {"production": {"release": {"freeze": windows}}}}

year_end := {"name": "year-end", "start": "2026-12-20", "end": "2027-01-04", "time_zone": "Europe/Berlin"}

test_freeze_window_denies_inside if {
	inp := rel("production", {"time": "2026-12-24T14:00:00Z"})
	[d] := [d | some d in release.deny; d.rule == "REL011"] with input as inp with data.relgate.config as freeze([year_end])
	d.msg == "the production release at 2026-12-24T15:00 (Europe/Berlin) falls in the freeze window year-end (2026-12-20 to 2027-01-04)"
	d.id == "year-end"

	# One finding a window a (UTC) day: a waiver for it covers that day.
	d.fingerprint == crypto.sha256("REL011|production|year-end|2026-12-24")
}

test_freeze_window_edges_in_local_time if {
	cfg := freeze([year_end])

	# 23:30 UTC on the 19th is already the 20th in Berlin.
	"REL011" in rules(release.deny) with input as rel("production", {"time": "2026-12-19T23:30:00Z"}) with data.relgate.config as cfg
	not "REL011" in rules(release.deny) with input as rel("production", {"time": "2026-12-19T22:30:00Z"}) with data.relgate.config as cfg

	# The whole end day is frozen; the next is not.
	"REL011" in rules(release.deny) with input as rel("production", {"time": "2027-01-04T22:00:00Z"}) with data.relgate.config as cfg
	not "REL011" in rules(release.deny) with input as rel("production", {"time": "2027-01-04T23:30:00Z"}) with data.relgate.config as cfg
}

test_freeze_window_from_its_start_minute_to_before_a_timed_end if {
	cutover := {"name": "cutover", "start": "2026-12-20T18:00", "end": "2026-12-21T06:00", "time_zone": "Europe/Berlin"}
	cfg := freeze([cutover])

	# 17:00 UTC is 18:00 in Berlin: the start minute is frozen, the one before is not.
	"REL011" in rules(release.deny) with input as rel("production", {"time": "2026-12-20T17:00:00Z"}) with data.relgate.config as cfg
	not "REL011" in rules(release.deny) with input as rel("production", {"time": "2026-12-20T16:59:00Z"}) with data.relgate.config as cfg

	# A date-time end is exclusive: 06:00 in Berlin releases again.
	"REL011" in rules(release.deny) with input as rel("production", {"time": "2026-12-21T04:59:00Z"}) with data.relgate.config as cfg
	not "REL011" in rules(release.deny) with input as rel("production", {"time": "2026-12-21T05:00:00Z"}) with data.relgate.config as cfg

	# A whole-day start begins at local midnight.
	"REL011" in rules(release.deny) with input as rel("production", {"time": "2026-12-19T23:00:00Z"}) with data.relgate.config as freeze([year_end])
}

test_weekly_freeze if {
	friday := {"name": "friday-afternoon", "days": ["fri"], "from": "15:00", "to": "24:00", "time_zone": "America/New_York"}
	cfg := freeze([friday])

	# 2026-11-20 is a Friday: 20:30 UTC is 15:30 in New York.
	[d] := [d | some d in release.deny; d.rule == "REL011"] with input as rel("production", {"time": "2026-11-20T20:30:00Z"}) with data.relgate.config as cfg
	contains(d.msg, "friday-afternoon (fri 15:00-24:00)")
	not "REL011" in rules(release.deny) with input as rel("production", {"time": "2026-11-20T19:30:00Z"}) with data.relgate.config as cfg
	not "REL011" in rules(release.deny) with input as rel("production", {"time": "2026-11-19T20:30:00Z"}) with data.relgate.config as cfg
}

test_weekly_freeze_from_inclusive_to_exclusive if {
	friday := {"name": "friday-afternoon", "days": ["fri"], "from": "15:00", "to": "17:00", "time_zone": "America/New_York"}
	cfg := freeze([friday])

	# On Friday 2026-11-20, 20:00 UTC is 15:00 in New York and 22:00 UTC is 17:00.
	"REL011" in rules(release.deny) with input as rel("production", {"time": "2026-11-20T20:00:00Z"}) with data.relgate.config as cfg
	not "REL011" in rules(release.deny) with input as rel("production", {"time": "2026-11-20T19:59:00Z"}) with data.relgate.config as cfg
	"REL011" in rules(release.deny) with input as rel("production", {"time": "2026-11-20T21:59:00Z"}) with data.relgate.config as cfg
	not "REL011" in rules(release.deny) with input as rel("production", {"time": "2026-11-20T22:00:00Z"}) with data.relgate.config as cfg
}

# from == to is an empty window (from and to as written, neither all day
# nor overnight): it never freezes.
test_weekly_window_from_equal_to_is_empty if {
	empty := {"name": "empty", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "15:00", "to": "15:00"}
	cfg := freeze([empty])
	not "REL011" in rules(release.deny) with input as rel("production", {"time": "2026-11-20T14:00:00Z"}) with data.relgate.config as cfg
	not "REL011" in rules(release.deny) with input as rel("production", {"time": "2026-11-20T15:00:00Z"}) with data.relgate.config as cfg
	not "REL011" in rules(release.deny) with input as rel("production", {"time": "2026-11-20T16:00:00Z"}) with data.relgate.config as cfg
}

test_overnight_weekly_freeze if {
	nights := {"name": "nights", "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "from": "22:00", "to": "06:00"}
	cfg := freeze([nights])
	"REL011" in rules(release.deny) with input as rel("production", {"time": "2026-11-20T23:00:00Z"}) with data.relgate.config as cfg
	"REL011" in rules(release.deny) with input as rel("production", {"time": "2026-11-20T22:00:00Z"}) with data.relgate.config as cfg
	not "REL011" in rules(release.deny) with input as rel("production", {"time": "2026-11-20T21:59:00Z"}) with data.relgate.config as cfg
	"REL011" in rules(release.deny) with input as rel("production", {"time": "2026-11-20T05:59:00Z"}) with data.relgate.config as cfg
	not "REL011" in rules(release.deny) with input as rel("production", {"time": "2026-11-20T06:00:00Z"}) with data.relgate.config as cfg
}

test_freeze_allows_hotfix_branches if {
	w := object.union(year_end, {"allow_branches": ["hotfix/**"]})
	inp := rel("production", {"time": "2026-12-24T14:00:00Z", "branch": "hotfix/pay"})
	not "REL011" in rules(release.deny) with input as inp with data.relgate.config as freeze([w])
	"REL011" in rules(release.deny) with input as rel("production", {"time": "2026-12-24T14:00:00Z"}) with data.relgate.config as freeze([w])
}

test_freeze_only_where_configured if {
	not "REL011" in rules(release.deny) with input as rel("staging", {"time": "2026-12-24T14:00:00Z"}) with data.relgate.config as freeze([year_end])
}

# ---- Strategy ----

test_strategy_allowed_per_environment if {
	cfg := {"environments": {"production": {"release": {"strategies": ["canary", "blue-green"]}}}}
	[d] := [d | some d in release.deny; d.rule == "REL012"] with input as rel("production", {"strategy": "rolling"}) with data.relgate.config as cfg
	d.msg == "production allows canary or blue-green deployments; this release uses rolling"
	[e] := [e | some e in release.deny; e.rule == "REL012"] with input as rel("production", {}) with data.relgate.config as cfg
	contains(e.msg, "does not say its strategy")
	not "REL012" in rules(release.deny) with input as rel("production", {"strategy": "canary"}) with data.relgate.config as cfg
	not "REL012" in rules(release.deny) with input as rel("staging", {"strategy": "rolling"}) with data.relgate.config as cfg

	# A single allowed strategy is a restriction too.
	one := {"environments": {"production": {"release": {"strategies": ["canary"]}}}}
	"REL012" in rules(release.deny) with input as rel("production", {"strategy": "rolling"}) with data.relgate.config as one
	not "REL012" in rules(release.deny) with input as rel("production", {"strategy": "canary"}) with data.relgate.config as one
}

# ---- Promotion ----

promote := {"environments": {"production": {"release": {"promote_from": "staging"}}}}

artifact := {"name": "shop", "digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111"}

passed := {"file": "staging.json", "environment": "staging", "result": "pass", "commit": "9f1c2ab7e3d0c4b5a6f7e8d9c0b1a2f3e4d5c6b7", "artifacts": [artifact]}

problems(inp) := msgs if {
	msgs := [d.msg | some d in release.deny; d.rule == "REL013"] with input as inp with data.relgate.config as promote
}

test_promoted_artifact_passes if {
	inp := rel("production", {"artifacts": [artifact], "promotion": passed})
	count(problems(inp)) == 0
}

test_promotion_missing_or_wrong if {
	problems(rel("production", {})) == ["production releases must pass staging first: no decision of a staging gate was shown (pass --staging-decision with its json report)"]
	failed := object.union(passed, {"result": "fail"})
	problems(rel("production", {"artifacts": [artifact], "promotion": failed})) == ["production releases must pass staging first: the staging gate failed this release (staging.json)"]
	dev := object.union(passed, {"environment": "dev"})
	problems(rel("production", {"artifacts": [artifact], "promotion": dev})) == ["production releases must pass staging first: the decision shown (staging.json) is of dev, not staging"]
}

test_promotion_of_another_artifact_denied if {
	other := {"name": "shop", "digest": "sha256:2222222222222222222222222222222222222222222222222222222222222222"}
	[m] := problems(rel("production", {"artifacts": [other], "promotion": passed}))
	contains(m, "artifact shop sha256:2222222222222222222222222222222222222222222222222222222222222222 is not the one the staging gate passed")
}

test_promotion_by_commit_without_artifacts if {
	by_commit := json.remove(passed, ["/artifacts"])
	count(problems(rel("production", {"promotion": by_commit}))) == 0
	[m] := problems(rel("production", {"commit": "0000000000000000000000000000000000000000", "promotion": by_commit}))
	contains(m, "commit 0000000 is not the 9f1c2ab the staging gate passed")
	anonymous := json.remove(by_commit, ["/commit"])
	[n] := problems(rel("production", {"promotion": anonymous}))
	contains(n, "neither artifact digests (--artifact) nor commits tell")
}

# Digests are compared only when both runs name artifacts; otherwise the
# commits decide, whichever side lacks the artifacts.
test_promotion_falls_back_to_commits_when_one_side_has_no_artifacts if {
	other_commit := "0000000000000000000000000000000000000000"
	[m] := problems(rel("production", {"commit": other_commit, "promotion": passed}))
	contains(m, "commit 0000000 is not the 9f1c2ab the staging gate passed")
	by_commit := json.remove(passed, ["/artifacts"])
	[n] := problems(rel("production", {"commit": other_commit, "artifacts": [artifact], "promotion": by_commit}))
	contains(n, "commit 0000000 is not the 9f1c2ab the staging gate passed")
}

test_promotion_not_required_by_default if {
	not "REL013" in rules(release.deny) with input as rel("production", {})
}

# ---- Checklist ----

checklist := {"environments": {"production": {"release": {"checklist": ["rollback_plan", "runbook", "dashboard", "on_call_notified"]}}}}

items := [
	{"item": "dashboard", "value": "https://grafana.example.com/d/shop", "kind": "link"},
	{"item": "on_call_notified", "value": "true", "kind": "flag"},
	{"item": "rollback_plan", "value": "docs/rollback.md", "kind": "file", "exists": true},
	{"item": "runbook", "value": "https://wiki.example.com/shop/runbook", "kind": "link"},
]

test_checklist_done_passes if {
	not "REL014" in rules(release.deny) with input as rel("production", {"checklist": items}) with data.relgate.config as checklist
}

test_checklist_items_not_done if {
	undone := [
		{"item": "on_call_notified", "value": "false", "kind": "flag"},
		{"item": "rollback_plan", "value": "docs/rollback.md", "kind": "file", "exists": false},
		{"item": "runbook", "value": "https://wiki.example.com/shop/runbook", "kind": "link"},
	]
	msgs := {d.msg | some d in release.deny; d.rule == "REL014"} with input as rel("production", {"checklist": undone}) with data.relgate.config as checklist
	msgs == {
		"checklist item dashboard is not stated (set it in release.checklist or with --checklist)",
		"checklist item on_call_notified is \"false\"",
		"checklist item rollback_plan names docs/rollback.md, which is not in the repository",
	}
	not "REL014" in rules(release.deny) with input as rel("staging", {"checklist": undone}) with data.relgate.config as checklist
}

# ---- Branching model ----

model(name) := {"defaults": {"release": {"branch_model": name}}}

test_gitflow_branches if {
	cfg := model("gitflow")
	not "REL015" in rules(release.deny) with input as rel("production", {"tag": "", "branch": "release/1.5"}) with data.relgate.config as cfg
	[d] := [d | some d in release.deny; d.rule == "REL015"] with input as rel("production", {"tag": "", "branch": "develop"}) with data.relgate.config as cfg
	d.msg == "under gitflow, production releases come from main, master, release/**, hotfix/**, not from branch develop"
	not "REL015" in rules(release.deny) with input as rel("staging", {"tag": "", "branch": "develop"}) with data.relgate.config as cfg
	"REL015" in rules(release.deny) with input as rel("staging", {"tag": "", "branch": "feature/x"}) with data.relgate.config as cfg
	not "REL015" in rules(release.deny) with input as rel("dev", {"tag": "", "branch": "feature/x"}) with data.relgate.config as cfg
}

test_github_flow_and_trunk if {
	"REL015" in rules(release.deny) with input as rel("production", {"tag": "", "branch": "release/1.5"}) with data.relgate.config as model("github-flow")
	not "REL015" in rules(release.deny) with input as rel("production", {"tag": "", "branch": "release/1.5"}) with data.relgate.config as model("trunk")
	"REL015" in rules(release.deny) with input as rel("production", {"tag": "", "branch": "hotfix/x"}) with data.relgate.config as model("trunk")
}

test_branch_model_leaves_tags_to_rel001 if {
	not "REL015" in rules(release.deny) with input as rel("production", {"branch": "develop"}) with data.relgate.config as model("gitflow")
	not "REL015" in rules(release.deny) with input as rel("production", {"tag": "", "branch": "develop"})
}
