package relgate.rules.migrations_test

# Tests of migrations_columns.rego: columns and their types.
# The helpers (stmt, mig, doc, one, denied, warned) are in
# migrations_test.rego.

import data.relgate.rules.migrations

# -- ALTER TABLE users ADD COLUMN plan text NOT NULL;
test_mig005_not_null_without_default if {
	col := {"kind": "add_column", "table": "users", "columns": ["plan"], "not_null_without_default": true, "backward_incompatible": true}
	"MIG005" in denied(one("postgres", col))
	"MIG005" in denied(one("mysql", col))

	# -- ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';
	not "MIG005" in denied(one("postgres", {"kind": "add_column", "table": "users", "adds_default": true}))
	not "MIG005" in denied(one("mysql", {"kind": "add_column", "table": "users", "adds_default": true}))
}

# -- ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();
test_mig006_volatile_default if {
	col := {"kind": "add_column", "table": "users", "adds_default": true, "volatile_default": true, "rewrites_table": true}
	"MIG006" in denied(one("postgres", col))
	"MIG006" in denied(one("mysql", col))
	not "MIG016" in denied(one("postgres", col))

	# -- ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now();
	not "MIG006" in denied(one("postgres", {"kind": "add_column", "table": "users", "adds_default": true}))
}

# -- ALTER TABLE users ALTER COLUMN id TYPE bigint;  (MySQL: MODIFY id bigint)
test_mig007_type_change if {
	ch := {"kind": "alter_column_type", "table": "users", "columns": ["id"], "types": ["int8"], "changes_type": true, "rewrites_table": true}
	"MIG007" in denied(one("postgres", ch))
	"MIG007" in denied(one("mysql", ch))
	not "MIG016" in denied(one("postgres", ch))
	not "MIG007" in denied(one("postgres", object.union(ch, {"new_table": true})))
}

# -- CREATE TABLE users (id int, name varchar(100), seen timestamp);
test_mig014_types if {
	d := one("postgres", {"kind": "create_table", "table": "users", "types": ["int4", "timestamp", "varchar(100)"]})
	"MIG014" in warned(d)
	[v] := [v | some v in migrations.warn; v.rule == "MIG014"] with input as d
	v.msg == "CREATE TABLE on users uses int4 (use bigint), timestamp (use timestamptz), varchar(100) (use text) (read as PostgreSQL)"
	"MIG014" in warned(one("mysql", {"kind": "add_column", "table": "users", "types": ["timestamp"]}))

	# -- CREATE TABLE users (id bigint, name text, seen timestamptz);
	not "MIG014" in warned(one("postgres", {"kind": "create_table", "table": "users", "types": ["int8", "text", "timestamptz"]}))

	# varchar is MySQL's ordinary string type
	not "MIG014" in warned(one("mysql", {"kind": "create_table", "table": "users", "types": ["bigint", "varchar"]}))
}

# -- CREATE TABLE t (tags varchar(20)[]);
test_mig014_limited_varchar if {
	"MIG014" in warned(one("postgres", {"kind": "create_table", "table": "t", "types": ["varchar(20)[]"]}))
	"MIG014" in warned(one("postgres", {"kind": "alter_column_type", "table": "t", "types": ["varchar(1000)"]}))

	# -- CREATE TABLE t (name varchar, tags varchar[]);  no length: text by another name
	not "MIG014" in warned(one("postgres", {"kind": "create_table", "table": "t", "types": ["varchar", "varchar[]"]}))
}
