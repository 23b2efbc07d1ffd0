# METADATA
# title: Approvals
# description: |
#   Who approved the change being released. An approval counts when it is
#   the reviewer's latest word (a later request for changes or a dismissal
#   takes it back), does not come from the author, and was given on the
#   last pushed commit. Where approvals are required (production by
#   default) the release needs enough of them, no outstanding request for
#   changes, a change ticket, the code owners of every changed file, and a
#   rollback plan in its change record. Hotfix branches may release with
#   fewer approvals and then warn until approved after the fact.
#   Settings (settings.approvals): required, hotfix_branches,
#   hotfix_required, require_ticket, require_code_owners,
#   require_rollback_plan, missing.
package relgate.rules.approvals

import data.relgate.lib

default_rules := {
	"required": 0,
	"hotfix_branches": ["hotfix/**"],
	"hotfix_required": 0,
	"require_ticket": false,
	"require_code_owners": false,
	"require_rollback_plan": false,
	# A release without any approval facts: deny, warn or ignore.
	"missing": "ignore",
}

production_rules := {
	"required": 1,
	"require_ticket": true,
	"require_code_owners": true,
	"require_rollback_plan": true,
}

env_rules := production_rules if lib.is_production

env_rules := {} if not lib.is_production

rules := object.union_n([default_rules, env_rules, object.get(lib.settings, "approvals", {})])

approvals := input.approvals

hotfix if lib.glob_any(rules.hotfix_branches, object.get(input.release, "branch", ""))

hotfix if lib.glob_any(rules.hotfix_branches, object.get(approvals, "head_branch", ""))

# Where approvals are required, the branch protection's own count is a
# floor too.
normal_required := max([rules.required, object.get(approvals, "required", 0)]) if rules.required > 0

normal_required := 0 if rules.required <= 0

required := rules.hotfix_required if hotfix

required := normal_required if not hotfix

author := lower(object.get(approvals, "author", ""))

# Reviews that set a reviewer's state; a comment does not.
decisive := [r | some r in approvals.reviews; r.state in {"APPROVED", "CHANGES_REQUESTED", "DISMISSED"}]

reviewers := {lower(r.user) | some r in decisive}

# latest is each reviewer's last decisive review (reviews are in time order).
latest[u] := rs[count(rs) - 1] if {
	some u in reviewers
	rs := [r | some r in decisive; lower(r.user) == u]
}

head_sha := object.get(approvals, "head_sha", "")

# stale: given on another commit than the pull request's head, or, where
# the commit is not known, before the last push.
stale(r) if {
	head_sha != ""
	object.get(r, "commit_id", "") != ""
	r.commit_id != head_sha
}

stale(r) if {
	not commit_known(r)
	time.parse_rfc3339_ns(r.at) < time.parse_rfc3339_ns(approvals.last_push_at)
}

commit_known(r) if {
	head_sha != ""
	object.get(r, "commit_id", "") != ""
}

approved contains u if {
	some u, r in latest
	r.state == "APPROVED"
	u != author
}

valid contains u if {
	some u in approved
	not stale(latest[u])
}

stale_approvals contains u if {
	some u in approved
	stale(latest[u])
}

# what names the change in messages and fingerprints.
what := sprintf("pull request %s#%d", [approvals.repository, approvals.pull_request]) if {
	object.get(approvals, "pull_request", 0) > 0
} else := sprintf("commit %s", [substring(approvals.commit, 0, 12)]) if {
	object.get(approvals, "commit", "") != ""
} else := sprintf("change %s", [approvals.change_ticket]) if {
	object.get(approvals, "change_ticket", "") != ""
} else := "the change"

location := object.get(approvals, "location", {"path": ""})

names(set) := concat(", ", sort(set)) if count(set) > 0

names(set) := "none" if count(set) == 0

unreviewed if {
	"github" in approvals.sources
	object.get(approvals, "pull_request", 0) == 0
}

shortfall_msg := sprintf("%s was pushed without a pull request: %s needs %d approvals and it has none", [
	what, lib.environment, required,
]) if unreviewed

shortfall_msg := sprintf("%s has %d valid approvals (%s), %s needs %d%s", [
	what, count(valid), names(valid), lib.environment, required, not_counted,
]) if not unreviewed

not_counted := sprintf("; not counted: %s (given before the last push)", [names(stale_approvals)]) if {
	count(stale_approvals) > 0
} else := ""

# METADATA
# title: Not enough approvals
# description: |
#   The change has fewer valid approvals than the environment requires
#   (settings.approvals.required, or the branch protection's count if
#   higher; hotfix branches need settings.approvals.hotfix_required).
#   Approvals by the author, taken back, or given before the last push do
#   not count.
# custom:
#   id: APR001
#   severity: high
#   remediation: |
#     Ask reviewers to approve the last pushed commit of the pull request
#     (or record the approvers in the change record), then run the gate again.
# related_resources:
#   - ref: https://docs.github.com/en/repositories/configuring-branches-and-merges-in-your-repository/managing-protected-branches/about-protected-branches#require-pull-request-reviews-before-merging
deny contains v if {
	required > 0
	count(valid) < required
	v := lib.finding(rego.metadata.rule(), {
		"msg": shortfall_msg,
		"location": location,
		"fingerprint": crypto.sha256(sprintf("APR001|%s|%s", [lib.environment, what])),
	})
}

# METADATA
# title: The author approved their own change
# description: |
#   Separation of duties: the person who wrote the change cannot be one of
#   its approvers. Their approval is not counted, and the change record
#   that lists it is wrong.
# custom:
#   id: APR002
#   severity: high
#   remediation: |
#     Have someone other than the author approve the change, and remove the
#     author from the change record's approvers.
# related_resources:
#   - ref: https://csrc.nist.gov/glossary/term/separation_of_duty
deny contains v if {
	required > 0
	author != ""
	md := rego.metadata.rule()
	some r in approvals.reviews
	r.state == "APPROVED"
	lower(r.user) == author
	v := lib.finding(md, {
		"msg": sprintf("%s is approved by its own author %s (%s)", [what, r.user, r.source]),
		"location": location,
		"fingerprint": crypto.sha256(sprintf("APR002|%s|%s", [what, author])),
	})
}

# METADATA
# title: Approval given before the last push
# description: |
#   An approval was given on an earlier commit than the one released, so
#   what was pushed since has not been reviewed. It does not count.
# custom:
#   id: APR003
#   severity: medium
#   remediation: |
#     Ask the reviewer to approve the latest commit again (GitHub's "dismiss
#     stale pull request approvals" protection enforces this on merge).
warn contains v if {
	required > 0
	md := rego.metadata.rule()
	some u in stale_approvals
	v := lib.finding(md, {
		"msg": sprintf("%s approved %s before its last push: the approval does not count", [latest[u].user, what]),
		"location": location,
		"fingerprint": crypto.sha256(sprintf("APR003|%s|%s", [what, u])),
	})
}

# METADATA
# title: No change ticket
# description: |
#   The environment requires every release to be tied to a change ticket
#   (the change record's ticket, or one referenced by the pull request
#   when approvals.github.ticket_pattern is set), for the audit trail.
# custom:
#   id: APR004
#   severity: high
#   remediation: |
#     Pass --change-record with the change's ticket, or reference the
#     ticket in the pull request title, or set
#     approvals.require_ticket: false for the environment.
# related_resources:
#   - ref: https://www.atlassian.com/itsm/change-management
deny contains v if {
	rules.require_ticket
	approvals
	object.get(approvals, "change_ticket", "") == ""
	v := lib.finding(rego.metadata.rule(), {
		"msg": sprintf("%s has no change ticket, which %s requires", [what, lib.environment]),
		"location": location,
		"fingerprint": crypto.sha256(sprintf("APR004|%s|%s", [lib.environment, what])),
	})
}

# Owners who approved: valid approvers as @login, and the teams they are in.
approver_handles := {concat("", ["@", u]) | some u in valid}

approving_teams contains lower(t) if {
	some t, team in object.get(approvals, "teams", {})
	some m in team.members
	lower(m) in valid
}

owner_approved := approver_handles | approving_teams

owned_unapproved contains co if {
	some co in object.get(approvals, "code_owners", [])
	count(co.owners) > 0
	not any_owner_approved(co.owners)
}

any_owner_approved(owners) if {
	some o in owners
	lower(o) in owner_approved
}

unreadable_teams := {t | some t, team in object.get(approvals, "teams", {}); object.get(team, "error", "") != ""}

team_note := sprintf(" (team membership not readable: %s)", [names(unreadable_teams)]) if {
	count(unreadable_teams) > 0
} else := ""

# METADATA
# title: Code owners did not approve their files
# description: |
#   Files in the change have code owners (CODEOWNERS) and none of those
#   owners approved the change. One finding per CODEOWNERS line.
# custom:
#   id: APR005
#   severity: high
#   remediation: |
#     Ask one of the owners named on the CODEOWNERS line to approve the
#     pull request. If team membership cannot be read, give the token
#     read:org, or name users in CODEOWNERS.
# related_resources:
#   - ref: https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners
deny contains v if {
	rules.require_code_owners
	required > 0
	md := rego.metadata.rule()
	some line in {co.line | some co in owned_unapproved}
	group := [co | some co in owned_unapproved; co.line == line]
	files := sort([co.path | some co in group])
	v := lib.finding(md, {
		"msg": sprintf("%s changes %s, owned by %s, and no owner approved%s", [
			what, concat(", ", array.slice(files, 0, 5)), concat(" ", group[0].owners), team_note,
		]),
		"location": {"path": approvals.code_owners_file, "start_line": line, "end_line": line},
		"fingerprint": crypto.sha256(sprintf("APR005|%s|%d|%s", [what, line, concat(",", files)])),
	})
}

# METADATA
# title: Hotfix released without the usual approvals
# description: |
#   A hotfix branch may release with fewer approvals than the environment
#   normally requires, so that an emergency is not held up; the change must
#   then be approved after the fact.
# custom:
#   id: APR006
#   severity: medium
#   remediation: |
#     Have the hotfix reviewed and approved after the release (a post-approval
#     on the pull request or in the change record), and merge it back.
warn contains v if {
	hotfix
	count(valid) < normal_required
	v := lib.finding(rego.metadata.rule(), {
		"msg": sprintf("hotfix %s released with %d of the %d approvals %s normally needs: approve it after the fact", [
			what, count(valid), normal_required, lib.environment,
		]),
		"location": location,
		"fingerprint": crypto.sha256(sprintf("APR006|%s|%s", [lib.environment, what])),
	})
}

# METADATA
# title: Changes requested
# description: |
#   A reviewer's latest word on the change is a request for changes, which
#   no later approval of theirs has taken back.
# custom:
#   id: APR007
#   severity: high
#   remediation: |
#     Address the review and ask the reviewer to approve, or have the
#     review dismissed with a reason.
deny contains v if {
	required > 0
	md := rego.metadata.rule()
	some u, r in latest
	r.state == "CHANGES_REQUESTED"
	v := lib.finding(md, {
		"msg": sprintf("%s requested changes to %s and has not approved since", [r.user, what]),
		"location": location,
		"fingerprint": crypto.sha256(sprintf("APR007|%s|%s", [what, u])),
	})
}

missing_approvals if not input.approvals

missing_msg := sprintf("no approval facts for the %s release: configure a change record (--change-record) or the GitHub source (approvals.github)", [lib.environment])

# METADATA
# title: No approval facts
# description: |
#   The gate has nothing to tell who approved the release: neither a change
#   record nor a pull request was read (settings.approvals.missing: deny).
# custom:
#   id: APR008
#   severity: high
#   remediation: |
#     Pass --change-record, or run in a pull request workflow with
#     GITHUB_TOKEN, or set approvals.github.enabled: true in .relgate.yaml.
deny contains v if {
	rules.missing == "deny"
	missing_approvals
	v := lib.finding(rego.metadata.rule(), {
		"msg": missing_msg,
		"fingerprint": crypto.sha256(sprintf("APR008|%s", [lib.environment])),
	})
}

# METADATA
# title: No approval facts
# description: |
#   The gate has nothing to tell who approved the release
#   (settings.approvals.missing: warn).
# custom:
#   id: APR008
#   severity: medium
#   remediation: |
#     Pass --change-record, or run in a pull request workflow with
#     GITHUB_TOKEN, or set approvals.github.enabled: true in .relgate.yaml.
warn contains v if {
	rules.missing == "warn"
	missing_approvals
	v := lib.finding(rego.metadata.rule(), {
		"msg": missing_msg,
		"fingerprint": crypto.sha256(sprintf("APR008|%s", [lib.environment])),
	})
}

# METADATA
# title: Change record without a rollback plan
# description: |
#   The change record does not link a rollback plan, so nobody knows how to
#   undo the release if it goes wrong.
# custom:
#   id: APR009
#   severity: high
#   remediation: |
#     Write the rollback steps down and link them as rollback_plan in the
#     change record.
# related_resources:
#   - ref: https://sre.google/sre-book/reliable-product-launches/
deny contains v if {
	rules.require_rollback_plan
	"change-record" in approvals.sources
	object.get(approvals, "rollback_plan", "") == ""
	v := lib.finding(rego.metadata.rule(), {
		"msg": sprintf("the change record of %s has no rollback_plan", [what]),
		"location": location,
		"fingerprint": crypto.sha256(sprintf("APR009|%s", [what])),
	})
}
