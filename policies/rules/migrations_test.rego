package relgate.rules.migrations_test

import data.relgate.rules.migrations

# stmt is a statement fact as the migrations scanner reports it; the SQL
# each test stands for is written above it. Go tests in
# scanners/migrations check that the real parsers give these facts.
stmt(fields) := object.union(
	{
		"line": 3, "end_line": 3, "kind": "select", "fingerprint": "fp-1",
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

mig(dialect, statements) := {
	"path": "db/migrations/0002_change.up.sql", "tool": "golang-migrate", "version": "0002",
	"dialect": dialect, "direction": "up", "has_down": true,
	"down_path": "db/migrations/0002_change.down.sql", "in_change": true, "change": "added",
	"transactional": false, "irreversible": false, "statements": statements,
}

doc(env, migs) := {"release": {"environment": env}, "migrations": migs}

one(dialect, fields) := doc("staging", [mig(dialect, [stmt(fields)])])

denied(d) := r if {
	r := {v.rule | some v in migrations.deny} with input as d
}

warned(d) := r if {
	r := {v.rule | some v in migrations.warn} with input as d
}

test_unchanged_migrations_are_not_judged if {
	m := object.union(mig("postgres", [stmt({"kind": "create_index", "table": "users", "lock": "SHARE"})]), {"change": "unchanged", "in_change": false})
	count(migrations.deny) == 0 with input as doc("production", [m])

	# no change range given: every migration is judged
	u := object.union(m, {"change": "unknown"})
	"MIG001" in denied(doc("production", [u]))
}

test_down_direction_is_not_judged_for_safety if {
	m := object.union(mig("postgres", [stmt({"kind": "create_index", "table": "users", "lock": "SHARE"})]), {"direction": "down"})
	not "MIG001" in denied(doc("staging", [m]))
}

# -- DROP TABLE a, b;  /  DROP VIEW v, w;  /  DROP VIEW v;
# A message names every object a statement acts on, with or without a table.
test_target_names_every_object if {
	tables := one("postgres", {"kind": "drop_table", "table": "a", "objects": ["a", "b"], "idempotent": false})
	[t] := [v | some v in migrations.warn; v.rule == "MIG013"] with input as tables
	t.msg == "DROP TABLE a, b has no IF [NOT] EXISTS and fails if the migration is run again (read as PostgreSQL)"

	views := one("postgres", {"kind": "drop_view", "objects": ["v", "w"], "idempotent": false})
	[v] := [v | some v in migrations.warn; v.rule == "MIG013"] with input as views
	v.msg == "DROP VIEW v, w has no IF [NOT] EXISTS and fails if the migration is run again (read as PostgreSQL)"

	# one object: the table it is on
	index := one("postgres", {"kind": "create_index", "table": "users", "objects": ["users_email"], "concurrently": true, "lock": "SHARE UPDATE EXCLUSIVE", "lock_timeout_set": false})
	[i] := [v | some v in migrations.deny; v.rule == "MIG012"] with input as index
	i.msg == "CREATE INDEX takes a SHARE UPDATE EXCLUSIVE lock on users with no lock_timeout set before it (read as PostgreSQL)"

	view := one("postgres", {"kind": "drop_view", "objects": ["v"], "idempotent": false})
	[w] := [v | some v in migrations.warn; v.rule == "MIG013"] with input as view
	w.msg == "DROP VIEW v has no IF [NOT] EXISTS and fails if the migration is run again (read as PostgreSQL)"
}
