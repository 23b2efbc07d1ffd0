package relgate.rules.migrations_mysql_test

import data.relgate.rules.migrations

stmt(fields) := object.union(
	{"line": 1, "end_line": 1, "kind": "select", "fingerprint": "fp-1", "rewrites_table": false, "changes_type": false, "new_table": false, "lock_timeout_set": true},
	fields,
)

one(dialect, fields) := {"release": {"environment": "staging"}, "migrations": [{
	"path": "db/migrations/0002_change.up.sql", "tool": "golang-migrate", "dialect": dialect,
	"direction": "up", "has_down": true, "change": "added", "statements": [stmt(fields)],
}]}

denied(d) := r if {
	r := {v.rule | some v in migrations.deny} with input as d
}

# -- ALTER TABLE users ADD INDEX users_email (email), LOCK=SHARED;
test_mig038_explicit_lock if {
	d := one("mysql", {"kind": "create_index", "table": "users", "lock": "SHARED"})
	[v] := [v | some v in migrations.deny; v.rule == "MIG038"] with input as d
	v.msg == "CREATE INDEX on users takes a SHARED lock for the whole statement (read as MySQL)"
	"MIG038" in denied(one("mysql", {"kind": "add_column", "table": "users", "lock": "EXCLUSIVE"}))

	# -- … ALGORITHM=INPLACE, LOCK=NONE;
	not "MIG038" in denied(one("mysql", {"kind": "create_index", "table": "users", "lock": "NONE", "concurrently": true, "algorithm": "INPLACE"}))

	# -- ALTER TABLE users ADD COLUMN note text, ALGORITHM=COPY;  is MIG016's
	not "MIG038" in denied(one("mysql", {"kind": "add_column", "table": "users", "lock": "SHARED", "rewrites_table": true}))

	# -- DROP TABLE sessions;  holds its lock only while the dictionary changes
	not "MIG038" in denied(one("mysql", {"kind": "drop_table", "table": "sessions", "lock": "EXCLUSIVE"}))

	# PostgreSQL's lock names are other rules'
	not "MIG038" in denied(one("postgres", {"kind": "lock", "table": "users", "lock": "EXCLUSIVE"}))
}
