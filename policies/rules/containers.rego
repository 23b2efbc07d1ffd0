# METADATA
# title: Container image rules
# description: |
#   What an image shipped to an environment must be: not running as root,
#   not built on an operating system past its end of life, and, where it
#   is pulled from a registry, pinned by digest. In production these deny;
#   elsewhere running as root and an end-of-life OS warn. The image's
#   vulnerabilities are judged by the vulnerability rules (source trivy).
#   Settings (settings.containers): deny_root, deny_eol, require_digest.
# custom:
#   reads:
#     - containers
package relgate.rules.containers

import data.relgate.lib

default_rules := {"deny_root": true, "deny_eol": true, "require_digest": true} if lib.is_production

default_rules := {"deny_root": false, "deny_eol": false, "require_digest": false} if not lib.is_production

rules := object.union(default_rules, object.get(lib.settings, "containers", {}))

# root_users are the USER values that run the process as root. An empty
# USER means the image's default, which is root.
root_user(u) if u == ""

root_user(u) if {
	name := split(u, ":")[0]
	name in {"root", "0"}
}

root_images contains c if {
	some c in input.containers
	root_user(object.get(c, "user", ""))
}

user_text(c) := "no USER (root by default)" if object.get(c, "user", "") == ""

user_text(c) := sprintf("USER %s", [c.user]) if object.get(c, "user", "") != ""

image_result(c, rule, msg) := {
	"msg": msg,
	"location": c.location,
	"fingerprint": crypto.sha256(sprintf("%s|%s", [rule, c.image])),
	"image": c.image,
}

# METADATA
# title: Image runs as root
# description: |
#   The image's configured user is root, or no user is set, so its process
#   runs as root inside the container. A compromise of the process then
#   has root's power over the container's filesystem and an easier path to
#   the host.
# custom:
#   id: IMG001
#   severity: high
#   remediation: |
#     Add a non-root user to the image and switch to it in the final stage,
#     e.g. `RUN adduser -D -u 10001 app` and `USER 10001`, or use a base
#     image that runs as non-root (e.g. a distroless :nonroot tag).
# related_resources:
#   - ref: https://docs.docker.com/build/building/best-practices/#user
deny contains v if {
	rules.deny_root
	some c in root_images
	v := lib.finding(rego.metadata.rule(), image_result(c, "IMG001", sprintf("image %s runs as root (%s)", [c.image, user_text(c)])))
}

# METADATA
# title: Image runs as root
# description: |
#   The image runs as root; outside environments that deny it this is a
#   warning.
# custom:
#   id: IMG001
#   severity: medium
#   remediation: |
#     Switch to a non-root user in the image's final stage (`USER 10001`).
# related_resources:
#   - ref: https://docs.docker.com/build/building/best-practices/#user
warn contains v if {
	not rules.deny_root
	some c in root_images
	v := lib.finding(rego.metadata.rule(), image_result(c, "IMG001", sprintf("image %s runs as root (%s)", [c.image, user_text(c)])))
}

eol_images contains c if {
	some c in input.containers
	object.get(c, ["os", "eol"], false) == true
}

eol_msg(c) := sprintf("image %s is built on %s %s, which is past its end of life and gets no security updates", [c.image, c.os.family, c.os.version])

# METADATA
# title: Image base OS is past its end of life
# description: |
#   The image's operating system no longer receives security updates from
#   its distribution, so new vulnerabilities in its packages stay unfixed
#   and vulnerability data for it may be incomplete.
# custom:
#   id: IMG002
#   severity: high
#   remediation: |
#     Rebuild the image on a supported release of its distribution (change
#     the FROM line), then rescan.
# related_resources:
#   - ref: https://endoflife.date/
deny contains v if {
	rules.deny_eol
	some c in eol_images
	v := lib.finding(rego.metadata.rule(), image_result(c, "IMG002", eol_msg(c)))
}

# METADATA
# title: Image base OS is past its end of life
# description: |
#   The image's operating system no longer receives security updates;
#   outside environments that deny it this is a warning.
# custom:
#   id: IMG002
#   severity: medium
#   remediation: |
#     Rebuild the image on a supported release of its distribution.
# related_resources:
#   - ref: https://endoflife.date/
warn contains v if {
	not rules.deny_eol
	some c in eol_images
	v := lib.finding(rego.metadata.rule(), image_result(c, "IMG002", eol_msg(c)))
}

# METADATA
# title: Image is referenced by tag, not digest
# description: |
#   A tag can be moved to other content at any time, so what is deployed
#   may not be what was scanned and approved. A digest names exactly one
#   image. Only registry references are judged: an archive is its content.
# custom:
#   id: IMG003
#   severity: high
#   remediation: |
#     Reference the image by digest, e.g.
#     `registry.example.com/app@sha256:…` (optionally keeping the tag:
#     `app:1.2.3@sha256:…`), in the config and the deployment.
# related_resources:
#   - ref: https://docs.docker.com/reference/cli/docker/image/pull/#pull-an-image-by-digest-immutable-identifier
deny contains v if {
	rules.require_digest
	some c in input.containers
	object.get(c, "source", "") == "registry"
	not contains(c.image, "@sha256:")
	v := lib.finding(rego.metadata.rule(), image_result(c, "IMG003", sprintf("image %s is referenced by tag; %s releases reference images by digest%s", [
		c.image, lib.environment, digest_hint(c),
	])))
}

digest_hint(c) := sprintf(" (it is %s@%s)", [split(c.image, ":")[0], c.digest]) if {
	object.get(c, "digest", "") != ""
	count(split(c.image, ":")) == 2
	not contains(split(c.image, ":")[1], "/")
} else := sprintf(" (digest %s)", [c.digest]) if {
	object.get(c, "digest", "") != ""
} else := ""
