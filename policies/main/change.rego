# PR mode. With a base (relgate check --base REF, input.options.base) only
# what the change brings fails the gate: a deny whose finding says it is not
# in the change (in_change false: a secret only in older commits, a
# dependency the change did not add or bump, a file it did not touch) is
# reported as a warning of kind pre-existing. Every area is judged the same
# way here, once. A finding that does not say (in_change absent) counts as
# new: the gate fails safe. Scanner health, approvals and release rules are
# about the release as a whole and are never downgraded.
package relgate.main

default pr_mode := false

pr_mode if input.options.base != ""

never_pre_existing := {"scanners", "approvals", "release"}

pre_existing contains f if {
	pr_mode
	some f in active
	f.kind == "deny"
	object.get(f, "in_change", true) == false
	not f.area in never_pre_existing
}

# changed are the active findings less the pre-existing denies.
changed := active if count(pre_existing) == 0

changed := active - pre_existing if count(pre_existing) > 0

pre_existing_warnings contains object.union(f, {"kind": "pre-existing", "message": msg}) if {
	some f in pre_existing
	msg := sprintf("%s (pre-existing: already on the base %s)", [f.message, input.options.base])
}
