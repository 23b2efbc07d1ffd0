# Migration safety: indexes and constraints built or checked while the
# table is locked (the package's METADATA and the helpers every rule uses
# are in migrations.rego).
package relgate.rules.migrations

# METADATA
# title: Index created without CONCURRENTLY
# description: |
#   CREATE INDEX takes a SHARE lock on the table: every INSERT, UPDATE and
#   DELETE waits until the whole index is built, minutes on a large table.
# custom:
#   id: MIG001
#   severity: high
#   remediation: |
#     Build it with CREATE INDEX CONCURRENTLY, outside a transaction (for
#     goose `-- +goose NO TRANSACTION`, for dbmate `-- migrate:up
#     transaction:false`, for golang-migrate a file with that one statement),
#     and drop the INVALID index it leaves if it fails before retrying.
# related_resources:
#   - ref: https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY
#   - ref: https://squawkhq.com/docs/require-concurrent-index-creation
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	m.dialect == "postgres"
	some s in m.statements
	s.kind == "create_index"
	not s.new_table
	not s.concurrently
	v := stmt_finding(md, m, s, sprintf("CREATE INDEX on %s (%s) without CONCURRENTLY takes %s: writes to the table wait while the index builds", [s.table, columns(s), lock_phrase(object.get(s, "lock", ""))]))
}

# METADATA
# title: Index dropped without CONCURRENTLY
# description: |
#   DROP INDEX takes an ACCESS EXCLUSIVE lock on the index's table, so it
#   waits behind every running query and blocks all that come after it:
#   a stronger lock than CREATE INDEX's (MIG001), and as severe.
# custom:
#   id: MIG002
#   severity: high
#   remediation: |
#     Use DROP INDEX CONCURRENTLY, outside a transaction.
# related_resources:
#   - ref: https://www.postgresql.org/docs/current/sql-dropindex.html
#   - ref: https://squawkhq.com/docs/require-concurrent-index-deletion
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	m.dialect == "postgres"
	some s in m.statements
	s.kind == "drop_index"
	not s.new_table
	not s.concurrently
	v := stmt_finding(md, m, s, sprintf("DROP INDEX %s without CONCURRENTLY takes %s on its table: reads and writes wait", [target(s), lock_phrase(object.get(s, "lock", ""))]))
}

# METADATA
# title: Foreign key or CHECK constraint validated while the table is locked
# description: |
#   Adding a FOREIGN KEY or CHECK constraint to a table that has rows
#   checks every row while writes wait (PostgreSQL: SHARE ROW EXCLUSIVE or
#   ACCESS EXCLUSIVE; MySQL: the table is copied). NOT VALID (PostgreSQL)
#   or foreign_key_checks=0 (MySQL) adds it without the scan.
# custom:
#   id: MIG004
#   severity: high
#   remediation: |
#     PostgreSQL: ADD CONSTRAINT … NOT VALID, then in a later migration
#     ALTER TABLE … VALIDATE CONSTRAINT, which lets writes go on. MySQL: add
#     the key with SET foreign_key_checks = 0 and check the data separately,
#     or use an online schema change tool (gh-ost, pt-online-schema-change).
# related_resources:
#   - ref: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-VALIDATE-CONSTRAINT
#   - ref: https://squawkhq.com/docs/adding-foreign-key-constraint
#   - ref: https://github.com/ankane/strong_migrations#adding-a-foreign-key
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	some i, s in m.statements
	v := stmt_finding(md, m, s, locked_validation(m, i, s))
}

locked_validation(_, _, s) := msg if {
	s.kind in {"add_constraint", "add_column"}
	not s.new_table
	object.get(s, "adds_constraint", "") in {"foreign_key", "check"}
	not s.not_valid
	msg := sprintf("adding a %s constraint to %s checks every existing row while writes wait; add it NOT VALID and validate it separately", [replace(s.adds_constraint, "_", " "), s.table])
}

# VALIDATE in the transaction that added the constraint NOT VALID still
# holds the ADD's lock while every row is checked: nothing was gained.
# Order is the statements' order, not their lines: one line can hold both.
locked_validation(m, i, s) := msg if {
	m.dialect == "postgres"
	s.kind == "validate_constraint"
	s.in_transaction
	some j, c in array.slice(m.statements, 0, i)
	c.kind == "add_constraint"
	c.not_valid
	c.in_transaction
	table_key(c.table) == table_key(s.table)
	c.objects[0] == s.objects[0]
	not committed_between(m, j, i)
	msg := sprintf("constraint %s is validated in the transaction that added it NOT VALID: the table stays locked while every row is checked; validate it in a later migration", [s.objects[0]])
}

# committed_between: a COMMIT or ROLLBACK after the from-th statement and
# before the to-th.
committed_between(m, from, to) if {
	some e in array.slice(m.statements, from + 1, to)
	e.kind in {"commit", "rollback"}
}

# METADATA
# title: UNIQUE or PRIMARY KEY constraint builds its index under lock
# description: |
#   ALTER TABLE … ADD UNIQUE / PRIMARY KEY / EXCLUDE, or a column added
#   with UNIQUE or PRIMARY KEY inline, builds the index while holding an
#   ACCESS EXCLUSIVE lock: the table is unreadable until it is done.
# custom:
#   id: MIG011
#   severity: high
#   remediation: |
#     CREATE UNIQUE INDEX CONCURRENTLY first, then ALTER TABLE … ADD
#     CONSTRAINT … UNIQUE USING INDEX (or PRIMARY KEY USING INDEX); add a
#     column first and its constraint that way second. An exclusion
#     constraint has no USING INDEX form: add it to a new table and move
#     the data, or accept the lock in a maintenance window.
# related_resources:
#   - ref: https://squawkhq.com/docs/disallowed-unique-constraint
#   - ref: https://www.postgresql.org/docs/current/sql-altertable.html#SQL-ALTERTABLE-DESC-ADD-TABLE-CONSTRAINT-USING-INDEX
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	m.dialect == "postgres"
	some s in m.statements
	s.kind in {"add_constraint", "add_column"}
	not s.new_table
	object.get(s, "adds_constraint", "") in {"unique", "primary_key", "exclusion"}
	not s.using_index
	v := stmt_finding(md, m, s, sprintf("%s on %s builds its index under %s; build the index CONCURRENTLY and add the constraint USING INDEX", [action(s), s.table, lock_phrase(object.get(s, "lock", ""))]))
}

# METADATA
# title: Existing column made NOT NULL
# description: |
#   SET NOT NULL scans the whole table under an ACCESS EXCLUSIVE lock, and
#   released code that writes NULL fails once it holds.
# custom:
#   id: MIG017
#   severity: high
#   remediation: |
#     Once every writer sets the column: ADD CONSTRAINT … CHECK (col IS NOT
#     NULL) NOT VALID, VALIDATE CONSTRAINT in a later migration, then SET
#     NOT NULL (PostgreSQL 12+ uses the valid check and skips the scan) and
#     drop the check.
# related_resources:
#   - ref: https://squawkhq.com/docs/adding-not-nullable-field
#   - ref: https://github.com/ankane/strong_migrations#setting-not-null-on-an-existing-column
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	m.dialect == "postgres"
	some i, s in m.statements
	s.kind == "set_not_null"
	not s.new_table
	not proven_not_null(m, i, s)
	v := stmt_finding(md, m, s, sprintf("%s.%s is made NOT NULL: the table is scanned under %s", [s.table, columns(s), lock_phrase(object.get(s, "lock", ""))]))
}

# proven_not_null: a valid CHECK (col IS NOT NULL) on the table before the
# SET NOT NULL, in this migration or an earlier one, lets PostgreSQL 12+
# skip the scan. Valid means added without NOT VALID, or validated after.
proven_not_null(m, i, s) if {
	before := earlier_statements(m, i)
	some c in before
	c.kind == "add_constraint"
	table_key(c.table) == table_key(s.table)
	object.get(c, "not_null_check", "") == s.columns[0]
	validated(c, before, s)
}

validated(c, _, _) if not c.not_valid

validated(c, before, s) if {
	c.not_valid
	some v in before
	v.kind == "validate_constraint"
	table_key(v.table) == table_key(s.table)
	v.objects[0] == c.objects[0]
}

# earlier_statements are the up statements applied before m's i-th: those
# of migrations whose path sorts before m's, and those before it in m.
earlier_statements(m, i) := array.concat(
	[c |
		some o in input.migrations
		object.get(o, "direction", "up") != "down"
		o.path < m.path
		some c in o.statements
	],
	array.slice(m.statements, 0, i),
)
