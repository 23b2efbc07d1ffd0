package relgate.rules.migrations_test

# Tests of migrations_locks.rego: lock timeouts and rewrites.
# The helpers (stmt, mig, doc, one, denied, warned) are in
# migrations_test.rego.

import data.relgate.rules.migrations

# -- ALTER TABLE users ADD COLUMN note text;  (no SET lock_timeout before)
test_mig012_lock_timeout if {
	a := {"kind": "add_column", "table": "users", "lock": "ACCESS EXCLUSIVE", "lock_timeout_set": false}
	d := one("postgres", a)
	"MIG012" in denied(d)
	[v] := [v | some v in migrations.deny; v.rule == "MIG012"] with input as d
	v.msg == "ADD COLUMN takes an ACCESS EXCLUSIVE lock on users with no lock_timeout set before it (read as PostgreSQL)"

	# -- SET lock_timeout = '5s'; ALTER TABLE users ADD COLUMN note text;
	not "MIG012" in denied(one("postgres", object.union(a, {"lock_timeout_set": true})))

	# CREATE INDEX CONCURRENTLY and COMMENT ON wait for SHARE UPDATE
	# EXCLUSIVE behind any DDL, and queue what comes after them
	"MIG012" in denied(one("postgres", {"kind": "create_index", "concurrently": true, "lock": "SHARE UPDATE EXCLUSIVE", "lock_timeout_set": false}))
	"MIG012" in denied(one("postgres", {"kind": "comment", "table": "users", "lock": "SHARE UPDATE EXCLUSIVE", "lock_timeout_set": false}))

	# -- UPDATE users SET plan = 'free' WHERE id = 1;  row locks only
	not "MIG012" in denied(one("postgres", {"kind": "update", "table": "users", "lock": "ROW EXCLUSIVE", "lock_timeout_set": false}))

	# -- ALTER TABLE users ADD COLUMN note text, ALGORITHM=INSTANT, LOCK=NONE;  (MySQL, online)
	not "MIG012" in denied(one("mysql", {"kind": "add_column", "table": "users", "lock": "NONE", "concurrently": true, "algorithm": "INSTANT", "lock_timeout_set": false}))
	my := one("mysql", {"kind": "add_column", "table": "users", "lock": "NONE", "lock_timeout_set": false})
	[w] := [w | some w in migrations.deny; w.rule == "MIG012"] with input as my
	w.msg == "ADD COLUMN takes a metadata lock on users with no lock_wait_timeout set before it (read as MySQL)"

	# MySQL: every DDL waits for its metadata lock
	"MIG012" in denied(one("mysql", object.union(a, {"lock": "NONE"})))
	not "MIG012" in denied(one("mysql", {"kind": "add_column", "lock": "NONE", "lock_timeout_set": true}))
	not "MIG012" in denied(one("mysql", {"kind": "insert", "lock_timeout_set": false}))
}

# -- VACUUM FULL users;  /  ALTER TABLE users ADD PRIMARY KEY (id) (MySQL)
test_mig016_rewrite if {
	"MIG016" in denied(one("postgres", {"kind": "vacuum", "table": "users", "rewrites_table": true, "lock": "ACCESS EXCLUSIVE"}))
	pk := one("mysql", {"kind": "add_constraint", "table": "users", "adds_constraint": "primary_key", "rewrites_table": true, "lock": "NONE"})
	[v] := [v | some v in migrations.deny; v.rule == "MIG016"] with input as pk
	v.msg == "ADD CONSTRAINT PRIMARY KEY rewrites every row of users while it is locked (read as MySQL)"

	# -- VACUUM users;
	not "MIG016" in denied(one("postgres", {"kind": "vacuum", "table": "users", "lock": "SHARE UPDATE EXCLUSIVE"}))
}

# -- LOCK TABLE users IN ACCESS SHARE MODE;  held to the end of the transaction
test_mig012_lock_table if {
	d := one("postgres", {"kind": "lock", "table": "users", "lock": "ACCESS SHARE", "lock_timeout_set": false})
	[v] := [v | some v in migrations.deny; v.rule == "MIG012"] with input as d
	v.msg == "LOCK takes an ACCESS SHARE lock on users with no lock_timeout set before it (read as PostgreSQL)"

	# a MySQL statement with no lock recorded waits for none
	not "MIG012" in denied(one("mysql", {"kind": "lock", "table": "users", "lock_timeout_set": false}))
}
