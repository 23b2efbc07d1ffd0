# Migration safety: columns added or changed, and their types (the
# package's METADATA and the helpers every rule uses are in
# migrations.rego).
package relgate.rules.migrations

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
