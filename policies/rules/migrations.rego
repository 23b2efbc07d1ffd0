# METADATA
# title: Migration safety
# description: |
#   Database migrations that lock, rewrite or break a live table, judged
#   from the facts the migrations scanner reads with PostgreSQL's and
#   MySQL's own grammars. Only migrations of the change are judged (all of
#   them when no change range is given), and only their up direction here;
#   a table created earlier in the same migration or in the change is new,
#   empty and unused, so nothing on it is dangerous. A statement is excused
#   in place with `-- relgate:ignore MIG00x reason`.
package relgate.rules.migrations

import data.relgate.lib

# judged_migrations are those this gate decides on: the ones the change
# adds or edits, or every one when no change range was given.
judged_migrations := [m |
	some m in input.migrations
	object.get(m, "change", "unknown") != "unchanged"
]

# up_migrations are the up directions of the judged migrations: what a
# deploy runs. Rules iterate these arrays; sets of statements would hash
# whole objects, and a 1,000-file release would take seconds.
up_migrations := [m |
	some m in judged_migrations
	object.get(m, "direction", "up") != "down"
]

# stmt_finding reports a statement: its file and lines, and its fingerprint,
# which an inline relgate:ignore waiver names. The message says which
# grammar read the file: a verdict on SQL read as the wrong dialect is
# worth nothing, and migrations.dialect in .relgate.yaml corrects it.
stmt_finding(md, m, s, msg) := lib.finding(md, {
	"msg": sprintf("%s (read as %s)", [msg, dialect_names[m.dialect]]),
	"location": lib.location(m.path, s.line, object.get(s, "end_line", s.line)),
	"fingerprint": s.fingerprint,
})

# target names what a statement acts on: its objects, else its table.
target(s) := concat(", ", s.objects) if count(object.get(s, "objects", [])) > 1

target(s) := s.table if {
	count(object.get(s, "objects", [])) <= 1
	object.get(s, "table", "") != ""
}

target(s) := concat(", ", object.get(s, "objects", ["?"])) if {
	count(object.get(s, "objects", [])) <= 1
	object.get(s, "table", "") == ""
}

columns(s) := concat(", ", object.get(s, "columns", []))

dialect_names := {"postgres": "PostgreSQL", "mysql": "MySQL"}

# lock_phrase names a lock with its article: "an ACCESS EXCLUSIVE lock".
# A statement whose lock the scanner did not record is still reported.
lock_phrase("") := "a lock"

lock_phrase(lock) := sprintf("an %s lock", [lock]) if {
	substring(lock, 0, 1) in {"A", "E", "I", "O", "U"}
} else := sprintf("a %s lock", [lock]) if {
	lock != ""
}

# action names what a statement does: its kind, and the constraint it adds.
action(s) := sprintf("%s %s", [upper(replace(s.kind, "_", " ")), upper(replace(s.adds_constraint, "_", " "))]) if {
	object.get(s, "adds_constraint", "") != ""
} else := upper(replace(s.kind, "_", " "))

# Table locks that block writes (or reads too) for as long as the
# statement runs. SHARE UPDATE EXCLUSIVE and ROW EXCLUSIVE do not.
blocking_locks := {"ACCESS EXCLUSIVE", "EXCLUSIVE", "SHARE ROW EXCLUSIVE", "SHARE"}

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
	some s in m.statements
	v := stmt_finding(md, m, s, locked_validation(m, s))
}

locked_validation(_, s) := msg if {
	s.kind in {"add_constraint", "add_column"}
	not s.new_table
	object.get(s, "adds_constraint", "") in {"foreign_key", "check"}
	not s.not_valid
	msg := sprintf("adding a %s constraint to %s checks every existing row while writes wait; add it NOT VALID and validate it separately", [replace(s.adds_constraint, "_", " "), s.table])
}

# VALIDATE in the transaction that added the constraint NOT VALID still
# holds the ADD's lock while every row is checked: nothing was gained.
locked_validation(m, s) := msg if {
	m.dialect == "postgres"
	s.kind == "validate_constraint"
	s.in_transaction
	some c in m.statements
	c.kind == "add_constraint"
	c.not_valid
	c.in_transaction
	c.line < s.line
	table_key(c.table) == table_key(s.table)
	c.objects[0] == s.objects[0]
	not committed_between(m, c.line, s.line)
	msg := sprintf("constraint %s is validated in the transaction that added it NOT VALID: the table stays locked while every row is checked; validate it in a later migration", [s.objects[0]])
}

committed_between(m, from, to) if {
	some e in m.statements
	e.kind in {"commit", "rollback"}
	e.line >= from
	e.line <= to
}

# METADATA
# title: NOT NULL column added without a default
# description: |
#   A NOT NULL column without a DEFAULT cannot be added to a table with
#   rows (PostgreSQL fails), and the released code, which does not know the
#   column, fails on every INSERT once it exists.
# custom:
#   id: MIG005
#   severity: high
#   remediation: |
#     Add the column nullable (or with a constant DEFAULT), backfill it in
#     batches, and make it NOT NULL in a later release once every writer
#     sets it.
# related_resources:
#   - ref: https://squawkhq.com/docs/adding-required-field
#   - ref: https://github.com/ankane/strong_migrations#setting-not-null-on-an-existing-column
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	some s in m.statements
	s.kind == "add_column"
	not s.new_table
	s.not_null_without_default
	v := stmt_finding(md, m, s, sprintf("column %s is added to %s as NOT NULL without a default: existing rows have no value and released code cannot insert", [columns(s), s.table]))
}

# METADATA
# title: Column added with a volatile default
# description: |
#   A default that differs per row (random(), gen_random_uuid(),
#   clock_timestamp(), nextval() of serial and identity columns, UUID() in
#   MySQL, AUTO_INCREMENT) makes the database write every existing row
#   while the table is locked. Constant and stable defaults such as now()
#   are free since PostgreSQL 11.
# custom:
#   id: MIG006
#   severity: high
#   remediation: |
#     Add the column without a default (or with a constant one), set the
#     volatile default in a second statement, and backfill existing rows in
#     batches.
# related_resources:
#   - ref: https://www.postgresql.org/docs/current/ddl-alter.html#DDL-ALTER-ADDING-A-COLUMN
#   - ref: https://squawkhq.com/docs/adding-field-with-default
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	some s in m.statements
	s.kind == "add_column"
	not s.new_table
	s.volatile_default
	v := stmt_finding(md, m, s, sprintf("column %s is added to %s with a volatile default: every existing row is rewritten while the table is locked", [columns(s), s.table]))
}

# METADATA
# title: Column type changed
# description: |
#   Changing a column's type rewrites the table (and its indexes) under an
#   ACCESS EXCLUSIVE lock in PostgreSQL, or copies it in MySQL, and the
#   released code may read or write the old type.
# custom:
#   id: MIG007
#   severity: high
#   remediation: |
#     Expand and contract: add a column of the new type, write both, backfill,
#     switch reads, then drop the old column in a cleanup release. Changes
#     PostgreSQL does without a rewrite (varchar(n) to text or a longer
#     varchar) can be excused in place with relgate:ignore.
# related_resources:
#   - ref: https://squawkhq.com/docs/changing-column-type
#   - ref: https://github.com/ankane/strong_migrations#changing-the-type-of-a-column
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	some s in m.statements
	not s.new_table
	s.changes_type
	v := stmt_finding(md, m, s, sprintf("the type of %s.%s changes to %s: the table is rewritten under lock and released code may not read it", [s.table, columns(s), concat(", ", object.get(s, "types", ["?"]))]))
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

# Every lock a DDL statement takes waits behind the transactions holding
# a conflicting one, and every query behind it waits too: SHARE UPDATE
# EXCLUSIVE (COMMENT ON, VALIDATE, CREATE INDEX CONCURRENTLY) as much as
# ACCESS EXCLUSIVE. Only the row locks of DML do not queue the table.
locking(m, s) if {
	m.dialect == "postgres"
	object.get(s, "lock", "") != ""
	not s.lock in row_locks
}

# LOCK TABLE holds even its weakest mode to the end of the transaction.
locking(m, s) if {
	m.dialect == "postgres"
	s.kind == "lock"
}

row_locks := {"ROW EXCLUSIVE", "ROW SHARE", "ACCESS SHARE"}

# Every MySQL DDL statement takes an exclusive metadata lock, if only for
# a moment, and waits for it behind every open transaction on the table;
# only an ALTER that asks for LOCK=NONE with ALGORITHM=INPLACE or INSTANT
# (which MySQL refuses rather than block) is online throughout.
locking(m, s) if {
	m.dialect == "mysql"
	object.get(s, "lock", "") != ""
	not mysql_online(s)
}

mysql_online(s) if {
	s.concurrently
	s.lock == "NONE"
	object.get(s, "algorithm", "") in {"INPLACE", "INSTANT"}
}

timeout_name := {"postgres": "lock_timeout", "mysql": "lock_wait_timeout"}

# lock_name is the lock a statement waits for: in MySQL the metadata lock
# when the table lock is NONE.
lock_name(m, s) := "metadata" if {
	m.dialect == "mysql"
	s.lock == "NONE"
} else := s.lock

# METADATA
# title: Locking statement without a lock timeout
# description: |
#   A statement that needs a strong lock waits for every transaction that
#   holds the table, and while it waits every query behind it waits too: a
#   slow report can take the application down. A lock timeout makes the
#   migration fail fast instead, to be retried.
# custom:
#   id: MIG012
#   severity: medium
#   remediation: |
#     Start the migration with SET lock_timeout = '5s' (PostgreSQL) or SET
#     SESSION lock_wait_timeout = 5 (MySQL), and retry the deploy when it
#     times out.
# related_resources:
#   - ref: https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT
#   - ref: https://squawkhq.com/docs/require-timeout-settings
#   - ref: https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_lock_wait_timeout
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	some s in m.statements
	not s.new_table
	locking(m, s)
	not s.lock_timeout_set
	v := stmt_finding(md, m, s, sprintf("%s takes %s on %s with no %s set before it", [upper(replace(s.kind, "_", " ")), lock_phrase(lock_name(m, s)), target(s), timeout_name[m.dialect]]))
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
	some j, b in m.statements
	j < i
	b.kind == "begin"
}

# METADATA
# title: Statement rewrites an existing table
# description: |
#   The statement writes a new copy of the whole table (VACUUM FULL,
#   CLUSTER, SET TABLESPACE, SET LOGGED, a stored generated column, a new
#   primary key in MySQL, ALGORITHM=COPY) while writes, or all access,
#   wait.
# custom:
#   id: MIG016
#   severity: high
#   remediation: |
#     Do it in a maintenance window, or with an online tool (pg_repack,
#     gh-ost, pt-online-schema-change).
# related_resources:
#   - ref: https://github.com/ankane/strong_migrations#checks
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	some s in m.statements
	not s.new_table
	s.rewrites_table
	not s.changes_type
	not s.volatile_default
	not object.get(s, "adds_constraint", "") in {"foreign_key", "check"}
	v := stmt_finding(md, m, s, sprintf("%s rewrites every row of %s while it is locked", [action(s), target(s)]))
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
	some s in m.statements
	s.kind == "set_not_null"
	not s.new_table
	not proven_not_null(m, s)
	v := stmt_finding(md, m, s, sprintf("%s.%s is made NOT NULL: the table is scanned under %s", [s.table, columns(s), lock_phrase(object.get(s, "lock", ""))]))
}

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
	some s in m.statements
	rerun_matters(s)
	v := stmt_finding(md, m, s, rerun_problem(m, s))
}

rerun_problem(m, s) := sprintf("%s %s has no IF [NOT] EXISTS and fails if the migration is run again", [upper(replace(s.kind, "_", " ")), target(s)]) if {
	s.kind in guardable[m.dialect]
	not s.idempotent
}

rerun_problem(m, s) := sprintf("%s on %s has no IF [NOT] EXISTS form and runs outside a transaction: a half-applied migration cannot be re-run", [action(s), target(s)]) if {
	m.dialect == "postgres"
	s.kind in unguardable
	not dropped_first(m, s)
}

# dropped_first: DROP CONSTRAINT IF EXISTS of the same name before an ADD
# CONSTRAINT makes the pair re-runnable.
dropped_first(m, s) if {
	s.kind == "add_constraint"
	some d in m.statements
	d.kind == "drop_constraint"
	d.idempotent
	d.line < s.line
	table_key(d.table) == table_key(s.table)
	d.objects[0] == s.objects[0]
	not added_between(m, s, d.line)
}

added_between(m, s, from) if {
	some a in m.statements
	a.kind == "add_constraint"
	a.line > from
	a.line < s.line
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

# The type each dialect's practice prefers to one that runs out or
# misbehaves: int overflows at 2^31, timestamp without time zone and
# MySQL's timestamp (2038) lose instants, varchar(n) in PostgreSQL only
# adds a limit that is costly to change (a varchar without a length is
# text, and passes).
preferred_types := {
	"postgres": {
		"int2": "bigint", "int4": "bigint", "serial": "bigserial", "serial4": "bigserial",
		"smallserial": "bigserial", "serial2": "bigserial", "varchar(n)": "text", "bpchar": "text",
		"timestamp": "timestamptz", "json": "jsonb",
	},
	"mysql": {"int": "bigint", "int unsigned": "bigint unsigned", "mediumint": "bigint", "timestamp": "datetime"},
}

# METADATA
# title: Column type with a better alternative
# description: |
#   Prefer bigint over int (ids run out at 2^31), text over varchar(n) and
#   char(n) in PostgreSQL, timestamptz over timestamp in PostgreSQL, jsonb
#   over json (json has no equality operator: DISTINCT, UNION and unique
#   checks fail on it), and datetime over MySQL's timestamp, which ends in
#   2038. Arrays of these types count too.
# custom:
#   id: MIG014
#   severity: low
#   remediation: |
#     Use the preferred type the message names; changing it later means a
#     table rewrite.
# related_resources:
#   - ref: https://wiki.postgresql.org/wiki/Don't_Do_This
#   - ref: https://squawkhq.com/docs/prefer-bigint-over-int
warn contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	some s in m.statements
	s.kind in {"create_table", "add_column", "alter_column_type"}
	bad := [sprintf("%s (use %s)", [t, p]) |
		some t in object.get(s, "types", [])
		p := preferred_types[m.dialect][type_key(t)]
	]
	count(bad) > 0
	v := stmt_finding(md, m, s, sprintf("%s on %s uses %s", [upper(replace(s.kind, "_", " ")), s.table, concat(", ", bad)]))
}

# type_key is a type without its array brackets and with any length
# written as (n): varchar(100)[] is varchar(n).
type_key(t) := regex.replace(trim_suffix(t, "[]"), `\(.*\)$`, "(n)")

# proven_not_null: a valid CHECK (col IS NOT NULL) on the table before the
# SET NOT NULL, in this migration or an earlier one, lets PostgreSQL 12+
# skip the scan. Valid means added without NOT VALID, or validated after.
proven_not_null(m, s) if {
	before := earlier_statements(m, s)
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

table_key(t) := trim_prefix(lower(t), "public.")

# earlier_statements are the up statements applied before s: those of
# migrations whose path sorts before m's, and those above s in m.
earlier_statements(m, s) := [c |
	some o in input.migrations
	object.get(o, "direction", "up") != "down"
	some c in o.statements
	applied_before(o, c, m, s)
]

applied_before(o, _, m, _) if o.path < m.path

applied_before(o, c, m, s) if {
	o.path == m.path
	c.line < s.line
}
