package relgate.admission_test

import data.relgate.admission

digest := concat("", ["sha256:", concat("", [c | some _ in numbers.range(1, 64); c := "a"])])

record(env, result, age) := {"environment": env, "result": result, "age_seconds": age, "score": 100, "rules": []}

review(images) := {
	"request": {"kind": {"group": "", "version": "v1", "kind": "Pod"}, "namespace": "shop"},
	"environment": "production",
	"max_age_seconds": 3600,
	"failure_policy": "allow",
	"unknown_kind": false,
	"images": images,
}

test_allows_attested_digest if {
	d := admission.decision with input as review([{"container": "app", "image": "r/app@sha256:aa", "digest": digest, "records": [record("production", "pass", 10)]}])
	d.allowed
	count(d.reasons) == 0
}

test_warn_decision_admits_with_warning if {
	d := admission.decision with input as review([{"container": "app", "image": "r/app@sha256:aa", "digest": digest, "records": [record("production", "warn", 10)]}])
	d.allowed
	count(d.warnings) == 1
}

test_denies_tag_reference if {
	d := admission.decision with input as review([{"container": "app", "image": "r/app:1.0", "digest": "", "records": []}])
	not d.allowed
	contains(d.reasons[0], "not by digest")
}

test_denies_unattested if {
	d := admission.decision with input as review([{"container": "app", "image": "r/app@sha256:aa", "digest": digest, "records": [], "refused": ["r.json: invalid record: expired"]}])
	not d.allowed
	contains(d.reasons[0], "no valid signed relgate decision record")
	contains(d.reasons[0], "expired")
}

test_denies_failed_decision if {
	r := object.union(record("production", "fail", 10), {"rules": ["SEC001"]})
	d := admission.decision with input as review([{"container": "app", "image": "r/app@sha256:aa", "digest": digest, "records": [r]}])
	not d.allowed
	contains(d.reasons[0], "decision is fail (rules SEC001)")
}

test_denies_other_environment if {
	d := admission.decision with input as review([{"container": "app", "image": "r/app@sha256:aa", "digest": digest, "records": [record("staging", "pass", 10)]}])
	not d.allowed
	contains(d.reasons[0], "a record for environment staging")
}

test_denies_too_old if {
	d := admission.decision with input as review([{"container": "app", "image": "r/app@sha256:aa", "digest": digest, "records": [record("production", "pass", 7200)]}])
	not d.allowed
	contains(d.reasons[0], "older than the maximum age")
}

test_any_age_when_unbounded if {
	doc := object.union(review([{"container": "app", "image": "r/app@sha256:aa", "digest": digest, "records": [record("production", "pass", 7200)]}]), {"max_age_seconds": 0})
	admission.decision.allowed with input as doc
}

test_unknown_kind_follows_failure_policy if {
	allow := object.union(review([]), {"unknown_kind": true, "request": {"kind": {"kind": "Widget"}}})
	admission.decision.allowed with input as allow
	count(admission.decision.warnings) == 1 with input as allow
	deny := object.union(allow, {"failure_policy": "deny"})
	not admission.decision.allowed with input as deny
}

# A record exactly max_age_seconds old is still fresh; a second more is not.
test_record_at_the_maximum_age_admits if {
	at := review([{"container": "app", "image": "r/app@sha256:aa", "digest": digest, "records": [record("production", "pass", 3600)]}])
	admission.decision.allowed with input as at
	older := review([{"container": "app", "image": "r/app@sha256:aa", "digest": digest, "records": [record("production", "pass", 3601)]}])
	not admission.decision.allowed with input as older
}

# Only 0 (or less) means unbounded: a maximum of one second is a bound.
test_one_second_maximum_is_a_bound if {
	doc := object.union(review([{"container": "app", "image": "r/app@sha256:aa", "digest": digest, "records": [record("production", "pass", 2)]}]), {"max_age_seconds": 1})
	not admission.decision.allowed with input as doc
}
