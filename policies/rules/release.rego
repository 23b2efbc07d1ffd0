# METADATA
# title: Release rules
# description: |
#   Where a release may come from and how it is versioned: production
#   releases come from allowed branches or tags, versions are SemVer and
#   never go backwards.
package relgate.rules.release

import data.relgate.lib

release := input.release

rules := lib.settings.release

# gathered is true when release facts were read from git: without them
# (scanner not run, as on the pre-commit path, or not a repository) there is
# nothing to judge here.
gathered if object.get(release, "commit", "") != ""

from_allowed_tag if {
	release.tag != ""
	lib.glob_any(rules.tags, release.tag)
}

from_allowed_branch if {
	object.get(release, "branch", "") != ""
	lib.glob_any(rules.branches, release.branch)
}

restricted if count(rules.branches) + count(rules.tags) > 0

source := sprintf("tag %s", [release.tag]) if object.get(release, "tag", "") != ""

source := sprintf("branch %s", [release.branch]) if {
	object.get(release, "tag", "") == ""
	object.get(release, "branch", "") != ""
}

source := "an unknown branch (detached HEAD without a tag)" if {
	object.get(release, "tag", "") == ""
	object.get(release, "branch", "") == ""
}

# METADATA
# title: Release from a branch or tag that may not release here
# description: |
#   Each environment names the branches and tags it accepts releases from
#   (settings.release.branches and .tags, glob patterns). A release built
#   from anything else has not gone through the branching model's path to
#   this environment.
# custom:
#   id: REL001
#   severity: high
#   remediation: |
#     Release from an allowed branch or tag (for production by default:
#     main, master, release/**, hotfix/**, or a v* tag), or add the branch
#     to environments.<env>.release.branches in .relgate.yaml.
# related_resources:
#   - ref: https://trunkbaseddevelopment.com/branch-for-release/
deny contains v if {
	gathered
	restricted
	not from_allowed_tag
	not from_allowed_branch
	v := lib.finding(rego.metadata.rule(), {
		"msg": sprintf("%s release from %s, which is not among the allowed branches %v or tags %v", [
			lib.environment, source, rules.branches, rules.tags,
		]),
		"fingerprint": crypto.sha256(sprintf("REL001|%s|%s", [lib.environment, source])),
	})
}

version := trim_prefix(object.get(release, "version", ""), "v")

# METADATA
# title: Release version is not SemVer
# description: |
#   Versions follow Semantic Versioning (MAJOR.MINOR.PATCH) so that users
#   and tools can tell breaking changes from fixes.
# custom:
#   id: REL002
#   severity: high
#   remediation: |
#     Tag the release with a SemVer version, e.g. `git tag -a v1.2.3`.
# related_resources:
#   - ref: https://semver.org/
deny contains v if {
	rules.require_semver
	version != ""
	not semver.is_valid(version)
	v := lib.finding(rego.metadata.rule(), {
		"msg": sprintf("version %q is not a valid SemVer version", [release.version]),
		"fingerprint": crypto.sha256(sprintf("REL002|%s", [release.version])),
	})
}

# METADATA
# title: Release has no version
# description: |
#   In an environment that requires SemVer, the commit being released
#   carries no version tag, so the release cannot be identified.
# custom:
#   id: REL003
#   severity: medium
#   remediation: |
#     Tag the commit with its SemVer version before releasing it, e.g.
#     `git tag -a v1.2.3 -m "Release v1.2.3"`.
warn contains v if {
	gathered
	rules.require_semver
	version == ""
	v := lib.finding(rego.metadata.rule(), {
		"msg": sprintf("the %s release has no version: no tag points at the commit", [lib.environment]),
		"fingerprint": crypto.sha256(sprintf("REL003|%s", [object.get(release, "commit", "")])),
	})
}

previous := trim_prefix(object.get(release, "previous_version", ""), "v")

# METADATA
# title: Release version goes backwards
# description: |
#   The version is lower than or equal to the previous release's, so
#   the release would look older than what it replaces.
# custom:
#   id: REL004
#   severity: high
#   remediation: |
#     Bump the version above the previous release (MAJOR for breaking
#     changes, MINOR for features, PATCH for fixes).
deny contains v if {
	semver.is_valid(version)
	semver.is_valid(previous)
	semver.compare(version, previous) <= 0
	v := lib.finding(rego.metadata.rule(), {
		"msg": sprintf("version %s is not above the previous release %s", [version, previous]),
		"fingerprint": crypto.sha256(sprintf("REL004|%s|%s", [version, previous])),
	})
}
