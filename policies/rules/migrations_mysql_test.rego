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

# -- CREATE TABLE orders_xxxx…(65 characters) (id bigint);
test_mig039_identifier_too_long if {
	long := concat("", ["orders_", concat("", [x | some _ in numbers.range(1, 58); x := "x"])])
	d := one("mysql", {"kind": "create_table", "table": long, "long_names": [long]})
	[v] := [v | some v in migrations.deny; v.rule == "MIG039"] with input as d
	v.msg == sprintf("CREATE TABLE names %s, longer than 64 characters: MySQL refuses the statement (read as MySQL)", [long])
	v.severity == "high"
	not "MIG025" in denied(d)

	# PostgreSQL's limit is MIG025's
	pg := one("postgres", {"kind": "create_table", "table": long, "long_names": [long]})
	not "MIG039" in denied(pg)
	"MIG025" in denied(pg)

	# -- CREATE TABLE orders_archive (id bigint);
	not "MIG039" in denied(one("mysql", {"kind": "create_table", "table": "orders_archive"}))
	not "MIG039" in denied(one("mysql", {"kind": "create_table", "table": "orders_archive", "long_names": []}))
}
