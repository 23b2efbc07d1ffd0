package relgate.rules.migrations_release_test

import data.relgate.rules.migrations

stmt(fields) := object.union(
	{
		"line": 2, "end_line": 2, "kind": "select", "fingerprint": "fp-2",
		"destructive": false, "backward_incompatible": false, "rewrites_table": false,
		"concurrently": false, "in_transaction": false, "not_null_without_default": false,
		"adds_default": false, "volatile_default": false, "not_valid": false,
		"validates_constraint": false, "changes_type": false, "renames": false,
		"lock_timeout_set": true, "statement_timeout_set": false,
		"data_change_without_where": false, "idempotent": true, "new_table": false,
		"using_index": false,
	},
	fields,
)

mig(dialect, fields, statements) := object.union(
	{
		"path": "db/migrations/20240102_contract.sql", "tool": "goose", "version": "20240102",
		"dialect": dialect, "direction": "up", "has_down": true,
		"down_path": "db/migrations/20240102_contract.sql", "in_change": true, "change": "added",
		"transactional": true, "irreversible": false, "statements": statements,
	},
	fields,
)

doc(env, labels, migs) := {"release": {"environment": env, "labels": labels}, "migrations": migs}

one(dialect, fields) := doc("staging", [], [mig(dialect, {}, [stmt(fields)])])

denied(d) := r if {
	r := {v.rule | some v in migrations.deny} with input as d
}

denied_with(d, cfg) := r if {
	r := {v.rule | some v in migrations.deny} with input as d with data.relgate.config as cfg
}

warned(d) := r if {
	r := {v.rule | some v in migrations.warn} with input as d
}

rename_column := {
	"kind": "rename_column", "table": "users", "columns": ["email"], "objects": ["email", "email_address"],
	"renames": true, "backward_incompatible": true, "lock": "ACCESS EXCLUSIVE",
}

# -- ALTER TABLE users RENAME COLUMN email TO email_address;
test_mig008_rename_denied_outside_cleanup if {
	d := one("postgres", rename_column)
	"MIG008" in denied(d)
	[v] := [v | some v in migrations.deny; v.rule == "MIG008"] with input as d
	v.msg == "RENAME COLUMN renames users.email to email_address while the released code still uses the old name; rename in a cleanup release after an expand release (read as PostgreSQL)"

	# MySQL: RENAME TABLE users TO accounts;
	table := one("mysql", {"kind": "rename_table", "table": "users", "objects": ["users", "accounts"], "renames": true, "backward_incompatible": true})
	[t] := [v | some v in migrations.deny; v.rule == "MIG008"] with input as table
	t.msg == "RENAME TABLE renames users to accounts while the released code still uses the old name; rename in a cleanup release after an expand release (read as MySQL)"
}

# -- ALTER TYPE mood RENAME VALUE 'sad' TO 'blue';  /  a rename the scanner knows only the table of
test_mig008_rename_messages if {
	enum := one("postgres", {"kind": "rename_enum_value", "objects": ["mood", "sad", "blue"], "renames": true, "backward_incompatible": true})
	[e] := [v | some v in migrations.deny; v.rule == "MIG008"] with input as enum
	e.msg == "RENAME ENUM VALUE renames value sad of mood to blue while the released code still uses the old name; rename in a cleanup release after an expand release (read as PostgreSQL)"

	bare := one("postgres", {"kind": "rename_table", "table": "users", "renames": true, "backward_incompatible": true})
	[b] := [v | some v in migrations.deny; v.rule == "MIG008"] with input as bare
	b.msg == "RENAME TABLE renames users while the released code still uses the old name; rename in a cleanup release after an expand release (read as PostgreSQL)"
}

test_mig008_rename_passes_in_cleanup_release if {
	m := mig("postgres", {}, [stmt(rename_column)])
	not "MIG008" in denied(doc("production", ["cleanup"], [m]))
	not "MIG008" in denied_with(doc("production", [], [m]), {"migrations": {"cleanup_release": true}})

	# renaming a table created in the same release is harmless
	not "MIG008" in denied(one("postgres", object.union(rename_column, {"new_table": true})))

	# an index rename breaks nobody
	not "MIG008" in denied(one("postgres", {"kind": "rename_index", "renames": true, "objects": ["a", "b"]}))
}

# -- ALTER TABLE users DROP COLUMN legacy_plan;
test_mig009_drop_denied_outside_cleanup if {
	drop := {"kind": "drop_column", "table": "users", "columns": ["legacy_plan"], "destructive": true, "backward_incompatible": true}
	d := one("postgres", drop)
	"MIG009" in denied(d)
	[v] := [v | some v in migrations.deny; v.rule == "MIG009"] with input as d
	v.msg == "DROP COLUMN users.legacy_plan while the released code may still use it; drop in a cleanup release after an expand release (read as PostgreSQL)"
	"MIG009" in denied(one("mysql", {"kind": "drop_table", "table": "sessions", "destructive": true, "backward_incompatible": true}))

	# the same in a cleanup release
	not "MIG009" in denied(doc("staging", ["cleanup"], [mig("postgres", {}, [stmt(drop)])]))

	# dropping an index is not a contract, nor is dropping a default (MIG018)
	not "MIG009" in denied(one("postgres", {"kind": "drop_index", "table": "users_email"}))
	not "MIG009" in denied(one("postgres", {"kind": "drop_default", "table": "users", "backward_incompatible": true}))
}

# -- DROP DATABASE legacy;
test_mig010_drop_database_always_denied if {
	dropdb := {"kind": "drop_database", "objects": ["legacy"], "destructive": true, "backward_incompatible": true}
	"MIG010" in denied(one("postgres", dropdb))
	"MIG010" in denied(doc("staging", ["cleanup"], [mig("mysql", {}, [stmt(dropdb)])]))
	not "MIG009" in denied(one("postgres", dropdb))

	# -- CREATE DATABASE analytics;
	not "MIG010" in denied(one("postgres", {"kind": "create_database", "objects": ["analytics"]}))
}

# -- ALTER TABLE users ALTER COLUMN plan DROP DEFAULT;
test_mig018_drop_default if {
	dd := {"kind": "drop_default", "table": "users", "columns": ["plan"], "backward_incompatible": true}
	"MIG018" in denied(one("postgres", dd))
	"MIG018" in denied(one("mysql", dd))
	not "MIG018" in denied(doc("staging", ["cleanup"], [mig("postgres", {}, [stmt(dd)])]))

	# -- ALTER TABLE users ALTER COLUMN plan SET DEFAULT 'free';
	not "MIG018" in denied(one("postgres", {"kind": "set_default", "table": "users", "adds_default": true}))
}

# -- TRUNCATE sessions;  /  DELETE FROM sessions;
test_mig019_destroys_data if {
	"MIG019" in denied(one("postgres", {"kind": "truncate", "table": "sessions", "destructive": true, "cascade": true}))

	# -- TRUNCATE sessions;  empties only the table it names: a warning
	truncate := one("postgres", {"kind": "truncate", "table": "sessions", "destructive": true})
	not "MIG019" in denied(truncate)
	"MIG037" in warned(truncate)
	not "MIG037" in warned(one("postgres", {"kind": "truncate", "table": "sessions", "destructive": true, "cascade": true}))
	"MIG019" in denied(one("mysql", {"kind": "delete", "table": "sessions", "destructive": true, "data_change_without_where": true}))

	# -- DELETE FROM sessions WHERE expires_at < now();
	not "MIG019" in denied(one("postgres", {"kind": "delete", "table": "sessions"}))
}

# -- UPDATE users SET plan = 'free';
test_mig020_update_without_where if {
	"MIG020" in warned(one("postgres", {"kind": "update", "table": "users", "data_change_without_where": true}))
	"MIG020" in warned(one("mysql", {"kind": "update", "table": "users", "data_change_without_where": true}))

	# -- UPDATE users SET plan = 'free' WHERE plan IS NULL;
	not "MIG020" in warned(one("postgres", {"kind": "update", "table": "users"}))
}

test_mig021_production_needs_a_down if {
	m := mig("postgres", {"has_down": false, "down_path": ""}, [stmt({"kind": "create_table", "table": "t"})])
	d := doc("production", [], [m])
	"MIG021" in denied(d)
	[v] := [v | some v in migrations.deny; v.rule == "MIG021"] with input as d
	v.location == {"path": "db/migrations/20240102_contract.sql", "start_line": 1, "end_line": 1}

	# outside production it is not asked for
	not "MIG021" in denied(doc("staging", [], [m]))

	# -- relgate:irreversible
	not "MIG021" in denied(doc("production", [], [object.union(m, {"irreversible": true})]))

	# with a down migration
	not "MIG021" in denied(doc("production", [], [object.union(m, {"has_down": true})]))

	# Flyway repeatable migrations have no undo
	not "MIG021" in denied(doc("production", [], [object.union(m, {"repeatable": true})]))

	# a file with no statements has nothing to undo
	not "MIG021" in denied(doc("production", [], [object.union(m, {"statements": []})]))
}

# -- (down) DROP TABLE invoices;
test_mig022_down_destroys_data if {
	down := mig("mysql", {"direction": "down"}, [stmt({"kind": "drop_table", "table": "invoices", "destructive": true, "backward_incompatible": true})])
	"MIG022" in warned(doc("staging", [], [down]))
	col := mig("postgres", {"direction": "down"}, [stmt({"kind": "drop_column", "table": "invoices", "columns": ["due"], "destructive": true})])
	[v] := [v | some v in migrations.warn; v.rule == "MIG022"] with input as doc("staging", [], [col])
	v.msg == "down migration db/migrations/20240102_contract.sql: DROP COLUMN invoices.due destroys data (read as PostgreSQL)"
	not "MIG009" in denied(doc("staging", [], [down]))

	# -- (down) DROP INDEX invoices_due;
	safe := mig("postgres", {"direction": "down"}, [stmt({"kind": "drop_index", "table": "invoices_due"})])
	not "MIG022" in warned(doc("staging", [], [safe]))
}

# -- CREATE TABLE x (id intt foo);
test_mig023_parse_error if {
	m := mig("postgres", {"errors": [{"line": 7, "message": "syntax error at or near \"foo\""}]}, [])
	d := doc("staging", [], [m])
	"MIG023" in denied(d)
	[v] := [v | some v in migrations.deny; v.rule == "MIG023"] with input as d
	v.location.start_line == 7
	v.msg == "db/migrations/20240102_contract.sql (postgres): syntax error at or near \"foo\""
	not "MIG023" in denied(doc("staging", [], [mig("postgres", {}, [])]))
}

test_mig024_edited_migration if {
	up := mig("postgres", {"change": "modified"}, [])
	down := object.union(up, {"direction": "down"})
	d := doc("staging", [], [down, up])
	[v] := [v | some v in migrations.deny; v.rule == "MIG024"] with input as d
	v.msg == "goose migration db/migrations/20240102_contract.sql was modified by the change"
	not "MIG024" in denied(doc("staging", [], [mig("postgres", {}, [])]))

	# a file with one direction, located at its first line
	single := doc("staging", [], [mig("postgres", {"change": "renamed"}, [])])
	[s] := [v | some v in migrations.deny; v.rule == "MIG024"] with input as single
	s.location == {"path": "db/migrations/20240102_contract.sql", "start_line": 1, "end_line": 1}
	s.msg == "goose migration db/migrations/20240102_contract.sql was renamed by the change"

	# Flyway repeatable migrations are meant to change
	not "MIG024" in denied(doc("staging", [], [mig("postgres", {"change": "modified", "repeatable": true}, [])]))
}

# -- ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
test_mig030_drop_not_null if {
	d := one("postgres", {"kind": "drop_not_null", "table": "users", "columns": ["email"]})
	[v] := [v | some v in migrations.deny; v.rule == "MIG030"] with input as d
	v.msg == "users.email may now be NULL while released code reads it as never NULL (read as PostgreSQL)"
	not "MIG030" in denied(doc("production", ["cleanup"], [mig("postgres", {}, [stmt({"kind": "drop_not_null", "table": "users", "columns": ["email"]})])]))

	# -- ALTER TABLE users ALTER COLUMN email SET NOT NULL;  is MIG017's
	not "MIG030" in denied(one("postgres", {"kind": "set_not_null", "table": "users", "columns": ["email"]}))
}
