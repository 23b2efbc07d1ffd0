package relgate.rules.containers_test

import data.relgate.rules.containers

image(fields) := object.union(
	{
		"image": "registry.example.com/app@sha256:0123",
		"source": "registry",
		"digest": "sha256:0123",
		"os": {"family": "debian", "version": "12.5", "eol": false},
		"user": "10001",
		"layers": 3,
		"packages": 90,
		"location": {"path": "Dockerfile", "start_line": 7, "end_line": 7},
	},
	fields,
)

inp(env, c) := {"release": {"environment": env}, "containers": [c]}

rules(set) := {v.rule | some v in set}

test_good_image_passes_in_production if {
	count(containers.deny) == 0 with input as inp("production", image({}))
	count(containers.warn) == 0 with input as inp("production", image({}))
}

test_root_user_denied_in_production if {
	[v] := [v | some v in containers.deny] with input as inp("production", image({"user": "root"}))
	v.rule == "IMG001"
	v.severity == "high"
	v.location.path == "Dockerfile"
	v.location.start_line == 7
	v.image == "registry.example.com/app@sha256:0123"
}

test_missing_user_is_root if {
	"IMG001" in rules(containers.deny) with input as inp("production", image({"user": ""}))
	"IMG001" in rules(containers.deny) with input as inp("production", image({"user": "0:0"}))
	"IMG001" in rules(containers.deny) with input as inp("production", image({"user": "root:wheel"}))
	not "IMG001" in rules(containers.deny) with input as inp("production", image({"user": "app:root"}))
}

test_root_user_warns_elsewhere if {
	count(containers.deny) == 0 with input as inp("staging", image({"user": ""}))
	[v] := [v | some v in containers.warn] with input as inp("staging", image({"user": ""}))
	v.rule == "IMG001"
	contains(v.msg, "no USER")
}

test_root_rule_configurable if {
	cfg := {"environments": {"production": {"containers": {"deny_root": false}}}}
	count(containers.deny) == 0 with input as inp("production", image({"user": "root"})) with data.relgate.config as cfg
	"IMG001" in rules(containers.warn) with input as inp("production", image({"user": "root"})) with data.relgate.config as cfg
}

test_eol_os_denied_in_production if {
	c := image({"os": {"family": "alpine", "version": "3.18.4", "eol": true}})
	[v] := [v | some v in containers.deny] with input as inp("production", c)
	v.rule == "IMG002"
	contains(v.msg, "alpine 3.18.4")
}

test_eol_os_warns_elsewhere if {
	c := image({"os": {"family": "alpine", "version": "3.18.4", "eol": true}})
	count(containers.deny) == 0 with input as inp("dev", c)
	"IMG002" in rules(containers.warn) with input as inp("dev", c)
}

test_supported_or_unknown_os_passes if {
	not "IMG002" in rules(containers.deny) with input as inp("production", image({"os": {"eol": false}}))
	not "IMG002" in rules(containers.deny) with input as inp("production", image({"os": {}}))
}

test_tag_reference_denied_in_production if {
	c := image({"image": "registry.example.com/app:1.2.3", "digest": "sha256:abcd"})
	[v] := [v | some v in containers.deny] with input as inp("production", c)
	v.rule == "IMG003"
	contains(v.msg, "registry.example.com/app@sha256:abcd")
}

test_tag_reference_allowed_outside_production if {
	c := image({"image": "registry.example.com/app:1.2.3"})
	count(containers.deny) == 0 with input as inp("staging", c)
	count(containers.warn) == 0 with input as inp("staging", c)
}

test_archives_are_not_judged_for_digests if {
	c := image({"image": "build/app.tar", "source": "docker-archive", "digest": ""})
	count(containers.deny) == 0 with input as inp("production", c)
}

test_tag_and_digest_passes if {
	c := image({"image": "registry.example.com/app:1.2.3@sha256:0123"})
	count(containers.deny) == 0 with input as inp("production", c)
}

# A reference the hint cannot rewrite (a registry with a port) still gets
# its digest named; without a digest there is no hint.
test_tag_reference_hint_names_the_digest if {
	c := image({"image": "registry.example.com:5000/app:1.2.3", "digest": "sha256:abcd"})
	[v] := [v | some v in containers.deny; v.rule == "IMG003"] with input as inp("production", c)
	v.msg == "image registry.example.com:5000/app:1.2.3 is referenced by tag; production releases reference images by digest (digest sha256:abcd)"
	bare := image({"image": "registry.example.com:5000/app:1.2.3", "digest": ""})
	[w] := [w | some w in containers.deny; w.rule == "IMG003"] with input as inp("production", bare)
	w.msg == "image registry.example.com:5000/app:1.2.3 is referenced by tag; production releases reference images by digest"
}
