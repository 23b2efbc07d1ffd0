package relgate.rules.release_test

import data.relgate.rules.release

rel(env, fields) := {"release": object.union({"environment": env, "commit": "0a1b2c"}, fields)}

rules(set) := {v.rule | some v in set}

test_production_from_main_with_tag_passes if {
	inp := rel("production", {"branch": "main", "tag": "v1.2.3", "version": "1.2.3", "previous_version": "1.2.0"})
	count(release.deny) == 0 with input as inp
	count(release.warn) == 0 with input as inp
}

test_production_from_feature_branch_denied if {
	inp := rel("production", {"branch": "feature/login"})
	"REL001" in rules(release.deny) with input as inp
}

test_production_from_detached_head_denied if {
	inp := rel("production", {"branch": "", "tag": ""})
	"REL001" in rules(release.deny) with input as inp
}

test_allowed_tag_from_any_branch if {
	inp := rel("production", {"branch": "", "tag": "v2.0.0", "version": "2.0.0"})
	not "REL001" in rules(release.deny) with input as inp
}

test_branches_configurable if {
	cfg := {"environments": {"production": {"release": {"branches": ["trunk"]}}}}
	inp := rel("production", {"branch": "trunk"})
	not "REL001" in rules(release.deny) with input as inp with data.relgate.config as cfg
}

test_dev_allows_any_branch if {
	count(release.deny) == 0 with input as rel("dev", {"branch": "feature/x", "version": "nonsense"})
}

test_invalid_semver_denied if {
	inp := rel("production", {"branch": "main", "tag": "v1.2", "version": "1.2"})
	"REL002" in rules(release.deny) with input as inp
}

test_missing_version_warns_in_production if {
	inp := rel("production", {"branch": "main"})
	"REL003" in rules(release.warn) with input as inp
	count(release.warn) == 0 with input as rel("dev", {"branch": "main"})
}

test_version_going_backwards_denied if {
	inp := rel("staging", {"branch": "main", "version": "1.0.0", "previous_version": "1.2.0"})
	"REL004" in rules(release.deny) with input as inp
	ok := rel("staging", {"branch": "main", "version": "1.3.0", "previous_version": "1.2.0"})
	not "REL004" in rules(release.deny) with input as ok
}

test_no_release_facts_nothing_to_judge if {
	inp := {"release": {"environment": "production"}}
	count(release.deny) == 0 with input as inp
	count(release.warn) == 0 with input as inp
}

# One allowed branch (and no tags) is a restriction.
test_single_allowed_branch_restricts if {
	cfg := {"environments": {"production": {"release": {"branches": ["trunk"], "tags": []}}}}
	"REL001" in rules(release.deny) with input as rel("production", {"branch": "main"}) with data.relgate.config as cfg
	not "REL001" in rules(release.deny) with input as rel("production", {"branch": "trunk"}) with data.relgate.config as cfg
}

# The same version again does not go forwards either.
test_same_version_as_previous_denied if {
	[d] := [d | some d in release.deny; d.rule == "REL004"] with input as rel("staging", {"branch": "main", "version": "1.2.0", "previous_version": "v1.2.0"})
	d.msg == "version 1.2.0 is not above the previous release 1.2.0"
}
