package relgate.rules.migrations_test

# Tests of migrations_robustness.rego: re-runnable statements.
# The helpers (stmt, mig, doc, one, denied, warned) are in
# migrations_test.rego.

# -- CREATE TABLE users (id int);  (not IF NOT EXISTS)
test_mig013_not_idempotent if {
	"MIG013" in warned(one("postgres", {"kind": "create_table", "table": "users", "idempotent": false}))
	"MIG013" in warned(one("mysql", {"kind": "create_table", "table": "users", "idempotent": false}))

	# -- CREATE TABLE IF NOT EXISTS users (id bigint);
	not "MIG013" in warned(one("postgres", {"kind": "create_table", "table": "users", "idempotent": true}))

	# MySQL has no CREATE INDEX IF NOT EXISTS: nothing to ask for
	not "MIG013" in warned(one("mysql", {"kind": "create_index", "table": "users", "idempotent": false}))
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

# -- ALTER TABLE e DROP CONSTRAINT IF EXISTS fk, ADD CONSTRAINT fk …;  (one statement, one line)
test_mig013_drop_and_add_in_one_alter if {
	drop := stmt({"line": 2, "kind": "drop_constraint", "table": "e", "objects": ["fk"], "idempotent": true})
	add := stmt({"line": 2, "kind": "add_constraint", "table": "e", "objects": ["fk"], "adds_constraint": "foreign_key", "not_valid": true, "idempotent": false})
	not "MIG013" in warned(doc("staging", [mig("postgres", [drop, add])]))

	# an ADD before the DROP is not guarded by it
	"MIG013" in warned(doc("staging", [mig("postgres", [add, drop])]))
}
