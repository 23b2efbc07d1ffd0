# Release context (the package's METADATA is in release.rego): the version
# bump the conventional commits call for, freeze windows, the deployment
# strategies an environment allows, promotion of the same artifact from
# an earlier gate, and the pre-deployment checklist. Names here start with
# ctx_ so they never collide with release.rego's.
#
# Settings (settings.release): branch_model, semver_bump, freeze,
# strategies, promote_from, checklist.
package relgate.rules.release

import data.relgate.lib

ctx_defaults := {
	# The branching model whose branches may release here: gitflow, trunk,
	# github-flow; empty: only settings.release.branches (REL001) apply.
	"branch_model": "",
	# A version bump smaller than the commits call for: deny, warn or ignore.
	"semver_bump": "warn",
	# Freeze windows: [{name, start, end | days, from, to, time_zone, allow_branches}].
	"freeze": [],
	# Deployment strategies allowed; empty allows any.
	"strategies": [],
	# The environment whose passing decision must be shown; empty: none.
	"promote_from": "",
	# Pre-deployment checklist items required.
	"checklist": [],
}

ctx_env := {"semver_bump": "deny"} if lib.is_production

ctx_env := {} if not lib.is_production

ctx := object.union_n([ctx_defaults, ctx_env, lib.settings.release])

# ---- Branching model ----

# Which branches each model releases from, per environment ("*": any
# other environment). Release tags are judged by REL001.
ctx_branch_models := {
	"gitflow": {
		"production": ["main", "master", "release/**", "hotfix/**"],
		"staging": ["develop", "release/**", "hotfix/**", "main", "master"],
		"*": ["**"],
	},
	"trunk": {
		"production": ["main", "master", "trunk", "release/**"],
		"staging": ["main", "master", "trunk", "release/**"],
		"*": ["**"],
	},
	"github-flow": {
		"production": ["main", "master"],
		"*": ["**"],
	},
}

ctx_model_branches := object.get(ctx_branch_models[ctx.branch_model], lib.environment, ctx_branch_models[ctx.branch_model]["*"])

ctx_branch := object.get(input.release, "branch", "")

# METADATA
# title: Branch may not release here under the branching model
# description: |
#   The environment follows a branching model (settings.release.branch_model):
#   GitFlow releases production from main, release/* and hotfix/*, and
#   staging also from develop; trunk-based development from the trunk and
#   release/* branches; GitHub flow from main only. A release from a tag
#   is judged by REL001 instead.
# custom:
#   id: REL015
#   severity: high
#   remediation: |
#     Merge the change through the model's path (e.g. feature → develop →
#     release/* → main in GitFlow) and release from the branch it allows.
# related_resources:
#   - ref: https://nvie.com/posts/a-successful-git-branching-model/
#   - ref: https://trunkbaseddevelopment.com/
#   - ref: https://docs.github.com/en/get-started/using-github/github-flow
deny contains v if {
	ctx.branch_model != ""
	object.get(input.release, "tag", "") == ""
	ctx_branch != ""
	not lib.glob_any(ctx_model_branches, ctx_branch)
	v := lib.finding(rego.metadata.rule(), {
		"msg": sprintf("under %s, %s releases come from %s, not from branch %s", [
			ctx.branch_model, lib.environment, concat(", ", ctx_model_branches), ctx_branch,
		]),
		"fingerprint": crypto.sha256(sprintf("REL015|%s|%s|%s", [ctx.branch_model, lib.environment, ctx_branch])),
	})
}

# ---- SemVer against the conventional commits ----

ctx_version := trim_prefix(object.get(input.release, "version", ""), "v")

ctx_previous := trim_prefix(object.get(input.release, "previous_version", ""), "v")

# ctx_core is MAJOR.MINOR.PATCH as numbers, without pre-release or build.
ctx_core(v) := [to_number(p) | some p in split(split(split(v, "+")[0], "-")[0], ".")]

ctx_bumped if {
	semver.is_valid(ctx_version)
	semver.is_valid(ctx_previous)
	semver.compare(ctx_version, ctx_previous) > 0
}

ctx_bump := "major" if {
	ctx_core(ctx_version)[0] > ctx_core(ctx_previous)[0]
} else := "minor" if {
	ctx_core(ctx_version)[1] > ctx_core(ctx_previous)[1]
} else := "patch"

ctx_breaking := [c | some c in object.get(input.release, "commits", []); c.breaking]

ctx_features := [c | some c in object.get(input.release, "commits", []); object.get(c, "type", "") == "feat"]

# Before 1.0.0 a breaking change bumps the minor version (SemVer item 4,
# and what conventional-changelog does).
ctx_needed := ["major", ctx_breaking[0]] if {
	count(ctx_breaking) > 0
	ctx_core(ctx_previous)[0] > 0
} else := ["minor", ctx_breaking[0]] if {
	count(ctx_breaking) > 0
} else := ["minor", ctx_features[0]] if {
	count(ctx_features) > 0
} else := ["patch", {}]

ctx_rank := {"patch": 0, "minor": 1, "major": 2}

ctx_short(sha) := substring(sha, 0, 7)

ctx_semver_msg := sprintf("version %s is a %s bump from %s, but the commits since call for a %s bump (%s %s)", [
	ctx_version, ctx_bump, ctx_previous, ctx_needed[0], ctx_short(ctx_needed[1].sha), ctx_needed[1].subject,
])

ctx_semver_short if {
	ctx_bumped
	ctx_rank[ctx_bump] < ctx_rank[ctx_needed[0]]
}

# METADATA
# title: Version bump smaller than the commits call for
# description: |
#   Since the previous release there is a breaking change (conventional
#   commit with ! or BREAKING CHANGE) but no major bump, or a feat but no
#   minor bump: users reading the version would miss what changed.
# custom:
#   id: REL010
#   severity: high
#   remediation: |
#     Tag the release with the version the commits call for (MAJOR for a
#     breaking change, MINOR for a feature; before 1.0.0 a breaking change
#     bumps MINOR), or correct the commit messages if they overstate.
# related_resources:
#   - ref: https://www.conventionalcommits.org/en/v1.0.0/#how-does-this-relate-to-semver
deny contains v if {
	ctx.semver_bump == "deny"
	ctx_semver_short
	v := lib.finding(rego.metadata.rule(), {
		"msg": ctx_semver_msg,
		"fingerprint": crypto.sha256(sprintf("REL010|%s|%s", [ctx_version, ctx_previous])),
	})
}

# METADATA
# title: Version bump smaller than the commits call for
# description: |
#   The version bump is smaller than the conventional commits call for;
#   in this environment it is a warning.
# custom:
#   id: REL010
#   severity: medium
#   remediation: |
#     Tag the release with the version the commits call for.
# related_resources:
#   - ref: https://www.conventionalcommits.org/en/v1.0.0/#how-does-this-relate-to-semver
warn contains v if {
	ctx.semver_bump == "warn"
	ctx_semver_short
	v := lib.finding(rego.metadata.rule(), {
		"msg": ctx_semver_msg,
		"fingerprint": crypto.sha256(sprintf("REL010|%s|%s", [ctx_version, ctx_previous])),
	})
}

# ---- Freeze windows ----

ctx_tz(w) := w.time_zone if object.get(w, "time_zone", "") != ""

ctx_tz(w) := "UTC" if object.get(w, "time_zone", "") == ""

# ctx_local is the release time in a zone as "YYYY-MM-DDTHH:MM".
ctx_local(tz) := sprintf("%04d-%02d-%02dT%02d:%02d", array.concat(
	time.date([lib.time_ns, tz]),
	array.slice(time.clock([lib.time_ns, tz]), 0, 2),
))

ctx_start(s) := concat("", [s, "T00:00"]) if count(s) == 10

ctx_start(s) := s if count(s) > 10

# A whole-day end includes that day.
ctx_before_end(local, e) if {
	count(e) == 10
	substring(local, 0, 10) <= e
}

ctx_before_end(local, e) if {
	count(e) > 10
	local < e
}

ctx_open(w) if {
	object.get(w, "start", "") != ""
	local := ctx_local(ctx_tz(w))
	local >= ctx_start(w.start)
	ctx_before_end(local, w.end)
}

ctx_open(w) if {
	count(object.get(w, "days", [])) > 0
	tz := ctx_tz(w)
	lower(substring(time.weekday([lib.time_ns, tz]), 0, 3)) in {lower(d) | some d in w.days}
	ctx_in_hours(object.get(w, "from", "00:00"), object.get(w, "to", "24:00"), substring(ctx_local(tz), 11, 5))
}

ctx_in_hours(from, to, t) if {
	from <= to
	from <= t
	t < to
}

# A window whose end comes before its start runs overnight.
ctx_in_hours(from, to, t) if {
	from > to
	t >= from
}

ctx_in_hours(from, to, t) if {
	from > to
	t < to
}

ctx_span(w) := sprintf("%s to %s", [w.start, w.end]) if object.get(w, "start", "") != ""

ctx_span(w) := sprintf("%s %s-%s", [concat(",", w.days), object.get(w, "from", "00:00"), object.get(w, "to", "24:00")]) if {
	object.get(w, "start", "") == ""
}

# METADATA
# title: Release during a freeze window
# description: |
#   The release time (of the facts, never the wall clock) falls in one of
#   the environment's freeze windows (settings.release.freeze), judged in
#   the window's own time zone.
# custom:
#   id: REL011
#   severity: high
#   remediation: |
#     Release after the window closes, or from a branch the window allows
#     (allow_branches, e.g. hotfix/**). For an emergency, waive the finding
#     with the approver and the reason.
# related_resources:
#   - ref: https://sre.google/sre-book/reliable-product-launches/
deny contains v if {
	md := rego.metadata.rule()
	some w in ctx.freeze
	ctx_open(w)
	not lib.glob_any(object.get(w, "allow_branches", []), object.get(input.release, "branch", ""))
	v := lib.finding(md, {
		"msg": sprintf("the %s release at %s (%s) falls in the freeze window %s (%s)", [
			lib.environment, ctx_local(ctx_tz(w)), ctx_tz(w), w.name, ctx_span(w),
		]),
		"fingerprint": crypto.sha256(sprintf("REL011|%s|%s|%s", [lib.environment, w.name, substring(input.release.time, 0, 10)])),
		"id": w.name,
	})
}

# ---- Deployment strategy ----

ctx_strategy := object.get(input.release, "strategy", "")

ctx_strategy_text := sprintf("uses %s", [ctx_strategy]) if ctx_strategy != ""

ctx_strategy_text := "does not say its strategy (pass --strategy or set release.strategy)" if ctx_strategy == ""

# METADATA
# title: Deployment strategy not allowed here
# description: |
#   The environment allows only some deployment strategies
#   (settings.release.strategies), e.g. canary or blue-green in
#   production, where an instant rollback and a gradual exposure matter.
# custom:
#   id: REL012
#   severity: high
#   remediation: |
#     Deploy with an allowed strategy (--strategy or release.strategy in
#     .relgate.yaml), or change the environment's strategies.
# related_resources:
#   - ref: https://martinfowler.com/bliki/BlueGreenDeployment.html
#   - ref: https://martinfowler.com/bliki/CanaryRelease.html
deny contains v if {
	count(ctx.strategies) > 0
	not ctx_strategy in ctx.strategies
	v := lib.finding(rego.metadata.rule(), {
		"msg": sprintf("%s allows %s deployments; this release %s", [
			lib.environment, concat(" or ", ctx.strategies), ctx_strategy_text,
		]),
		"fingerprint": crypto.sha256(sprintf("REL012|%s|%s", [lib.environment, ctx_strategy])),
	})
}

# ---- Promotion from an earlier gate ----

ctx_promotion := input.release.promotion

ctx_pairs(list) := {[a.name, object.get(a, "digest", "")] | some a in list}

ctx_released := ctx_pairs(object.get(input.release, "artifacts", []))

ctx_promoted := ctx_pairs(object.get(ctx_promotion, "artifacts", []))

ctx_artifacts_comparable if {
	count(ctx_released) > 0
	count(ctx_promoted) > 0
}

ctx_commits_comparable if {
	object.get(input.release, "commit", "") != ""
	object.get(ctx_promotion, "commit", "") != ""
}

ctx_promotion_problems contains sprintf("no decision of a %s gate was shown (pass --staging-decision with its json report)", [ctx.promote_from]) if {
	not ctx_promotion
}

ctx_promotion_problems contains sprintf("the decision shown (%s) is of %s, not %s", [ctx_promotion.file, ctx_promotion.environment, ctx.promote_from]) if {
	ctx_promotion.environment != ctx.promote_from
}

ctx_promotion_problems contains sprintf("the %s gate failed this release (%s)", [ctx.promote_from, ctx_promotion.file]) if {
	ctx_promotion.result == "fail"
}

ctx_promotion_problems contains sprintf("artifact %s %s is not the one the %s gate passed", [a[0], a[1], ctx.promote_from]) if {
	ctx_artifacts_comparable
	some a in ctx_released
	not a in ctx_promoted
}

ctx_promotion_problems contains sprintf("commit %s is not the %s the %s gate passed", [
	ctx_short(input.release.commit), ctx_short(ctx_promotion.commit), ctx.promote_from,
]) if {
	not ctx_artifacts_comparable
	ctx_commits_comparable
	input.release.commit != ctx_promotion.commit
}

ctx_promotion_problems contains sprintf("neither artifact digests (--artifact) nor commits tell that the %s gate passed this release", [ctx.promote_from]) if {
	ctx_promotion
	not ctx_artifacts_comparable
	not ctx_commits_comparable
}

# METADATA
# title: Not promoted from the earlier gate
# description: |
#   The environment takes only releases that passed the gate of another
#   (settings.release.promote_from, e.g. staging before production): the
#   same artifact digests (or, without them, the same commit) with a
#   decision that did not fail, shown with --staging-decision.
# custom:
#   id: REL013
#   severity: high
#   remediation: |
#     Run the earlier environment's gate on this artifact, save its json
#     report (--report json=staging-decision.json) and pass it with
#     --staging-decision; name the artifacts with --artifact NAME=DIGEST
#     in both runs.
# related_resources:
#   - ref: https://continuousdelivery.com/implementing/patterns/
deny contains v if {
	ctx.promote_from != ""
	md := rego.metadata.rule()
	some problem in ctx_promotion_problems
	v := lib.finding(md, {
		"msg": sprintf("%s releases must pass %s first: %s", [lib.environment, ctx.promote_from, problem]),
		"fingerprint": crypto.sha256(sprintf("REL013|%s|%s", [lib.environment, problem])),
	})
}

# ---- Pre-deployment checklist ----

ctx_items := {c.item: c | some c in object.get(input.release, "checklist", [])}

ctx_done(c) if {
	c.kind == "flag"
	c.value == "true"
}

ctx_done(c) if {
	c.kind == "file"
	c.exists == true
}

ctx_done(c) if {
	c.kind in {"link", "text"}
	c.value != ""
}

ctx_item_done(item) if ctx_done(ctx_items[item])

ctx_unchecked(item) := "is not stated (set it in release.checklist or with --checklist)" if {
	not ctx_items[item]
} else := sprintf("names %s, which is not in the repository", [ctx_items[item].value]) if {
	ctx_items[item].kind == "file"
} else := sprintf("is %q", [ctx_items[item].value])

# METADATA
# title: Pre-deployment checklist item not done
# description: |
#   An item the environment's checklist requires
#   (settings.release.checklist: rollback plan documented, runbook and
#   dashboard linked, on-call notified, …) is not stated, is false, or
#   names a file the repository does not have.
# custom:
#   id: REL014
#   severity: high
#   remediation: |
#     State the item in release.checklist in .relgate.yaml (a link, a
#     repository path or true) or pass it from the pipeline with
#     --checklist ITEM=VALUE once it is done.
# related_resources:
#   - ref: https://sre.google/sre-book/launch-checklist/
deny contains v if {
	md := rego.metadata.rule()
	some item in ctx.checklist
	not ctx_item_done(item)
	v := lib.finding(md, {
		"msg": sprintf("checklist item %s %s", [item, ctx_unchecked(item)]),
		"fingerprint": crypto.sha256(sprintf("REL014|%s|%s", [lib.environment, item])),
		"id": item,
	})
}
