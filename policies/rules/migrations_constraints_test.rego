package relgate.rules.migrations_test

# Tests of migrations_constraints.rego: indexes and constraints.
# The helpers (stmt, mig, doc, one, denied, warned) are in
# migrations_test.rego.

import data.relgate.rules.migrations

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

# -- ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);
test_mig011_unique_constraint if {
	u := {"kind": "add_constraint", "table": "users", "adds_constraint": "unique", "lock": "ACCESS EXCLUSIVE"}
	"MIG011" in denied(one("postgres", u))

	# -- … ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;
	not "MIG011" in denied(one("postgres", object.union(u, {"using_index": true})))
	not "MIG011" in denied(one("mysql", object.union(u, {"lock": "NONE"})))
}

# -- ALTER TABLE users ALTER COLUMN email SET NOT NULL;
test_mig017_set_not_null if {
	s := {"kind": "set_not_null", "table": "users", "columns": ["email"], "adds_constraint": "not_null", "backward_incompatible": true}
	"MIG017" in denied(one("postgres", s))
	not "MIG017" in denied(one("postgres", object.union(s, {"new_table": true})))

	# -- ALTER TABLE users ALTER COLUMN email DROP NOT NULL;
	not "MIG017" in denied(one("postgres", {"kind": "drop_not_null", "table": "users"}))
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

# -- BEGIN; ALTER TABLE e ADD CONSTRAINT fk … NOT VALID; ALTER TABLE e VALIDATE CONSTRAINT fk;  (one line)
# The statements' order decides, not their lines.
test_mig004_validate_on_the_adding_line if {
	add := stmt({"line": 2, "kind": "add_constraint", "table": "e", "objects": ["fk", "u"], "adds_constraint": "foreign_key", "not_valid": true, "in_transaction": true})
	val := stmt({"line": 2, "kind": "validate_constraint", "table": "e", "objects": ["fk"], "validates_constraint": true, "in_transaction": true})
	"MIG004" in denied(doc("staging", [mig("postgres", [add, val])]))

	# -- … NOT VALID; COMMIT; BEGIN; … VALIDATE …;  on that one line
	commit := stmt({"line": 2, "kind": "commit", "in_transaction": true})
	not "MIG004" in denied(doc("staging", [mig("postgres", [add, commit, val])]))

	# a VALIDATE before the ADD is another constraint's
	not "MIG004" in denied(doc("staging", [mig("postgres", [val, add])]))
}

# -- ALTER TABLE users ADD CONSTRAINT email_nn CHECK (email IS NOT NULL);
# -- ALTER TABLE users ALTER COLUMN email SET NOT NULL;   (the same migration)
test_mig017_check_in_the_same_migration if {
	chk := stmt({"line": 1, "kind": "add_constraint", "table": "users", "objects": ["email_nn"], "adds_constraint": "check", "not_null_check": "email"})
	set := stmt({"line": 2, "kind": "set_not_null", "table": "users", "columns": ["email"], "lock": "ACCESS EXCLUSIVE"})
	not "MIG017" in denied(doc("staging", [mig("postgres", [chk, set])]))

	# a check added after the SET NOT NULL comes too late
	"MIG017" in denied(doc("staging", [mig("postgres", [set, chk])]))

	# so does one in a migration that sorts after this one
	later := object.union(mig("postgres", [chk]), {"path": "db/migrations/0003_check.up.sql", "change": "unchanged"})
	"MIG017" in denied(doc("staging", [mig("postgres", [set]), later]))
}
