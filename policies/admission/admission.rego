# METADATA
# title: relgate admission
# description: |
#   Admits a workload only when every image is referenced by digest and has a
#   valid, signed, passing relgate decision record for the namespace's
#   environment that is not too old. The server verifies the signatures and
#   hands over the facts; this policy decides.
package relgate.admission

# Decision results that pass the gate, as the CLI's exit code does.
passing_results := {"pass", "warn"}

decision := {
	"allowed": count(deny) == 0,
	"reasons": sort(deny),
	"warnings": sort(warn),
}

deny contains msg if {
	input.unknown_kind
	input.failure_policy == "deny"
	msg := sprintf("kind %s is not one relgate reads images from, and the failure policy denies it", [input.request.kind.kind])
}

warn contains msg if {
	input.unknown_kind
	msg := sprintf("relgate does not read images from kind %s; failure policy %s", [input.request.kind.kind, input.failure_policy])
}

deny contains msg if {
	some img in input.images
	img.digest == ""
	msg := sprintf("container %s: image %s is referenced by tag, not by digest (use IMAGE@sha256:...)", [img.container, img.image])
}

deny contains msg if {
	some img in input.images
	img.digest != ""
	count(img.records) == 0
	msg := sprintf("container %s: image %s has no valid signed relgate decision record%s", [img.container, img.image, refused(img)])
}

deny contains msg if {
	some img in input.images
	img.digest != ""
	count(img.records) > 0
	not admissible(img)
	reasons := sort([why_not(r) | some r in img.records])
	msg := sprintf("container %s: image %s has no passing decision record for environment %s: %s%s", [img.container, img.image, input.environment, concat("; ", reasons), refused(img)])
}

warn contains msg if {
	some img in input.images
	some r in img.records
	usable(r)
	not passed(img)
	msg := sprintf("container %s: image %s is admitted on a decision that warned (score %v)", [img.container, img.image, r.score])
}

admissible(img) if {
	some r in img.records
	usable(r)
}

passed(img) if {
	some r in img.records
	usable(r)
	r.result == "pass"
}

usable(r) if {
	r.environment == input.environment
	r.result in passing_results
	fresh(r)
}

fresh(_) if input.max_age_seconds <= 0

fresh(r) if r.age_seconds <= input.max_age_seconds

why_not(r) := sprintf("a record for environment %s", [r.environment]) if {
	r.environment != input.environment
} else := sprintf("a record whose decision is %s (rules %s)", [r.result, concat(", ", r.rules)]) if {
	not r.result in passing_results
} else := sprintf("a record signed %ds ago, older than the maximum age of %ds", [r.age_seconds, input.max_age_seconds]) if {
	not fresh(r)
}

refused(img) := "" if {
	count(object.get(img, "refused", [])) == 0
} else := sprintf(" (refused records: %s)", [concat("; ", img.refused)])
