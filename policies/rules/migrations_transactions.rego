# Migration transactions written in the file: a BEGIN must end, and a
# COMMIT must have something to commit (the package's METADATA is in
# migrations.rego; MIG003 and MIG015 are there).
package relgate.rules.migrations

end_kinds := {"commit", "rollback"}

# METADATA
# title: Transaction opened and never committed
# description: |
#   The file says BEGIN and no COMMIT follows. What happens to its changes
#   depends on the tool: it may commit them, roll them back when the
#   connection closes, or leave the locks held until it does.
# custom:
#   id: MIG034
#   severity: high
#   remediation: |
#     End the transaction with COMMIT in the same file, or remove BEGIN and
#     let the tool's transaction cover the migration.
# related_resources:
#   - ref: https://squawkhq.com/docs/ban-uncommitted-transaction
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	some i, s in m.statements
	s.kind == "begin"
	not ended_after(m, i)
	v := stmt_finding(md, m, s, "BEGIN without a COMMIT after it in the file")
}

ended_after(m, i) if {
	some j, e in m.statements
	j > i
	e.kind in end_kinds
}

# METADATA
# title: COMMIT or ROLLBACK with no transaction open
# description: |
#   The statement ends a transaction that is not there: a second COMMIT, or
#   one in a migration the tool runs statement by statement. PostgreSQL
#   only warns, so the file's idea of what is atomic is wrong.
# custom:
#   id: MIG035
#   severity: medium
#   remediation: |
#     Remove the extra COMMIT/ROLLBACK, or add the BEGIN it belongs to.
# related_resources:
#   - ref: https://www.postgresql.org/docs/current/sql-commit.html
#   - ref: https://squawkhq.com/docs/transaction-nesting
warn contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	some s in m.statements
	s.kind in end_kinds
	not s.in_transaction
	v := stmt_finding(md, m, s, sprintf("%s with no transaction open", [upper(s.kind)]))
}
