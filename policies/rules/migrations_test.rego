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

# -- CREATE INDEX users_email ON users (email);
test_mig001_index_without_concurrently if {
	d := one("postgres", {"kind": "create_index", "table": "users", "columns": ["email"], "lock": "SHARE"})
	"MIG001" in denied(d)
	[v] := [v | some v in migrations.deny; v.rule == "MIG001"] with input as d
	v.severity == "high"
	v.location == {"path": "db/migrations/0002_change.up.sql", "start_line": 3, "end_line": 3}
	v.fingerprint == "fp-1"
	v.msg == "CREATE INDEX on users (email) without CONCURRENTLY takes a SHARE lock: writes to the table wait while the index builds (read as PostgreSQL)"
}

# -- CREATE INDEX CONCURRENTLY users_email ON users (email);
test_mig001_concurrent_index_passes if {
	not "MIG001" in denied(one("postgres", {"kind": "create_index", "table": "users", "concurrently": true, "lock": "SHARE UPDATE EXCLUSIVE"}))
}

# -- CREATE TABLE users (…); CREATE INDEX ON users (email);
test_mig001_index_on_new_table_passes if {
	not "MIG001" in denied(one("postgres", {"kind": "create_index", "table": "users", "lock": "SHARE", "new_table": true}))
}

# MySQL builds indexes online; the rule is PostgreSQL's.
test_mig001_not_for_mysql if {
	not "MIG001" in denied(one("mysql", {"kind": "create_index", "table": "users", "lock": "NONE"}))
}

# -- DROP INDEX users_email;
test_mig002_drop_index_without_concurrently if {
	"MIG002" in denied(one("postgres", {"kind": "drop_index", "table": "users_email", "lock": "ACCESS EXCLUSIVE"}))

	# -- DROP INDEX CONCURRENTLY users_email;
	not "MIG002" in denied(one("postgres", {"kind": "drop_index", "table": "users_email", "concurrently": true, "lock": "SHARE UPDATE EXCLUSIVE"}))
}

# -- (goose, in its transaction) CREATE INDEX CONCURRENTLY ON users (email);
test_mig003_concurrently_in_transaction if {
	d := one("postgres", {"kind": "create_index", "table": "users", "concurrently": true, "in_transaction": true})
	"MIG003" in denied(d)
	[v] := [v | some v in migrations.deny; v.rule == "MIG003"] with input as d
	v.msg == "CREATE INDEX cannot run inside a transaction, and this golang-migrate migration runs in one (read as PostgreSQL)"

	# -- VACUUM FULL users; inside BEGIN … COMMIT
	"MIG003" in denied(one("postgres", {"kind": "vacuum", "in_transaction": true}))

	# -- (-- +goose NO TRANSACTION) CREATE INDEX CONCURRENTLY ON users (email);
	not "MIG003" in denied(one("postgres", {"kind": "create_index", "table": "users", "concurrently": true}))
}

# -- ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);
test_mig004_foreign_key_without_not_valid if {
	fk := {"kind": "add_constraint", "table": "orders", "adds_constraint": "foreign_key", "lock": "SHARE ROW EXCLUSIVE"}
	"MIG004" in denied(one("postgres", fk))

	# -- … REFERENCES users (id) NOT VALID;
	not "MIG004" in denied(one("postgres", object.union(fk, {"not_valid": true})))

	# MySQL: ALTER TABLE orders ADD CONSTRAINT … FOREIGN KEY …; and the
	# same after SET foreign_key_checks = 0 (the scanner reports not_valid).
	"MIG004" in denied(one("mysql", object.union(fk, {"lock": "SHARED"})))
	not "MIG004" in denied(one("mysql", object.union(fk, {"lock": "NONE", "not_valid": true})))
}

# -- ALTER TABLE orders ADD CONSTRAINT total_positive CHECK (total > 0);
test_mig004_check_constraint if {
	chk := {"kind": "add_constraint", "table": "orders", "adds_constraint": "check", "lock": "ACCESS EXCLUSIVE"}
	"MIG004" in denied(one("postgres", chk))
	not "MIG004" in denied(one("postgres", object.union(chk, {"new_table": true})))
}

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

# -- ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
test_mig011_unique_constraint if {
	u := {"kind": "add_constraint", "table": "users", "adds_constraint": "unique", "lock": "ACCESS EXCLUSIVE"}
	"MIG011" in denied(one("postgres", u))

	# -- … ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;
	not "MIG011" in denied(one("postgres", object.union(u, {"using_index": true})))
	not "MIG011" in denied(one("mysql", object.union(u, {"lock": "NONE"})))
}

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

# -- (goose, in its transaction) BEGIN; … COMMIT;
test_mig015_nested_transaction if {
	"MIG015" in denied(one("postgres", {"kind": "begin", "in_transaction": true}))
	"MIG015" in denied(one("mysql", {"kind": "begin", "in_transaction": true}))

	# -- (plain SQL) BEGIN; … COMMIT;
	not "MIG015" in denied(one("postgres", {"kind": "begin"}))
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

# -- ALTER TABLE users ALTER COLUMN email SET NOT NULL;
test_mig017_set_not_null if {
	s := {"kind": "set_not_null", "table": "users", "columns": ["email"], "adds_constraint": "not_null", "backward_incompatible": true}
	"MIG017" in denied(one("postgres", s))
	not "MIG017" in denied(one("postgres", object.union(s, {"new_table": true})))

	# -- ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
	not "MIG017" in denied(one("postgres", {"kind": "drop_not_null", "table": "users"}))
}

# -- CREATE TABLE users (id int);  (not IF NOT EXISTS)
test_mig013_not_idempotent if {
	"MIG013" in warned(one("postgres", {"kind": "create_table", "table": "users", "idempotent": false}))
	"MIG013" in warned(one("mysql", {"kind": "create_table", "table": "users", "idempotent": false}))

	# -- CREATE TABLE IF NOT EXISTS users (id bigint);
	not "MIG013" in warned(one("postgres", {"kind": "create_table", "table": "users", "idempotent": true}))

	# MySQL has no CREATE INDEX IF NOT EXISTS: nothing to ask for
	not "MIG013" in warned(one("mysql", {"kind": "create_index", "table": "users", "idempotent": false}))
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

# -- BEGIN; ALTER TABLE e ADD CONSTRAINT fk … NOT VALID; ALTER TABLE e VALIDATE CONSTRAINT fk; COMMIT;
test_mig004_validate_in_the_adding_transaction if {
	add := stmt({"line": 2, "kind": "add_constraint", "table": "e", "objects": ["fk", "u"], "adds_constraint": "foreign_key", "not_valid": true, "in_transaction": true})
	val := stmt({"line": 3, "kind": "validate_constraint", "table": "e", "objects": ["fk"], "validates_constraint": true, "in_transaction": true})
	d := doc("staging", [mig("postgres", [add, val])])
	[v] := [v | some v in migrations.deny; v.rule == "MIG004"] with input as d
	v.location.start_line == 3

	# -- … COMMIT; between them, or no transaction at all
	commit := stmt({"line": 3, "kind": "commit", "in_transaction": true})
	later := object.union(val, {"line": 4, "in_transaction": false})
	not "MIG004" in denied(doc("staging", [mig("postgres", [add, commit, later])]))
	not "MIG004" in denied(doc("staging", [mig("postgres", [object.union(add, {"in_transaction": false}), object.union(val, {"in_transaction": false})])]))
}

# -- (goose, in its transaction) INSERT …; COMMIT;
test_mig015_commit_of_the_tools_transaction if {
	d := doc("staging", [mig("postgres", [stmt({"line": 2, "kind": "insert", "in_transaction": true}), stmt({"line": 3, "kind": "commit", "in_transaction": true})])])
	[v] := [v | some v in migrations.deny; v.rule == "MIG015"] with input as d
	v.msg == "COMMIT ends the transaction this golang-migrate migration runs in, half-way (read as PostgreSQL)"

	# -- BEGIN; …; COMMIT;  (plain SQL)
	not "MIG015" in denied(doc("staging", [mig("postgres", [stmt({"line": 1, "kind": "begin"}), stmt({"line": 3, "kind": "commit", "in_transaction": true})])]))
}

# -- CREATE TABLE t (…); inside BEGIN … COMMIT, a TEMP table, an unnamed CREATE INDEX CONCURRENTLY
test_mig013_false_alarms if {
	not "MIG013" in warned(one("postgres", {"kind": "create_table", "table": "t", "idempotent": false, "in_transaction": true}))
	not "MIG013" in warned(one("postgres", {"kind": "create_table", "table": "t", "idempotent": false, "temporary": true}))
	not "MIG013" in warned(one("postgres", {"kind": "create_index", "table": "t", "idempotent": false, "concurrently": true}))
	"MIG013" in warned(one("postgres", {"kind": "create_index", "table": "t", "idempotent": false, "concurrently": true, "objects": ["t_a"]}))

	# -- ALTER TABLE t ENABLE ROW LEVEL SECURITY;  (no transaction, no guard exists)
	"MIG013" in warned(one("postgres", {"kind": "enable_row_security", "table": "t", "idempotent": false}))

	# -- ALTER TABLE e DROP CONSTRAINT IF EXISTS fk; ALTER TABLE e ADD CONSTRAINT fk …;
	drop := stmt({"line": 1, "kind": "drop_constraint", "table": "e", "objects": ["fk"], "idempotent": true})
	add := stmt({"line": 2, "kind": "add_constraint", "table": "e", "objects": ["fk"], "adds_constraint": "foreign_key", "not_valid": true, "idempotent": false})
	not "MIG013" in warned(doc("staging", [mig("postgres", [drop, add])]))
	"MIG013" in warned(doc("staging", [mig("postgres", [drop, add, object.union(add, {"line": 3, "fingerprint": "fp-3"})])]))
}

# -- ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL) NOT VALID;
# -- ALTER TABLE users VALIDATE CONSTRAINT email_nn;   (an earlier migration)
# -- ALTER TABLE users ALTER COLUMN email SET NOT NULL;
test_mig017_after_a_valid_check if {
	chk := stmt({"line": 1, "kind": "add_constraint", "table": "users", "objects": ["email_nn"], "adds_constraint": "check", "not_null_check": "email", "not_valid": true})
	val := stmt({"line": 2, "kind": "validate_constraint", "table": "users", "objects": ["email_nn"]})
	earlier := object.union(mig("postgres", [chk, val]), {"path": "db/migrations/0001_check.up.sql", "change": "unchanged"})
	set := stmt({"line": 1, "kind": "set_not_null", "table": "users", "columns": ["email"], "lock": "ACCESS EXCLUSIVE"})
	not "MIG017" in denied(doc("staging", [earlier, mig("postgres", [set])]))

	# without the VALIDATE the check proves nothing
	unvalidated := object.union(mig("postgres", [chk]), {"path": "db/migrations/0001_check.up.sql", "change": "unchanged"})
	"MIG017" in denied(doc("staging", [unvalidated, mig("postgres", [set])]))

	# a check on another column proves nothing either
	other := object.union(mig("postgres", [object.union(chk, {"not_null_check": "name", "not_valid": false})]), {"path": "db/migrations/0001_check.up.sql", "change": "unchanged"})
	"MIG017" in denied(doc("staging", [other, mig("postgres", [set])]))
}
