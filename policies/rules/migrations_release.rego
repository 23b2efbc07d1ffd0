# Migration release discipline (the package's METADATA is in migrations.rego).
#
# Expand before contract: while a release rolls out, the previous version
# of the code still runs against the new schema, so a release may add but
# not take away what that version uses. Drops, renames and lost defaults
# wait for a cleanup release (config migrations.cleanup_release: true, or
# the release label "cleanup") that follows the release in which the code
# stopped using them. Also: production migrations can be reversed or say
# they cannot, applied migrations are never edited, data is not destroyed
# in passing, and every statement must be readable by the gate.
package relgate.rules.migrations

import data.relgate.lib

config := c if {
	c := data.relgate.config
	is_object(c)
} else := {}

# cleanup_release is true for the contract step of expand/contract.
cleanup_release if object.get(config, ["migrations", "cleanup_release"], false) == true

cleanup_release if "cleanup" in object.get(input.release, "labels", [])

# migration_finding reports a whole migration, at its first line.
migration_finding(md, m, msg) := lib.finding(md, {
	"msg": msg,
	"location": lib.location(m.path, 1, 1),
	"fingerprint": crypto.sha256(concat("|", [md.custom.id, m.path, object.get(m, "direction", "up")])),
})

# METADATA
# title: Table or column renamed outside a cleanup release
# description: |
#   The released version of the code still uses the old name while the new
#   one rolls out, and fails as soon as the rename runs.
# custom:
#   id: MIG008
#   severity: high
#   remediation: |
#     Expand and contract: add the new column (or a view with the new table
#     name), write both and backfill, move reads, and drop the old name in
#     a cleanup release (migrations.cleanup_release: true or the release
#     label "cleanup").
# related_resources:
#   - ref: https://squawkhq.com/docs/renaming-column
#   - ref: https://github.com/ankane/strong_migrations#renaming-a-column
#   - ref: https://martinfowler.com/bliki/ParallelChange.html
deny contains v if {
	md := rego.metadata.rule()
	not cleanup_release
	some m in up_migrations
	some s in m.statements
	not s.new_table
	s.renames
	s.backward_incompatible
	v := stmt_finding(md, m, s, sprintf("%s renames %s while the released code still uses the old name; rename in a cleanup release after an expand release", [upper(replace(s.kind, "_", " ")), rename_target(s)]))
}

rename_target(s) := sprintf("%s.%s to %s", [s.table, s.objects[0], s.objects[1]]) if {
	s.kind in {"rename_column", "alter_column_type"}
	count(object.get(s, "objects", [])) == 2
}

rename_target(s) := sprintf("value %s of %s to %s", [s.objects[1], s.objects[0], s.objects[2]]) if s.kind == "rename_enum_value"

rename_target(s) := sprintf("%s to %s", [s.objects[0], s.objects[1]]) if {
	not s.kind in {"rename_column", "alter_column_type"}
	count(object.get(s, "objects", [])) == 2
}

rename_target(s) := target(s) if {
	s.kind != "rename_enum_value"
	count(object.get(s, "objects", [])) != 2
}

# METADATA
# title: Table or column dropped outside a cleanup release
# description: |
#   Dropping a table, column, schema, view, sequence, type or function that
#   the released code may still use breaks it the moment the migration
#   runs, and dropped data does not come back with a rollback.
# custom:
#   id: MIG009
#   severity: high
#   remediation: |
#     Stop using it in one release (and tell ORMs to ignore the column), then
#     drop it in a cleanup release (migrations.cleanup_release: true or the
#     release label "cleanup"), after a backup.
# related_resources:
#   - ref: https://squawkhq.com/docs/ban-drop-column
#   - ref: https://github.com/ankane/strong_migrations#removing-a-column
deny contains v if {
	md := rego.metadata.rule()
	not cleanup_release
	some m in up_migrations
	some s in m.statements
	s.kind in dropped_kinds
	not s.new_table
	v := stmt_finding(md, m, s, sprintf("%s %s while the released code may still use it; drop in a cleanup release after an expand release", [upper(replace(s.kind, "_", " ")), drop_target(s)]))
}

# dropped_kinds take away something released code can use.
dropped_kinds := {
	"drop_table", "drop_column", "drop_schema", "drop_view", "drop_materialized_view",
	"drop_sequence", "drop_function", "drop_procedure", "drop_routine", "drop_type",
	"drop_domain", "drop_foreign_table",
}

destroys_unseen(s) if s.kind == "delete"

destroys_unseen(s) if object.get(s, "cascade", false)

data_action(s) := "TRUNCATE … CASCADE" if s.kind == "truncate"

data_action(s) := "DELETE without WHERE" if s.kind == "delete"

drop_target(s) := sprintf("%s.%s", [s.table, columns(s)]) if s.kind == "drop_column"

drop_target(s) := target(s) if s.kind != "drop_column"

# METADATA
# title: Database dropped
# description: |
#   A migration drops a whole database. No release should, cleanup or not.
# custom:
#   id: MIG010
#   severity: critical
#   remediation: |
#     Remove the statement; retire a database by hand, after a backup.
# related_resources:
#   - ref: https://squawkhq.com/docs/ban-drop-database
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	some s in m.statements
	s.kind == "drop_database"
	v := stmt_finding(md, m, s, sprintf("DROP DATABASE %s", [target(s)]))
}

# METADATA
# title: Column default dropped outside a cleanup release
# description: |
#   Released code that inserts without the column relies on its default;
#   without it those inserts store NULL or fail.
# custom:
#   id: MIG018
#   severity: medium
#   remediation: |
#     Drop the default in a cleanup release, once every writer sets the
#     column.
# related_resources:
#   - ref: https://martinfowler.com/bliki/ParallelChange.html
deny contains v if {
	md := rego.metadata.rule()
	not cleanup_release
	some m in up_migrations
	some s in m.statements
	s.kind == "drop_default"
	not s.new_table
	v := stmt_finding(md, m, s, sprintf("the default of %s.%s is dropped while released code may rely on it", [s.table, columns(s)]))
}

# METADATA
# title: Migration destroys data
# description: |
#   DELETE without WHERE empties a table as part of a deploy, and TRUNCATE
#   … CASCADE also empties every table that references the ones it names.
# custom:
#   id: MIG019
#   severity: high
#   remediation: |
#     Delete what must go with a WHERE clause, in batches, and keep a backup;
#     if the table is truly obsolete, drop it in a cleanup release.
# related_resources:
#   - ref: https://github.com/ankane/strong_migrations#checks
#   - ref: https://squawkhq.com/docs/ban-truncate-cascade
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	some s in m.statements
	s.kind in {"truncate", "delete"}
	not s.new_table
	s.destructive
	destroys_unseen(s)
	v := stmt_finding(md, m, s, sprintf("%s removes every row of %s", [data_action(s), target(s)]))
}

# METADATA
# title: UPDATE without WHERE
# description: |
#   An UPDATE of every row in one statement locks all of them for the
#   whole transaction and bloats the table; on a large table it blocks the
#   application for the duration.
# custom:
#   id: MIG020
#   severity: medium
#   remediation: |
#     Backfill in batches (by primary key ranges), outside the schema
#     migration's transaction.
# related_resources:
#   - ref: https://github.com/ankane/strong_migrations#backfilling-data
warn contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	some s in m.statements
	s.kind == "update"
	not s.new_table
	s.data_change_without_where
	v := stmt_finding(md, m, s, sprintf("UPDATE of %s without WHERE rewrites every row in one transaction", [s.table]))
}

# METADATA
# title: Production migration without a down migration
# description: |
#   A production migration has no down (revert, undo) migration and does
#   not say it is irreversible, so nobody has thought about how to undo it.
# custom:
#   id: MIG021
#   severity: high
#   remediation: |
#     Write the down migration (golang-migrate .down.sql, goose -- +goose
#     Down, dbmate -- migrate:down, Flyway U…__, Sqitch revert/), or mark the
#     file `-- relgate:irreversible` with why. Roll back by deploying a
#     reviewed down migration, never automatically.
# related_resources:
#   - ref: https://martinfowler.com/articles/evodb.html
deny contains v if {
	lib.is_production
	md := rego.metadata.rule()
	some m in judged_migrations
	object.get(m, "direction", "up") != "down"
	not m.has_down
	not m.irreversible
	not m.repeatable
	count(m.statements) > 0
	v := migration_finding(md, m, sprintf("%s migration %s has no down migration and is not marked -- relgate:irreversible", [m.tool, m.path]))
}

# METADATA
# title: Down migration destroys data
# description: |
#   Running this down migration drops or empties a table or column: the
#   data written since the up migration is lost. It must never run as an
#   automatic rollback.
# custom:
#   id: MIG022
#   severity: medium
#   remediation: |
#     Keep it for disaster recovery with a backup at hand, never as part of
#     an automated rollback; say so in the file.
# related_resources:
#   - ref: https://martinfowler.com/articles/evodb.html
warn contains v if {
	md := rego.metadata.rule()
	some m in judged_migrations
	m.direction == "down"
	some s in m.statements
	s.destructive
	v := stmt_finding(md, m, s, sprintf("down migration %s: %s %s destroys data", [m.path, upper(replace(s.kind, "_", " ")), drop_target(s)]))
}

# METADATA
# title: Statement the SQL parser cannot read
# description: |
#   The dialect's grammar rejects a statement (or the file is too large or
#   not UTF-8), so the gate cannot tell what it does: a statement it cannot
#   read is not a statement it can pass.
# custom:
#   id: MIG023
#   severity: high
#   remediation: |
#     Fix the syntax, or set migrations.dialect in .relgate.yaml if the
#     dialect was detected wrongly. A statement relgate's parsers do not
#     support can be waived by the migration's path.
# related_resources:
#   - ref: https://github.com/pganalyze/libpg_query
#   - ref: https://github.com/pingcap/tidb/tree/master/pkg/parser
deny contains v if {
	md := rego.metadata.rule()
	some m in judged_migrations
	some e in object.get(m, "errors", [])
	v := lib.finding(md, {
		"msg": sprintf("%s (%s): %s", [m.path, m.dialect, e.message]),
		"location": lib.location(m.path, e.line, e.line),
		"fingerprint": crypto.sha256(concat("|", ["MIG023", m.path, object.get(m, "direction", "up"), e.message])),
	})
}

# METADATA
# title: Applied migration edited
# description: |
#   The change edits or renames a migration that already existed. Where it
#   has run, the edit never will (and Flyway refuses the checksum); where it
#   has not, the databases now differ.
# custom:
#   id: MIG024
#   severity: high
#   remediation: |
#     Revert the edit and write a new migration that makes the change.
# related_resources:
#   - ref: https://documentation.red-gate.com/fd/validate-on-migrate-224919693.html
deny contains v if {
	md := rego.metadata.rule()
	some p in edited
	m := [m | some m in input.migrations; m.path == p][0]
	v := lib.finding(md, {
		"msg": sprintf("%s migration %s was %s by the change", [m.tool, m.path, m.change]),
		"location": lib.location(m.path, 1, 1),
		"fingerprint": crypto.sha256(concat("|", ["MIG024", m.path])),
	})
}

# edited are the paths of migrations the change edits; goose and dbmate
# files hold two directions but are one file.
edited := {m.path |
	some m in input.migrations
	m.change in {"modified", "renamed"}
	not m.repeatable
}

# METADATA
# title: NOT NULL dropped outside a cleanup release
# description: |
#   Released code reads the column as never NULL; once NOT NULL is dropped
#   and new code writes NULL, the released version fails on those rows.
# custom:
#   id: MIG030
#   severity: medium
#   remediation: |
#     Drop NOT NULL in a cleanup release, once every reader handles NULL.
# related_resources:
#   - ref: https://squawkhq.com/docs/ban-drop-not-null
#   - ref: https://martinfowler.com/bliki/ParallelChange.html
deny contains v if {
	md := rego.metadata.rule()
	not cleanup_release
	some m in up_migrations
	some s in m.statements
	s.kind == "drop_not_null"
	not s.new_table
	v := stmt_finding(md, m, s, sprintf("%s.%s may now be NULL while released code reads it as never NULL", [s.table, columns(s)]))
}

# METADATA
# title: Table emptied by TRUNCATE
# description: |
#   TRUNCATE of the tables it names is deliberate, but it deletes their
#   rows in a deploy where a mistake is expensive; with CASCADE it also
#   empties every table that references them (MIG019).
# custom:
#   id: MIG037
#   severity: medium
#   remediation: |
#     Make sure the table is meant to be empty in every environment, and
#     keep a backup.
# related_resources:
#   - ref: https://www.postgresql.org/docs/current/sql-truncate.html
warn contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	some s in m.statements
	s.kind == "truncate"
	not s.new_table
	not object.get(s, "cascade", false)
	v := stmt_finding(md, m, s, sprintf("TRUNCATE empties %s", [target(s)]))
}
