# Migration transactions: statements that cannot run in one, a BEGIN
# inside the tool's, a BEGIN that must end, and a COMMIT that must have
# something to commit (the package's METADATA is in migrations.rego).
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
	some e in array.slice(m.statements, i + 1, count(m.statements))
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

# Statements PostgreSQL refuses to run inside a transaction block.
no_transaction_kinds := {"vacuum", "create_database", "drop_database", "alter_system"}

non_transactional(s) if {
	s.concurrently
	s.kind in {"create_index", "drop_index", "reindex", "detach_partition"}
}

non_transactional(s) if s.kind in no_transaction_kinds

# METADATA
# title: Statement that cannot run in a transaction runs in one
# description: |
#   CREATE/DROP INDEX CONCURRENTLY, REINDEX CONCURRENTLY, VACUUM and
#   CREATE/DROP DATABASE fail inside a transaction block, and the migration
#   runs in one: the tool wraps it (goose, dbmate, Flyway), PostgreSQL runs
#   a multi-statement file as one implicit transaction (golang-migrate), or
#   the file says BEGIN. The deploy fails at this statement.
# custom:
#   id: MIG003
#   severity: high
#   remediation: |
#     Put the statement in a migration of its own that the tool runs without
#     a transaction: `-- +goose NO TRANSACTION`, `-- migrate:up
#     transaction:false`, a golang-migrate file with only this statement,
#     or executeInTransaction=false in the Flyway script's .conf file.
# related_resources:
#   - ref: https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY
#   - ref: https://www.postgresql.org/docs/current/protocol-flow.html#PROTOCOL-FLOW-MULTI-STATEMENT
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	m.dialect == "postgres"
	some s in m.statements
	s.in_transaction
	non_transactional(s)
	v := stmt_finding(md, m, s, sprintf("%s cannot run inside a transaction, and this %s migration runs in one", [upper(replace(s.kind, "_", " ")), m.tool]))
}

# METADATA
# title: Transaction opened inside a transaction
# description: |
#   BEGIN inside the transaction the tool already opened does not nest:
#   PostgreSQL warns and ignores it, and the COMMIT that follows commits
#   the tool's transaction half-way; MySQL commits the open transaction.
#   A COMMIT or ROLLBACK with no BEGIN of its own ends the tool's
#   transaction too. Either way the migration is no longer atomic.
# custom:
#   id: MIG015
#   severity: medium
#   remediation: |
#     Remove BEGIN/COMMIT/ROLLBACK from the file and let the tool's
#     transaction cover it, or tell the tool not to open one.
# related_resources:
#   - ref: https://squawkhq.com/docs/transaction-nesting
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	some i, s in m.statements
	s.in_transaction
	v := stmt_finding(md, m, s, nesting(m, i, s))
}

nesting(m, _, s) := sprintf("BEGIN inside the transaction this %s migration already runs in", [m.tool]) if s.kind == "begin"

# COMMIT or ROLLBACK with no BEGIN before it, in a migration the tool (or
# PostgreSQL's implicit multi-statement transaction) runs in one, ends the
# tool's transaction half-way.
nesting(m, i, s) := sprintf("%s ends the transaction this %s migration runs in, half-way", [upper(s.kind), m.tool]) if {
	s.kind in {"commit", "rollback"}
	not begun_before(m, i)
}

begun_before(m, i) if {
	some b in array.slice(m.statements, 0, i)
	b.kind == "begin"
}
