# Migration safety: statements that fail when a half-applied migration is
# run again (the package's METADATA and the helpers every rule uses are in
# migrations.rego).
package relgate.rules.migrations

# Statement kinds that have an IF [NOT] EXISTS form, per dialect.
guardable := {
	"postgres": {
		"create_table", "create_index", "add_column", "drop_table", "drop_index", "drop_column",
		"create_schema", "create_extension", "create_sequence", "drop_view", "drop_schema",
		"drop_sequence", "drop_materialized_view", "drop_type", "drop_function", "drop_constraint",
		"create_table_as", "create_materialized_view",
	},
	"mysql": {"create_table", "drop_table", "drop_view", "create_database", "drop_database"},
}

# METADATA
# title: DDL that fails when run twice
# description: |
#   A statement without IF [NOT] EXISTS (or OR REPLACE) fails when a
#   migration that runs outside a transaction is re-run after failing
#   half-way, leaving it to be repaired by hand; ADD CONSTRAINT and ROW
#   LEVEL SECURITY changes have no such guard at all. Inside a transaction
#   a failure undoes everything, and a TEMPORARY table or an unnamed
#   CREATE INDEX CONCURRENTLY is made afresh by a retry.
# custom:
#   id: MIG013
#   severity: low
#   remediation: |
#     Write CREATE … IF NOT EXISTS, DROP … IF EXISTS, ADD COLUMN IF NOT
#     EXISTS, CREATE OR REPLACE; for what has no guard, run the migration
#     in a transaction.
# related_resources:
#   - ref: https://squawkhq.com/docs/prefer-robust-stmts
warn contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	some i, s in m.statements
	rerun_matters(s)
	v := stmt_finding(md, m, s, rerun_problem(m, i, s))
}

rerun_problem(m, _, s) := sprintf("%s %s has no IF [NOT] EXISTS and fails if the migration is run again", [upper(replace(s.kind, "_", " ")), target(s)]) if {
	s.kind in guardable[m.dialect]
	not s.idempotent
}

rerun_problem(m, i, s) := sprintf("%s on %s has no IF [NOT] EXISTS form and runs outside a transaction: a half-applied migration cannot be re-run", [action(s), target(s)]) if {
	m.dialect == "postgres"
	s.kind in unguardable
	not dropped_first(m, i, s)
}

# dropped_first: DROP CONSTRAINT IF EXISTS of the same name before an ADD
# CONSTRAINT makes the pair re-runnable, in one ALTER TABLE too.
dropped_first(m, i, s) if {
	s.kind == "add_constraint"
	some j, d in array.slice(m.statements, 0, i)
	d.kind == "drop_constraint"
	d.idempotent
	table_key(d.table) == table_key(s.table)
	d.objects[0] == s.objects[0]
	not added_between(m, j, i, s)
}

added_between(m, from, to, s) if {
	some a in array.slice(m.statements, from + 1, to)
	a.kind == "add_constraint"
	a.objects[0] == s.objects[0]
}

# unguardable ALTER TABLE actions: no IF [NOT] EXISTS form exists.
unguardable := {"add_constraint", "enable_row_security", "disable_row_security", "force_row_security", "no_force_row_security"}

rerun_matters(s) if {
	not s.in_transaction
	not object.get(s, "temporary", false)
	not unnamed_index(s)
}

# An unnamed index gets a fresh name on a retry (and IF NOT EXISTS needs a name).
unnamed_index(s) if {
	s.kind == "create_index"
	count(object.get(s, "objects", [])) == 0
}
