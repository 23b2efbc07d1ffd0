# MySQL's online DDL: what an ALTER's LOCK= clause asks for (the package's
# annotations are in migrations.rego; ALGORITHM=COPY is MIG016).
package relgate.rules.migrations

# Statements whose exclusive lock is over as soon as the data dictionary
# changes: dropping, renaming and emptying do not hold it while rows move.
metadata_only_kinds := {"drop_table", "drop_view", "drop_database", "truncate", "rename_table"}

# METADATA
# title: MySQL DDL that blocks writes or reads while it runs
# description: |
#   LOCK=SHARED blocks writes and LOCK=EXCLUSIVE blocks reads and writes
#   for the whole ALTER, even where MySQL could do it online.
# custom:
#   id: MIG038
#   severity: high
#   remediation: |
#     Leave LOCK out (MySQL takes the weakest lock it can), or say
#     LOCK=NONE so that MySQL refuses the statement rather than block.
# related_resources:
#   - ref: https://dev.mysql.com/doc/refman/8.0/en/alter-table.html#alter-table-performance
#   - ref: https://github.com/ankane/strong_migrations#using-shared-or-exclusive-locking
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	m.dialect == "mysql"
	some s in m.statements
	s.lock in {"SHARED", "EXCLUSIVE"}
	not s.new_table
	not s.rewrites_table
	not s.changes_type
	not s.kind in metadata_only_kinds
	not object.get(s, "adds_constraint", "") in {"foreign_key", "check"}
	v := stmt_finding(md, m, s, sprintf("%s on %s takes %s for the whole statement", [action(s), target(s), lock_phrase(object.get(s, "lock", ""))]))
}

# METADATA
# title: Identifier longer than MySQL accepts
# description: |
#   MySQL refuses a database, table, column, index, constraint, view or
#   user variable name longer than 64 characters (error 1059): the deploy
#   fails at this statement, and the DDL before it in the migration, which
#   MySQL commits as it goes, stays applied.
# custom:
#   id: MIG039
#   severity: high
#   remediation: |
#     Shorten the name to 64 characters or less.
# related_resources:
#   - ref: https://dev.mysql.com/doc/refman/8.0/en/identifier-length.html
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	m.dialect == "mysql"
	some s in m.statements
	count(object.get(s, "long_names", [])) > 0
	v := stmt_finding(md, m, s, sprintf("%s names %s, longer than 64 characters: MySQL refuses the statement", [upper(replace(s.kind, "_", " ")), concat(", ", s.long_names)]))
}
