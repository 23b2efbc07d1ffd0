package relgate.lib

# finding also takes the calling rule's METADATA chain (pass
# rego.metadata.chain()), for packages that carry their rule's METADATA in a
# `scope: package` block before `package` — one rule id per package, the
# layout trivy-checks uses — which rego.metadata.rule() does not see. Each
# field comes from the nearest block that sets it: the rule's own, then its
# package's.
finding(chain, fields) := object.union(
	{
		"rule": md.custom.id,
		"title": md.title,
		"severity": md.custom.severity,
	},
	fields,
) if {
	is_array(chain)
	md := object.union_n([object.get(chain[(count(chain) - 1) - i], "annotations", {}) | some i, _ in chain])
}
