package relgate.rules.migrations_transactions_test

import data.relgate.rules.migrations

stmt(line, fields) := object.union(
	{"line": line, "end_line": line, "kind": "select", "fingerprint": sprintf("fp-%d", [line]), "in_transaction": false, "new_table": false},
	fields,
)

doc(dialect, statements) := {"release": {"environment": "staging"}, "migrations": [{
	"path": "db/migrations/0002_change.sql", "tool": "sql", "dialect": dialect,
	"direction": "up", "has_down": true, "change": "added", "statements": statements,
}]}

denied(d) := r if {
	r := {v.rule | some v in migrations.deny} with input as d
}

warned(d) := r if {
	r := {v.rule | some v in migrations.warn} with input as d
}

# -- BEGIN; CREATE TABLE t (id bigint);   (no COMMIT)
test_mig034_uncommitted if {
	d := doc("postgres", [stmt(1, {"kind": "begin"}), stmt(2, {"kind": "create_table", "in_transaction": true})])
	[v] := [v | some v in migrations.deny; v.rule == "MIG034"] with input as d
	v.location.start_line == 1
	v.msg == "BEGIN without a COMMIT after it in the file (read as PostgreSQL)"
	"MIG034" in denied(doc("mysql", [stmt(1, {"kind": "begin"})]))

	# -- BEGIN; CREATE TABLE t (id bigint); COMMIT;   (or ROLLBACK)
	not "MIG034" in denied(doc("postgres", [stmt(1, {"kind": "begin"}), stmt(2, {"kind": "create_table", "in_transaction": true}), stmt(3, {"kind": "commit", "in_transaction": true})]))
	not "MIG034" in denied(doc("mysql", [stmt(1, {"kind": "begin"}), stmt(3, {"kind": "rollback", "in_transaction": true})]))

	# -- BEGIN; COMMIT;  the very next statement ends it
	not "MIG034" in denied(doc("postgres", [stmt(1, {"kind": "begin"}), stmt(1, {"kind": "commit", "in_transaction": true})]))

	# a COMMIT before the BEGIN does not end it
	"MIG034" in denied(doc("postgres", [stmt(1, {"kind": "commit"}), stmt(2, {"kind": "begin"})]))
}

# -- BEGIN; …; COMMIT; COMMIT;
test_mig035_commit_without_transaction if {
	d := doc("postgres", [stmt(1, {"kind": "begin"}), stmt(2, {"kind": "commit", "in_transaction": true}), stmt(3, {"kind": "commit"})])
	[v] := [v | some v in migrations.warn; v.rule == "MIG035"] with input as d
	v.location.start_line == 3
	"MIG035" in warned(doc("mysql", [stmt(1, {"kind": "rollback"})]))

	# -- BEGIN; …; COMMIT;
	not "MIG035" in warned(doc("postgres", [stmt(1, {"kind": "begin"}), stmt(2, {"kind": "commit", "in_transaction": true})]))
}

# wrapped is a migration its tool runs in a transaction of its own.
wrapped(dialect, statements) := {"release": {"environment": "staging"}, "migrations": [object.union(doc(dialect, statements).migrations[0], {"tool": "goose"})]}

# -- (goose, in its transaction) CREATE INDEX CONCURRENTLY ON users (email);
test_mig003_concurrently_in_transaction if {
	d := wrapped("postgres", [stmt(1, {"kind": "create_index", "table": "users", "concurrently": true, "in_transaction": true})])
	"MIG003" in denied(d)
	[v] := [v | some v in migrations.deny; v.rule == "MIG003"] with input as d
	v.msg == "CREATE INDEX cannot run inside a transaction, and this goose migration runs in one (read as PostgreSQL)"

	# -- VACUUM FULL users; inside BEGIN … COMMIT
	"MIG003" in denied(doc("postgres", [stmt(2, {"kind": "vacuum", "in_transaction": true})]))

	# -- (-- +goose NO TRANSACTION) CREATE INDEX CONCURRENTLY ON users (email);
	not "MIG003" in denied(wrapped("postgres", [stmt(1, {"kind": "create_index", "table": "users", "concurrently": true})]))
}

# -- (goose, in its transaction) BEGIN; … COMMIT;
test_mig015_nested_transaction if {
	"MIG015" in denied(wrapped("postgres", [stmt(1, {"kind": "begin", "in_transaction": true})]))
	"MIG015" in denied(wrapped("mysql", [stmt(1, {"kind": "begin", "in_transaction": true})]))

	# -- (plain SQL) BEGIN; … COMMIT;
	not "MIG015" in denied(doc("postgres", [stmt(1, {"kind": "begin"})]))
}

# -- (goose, in its transaction) INSERT …; COMMIT;
test_mig015_commit_of_the_tools_transaction if {
	d := wrapped("postgres", [stmt(2, {"kind": "insert", "in_transaction": true}), stmt(3, {"kind": "commit", "in_transaction": true})])
	[v] := [v | some v in migrations.deny; v.rule == "MIG015"] with input as d
	v.msg == "COMMIT ends the transaction this goose migration runs in, half-way (read as PostgreSQL)"

	# -- BEGIN; …; COMMIT;  (plain SQL)
	not "MIG015" in denied(doc("postgres", [stmt(1, {"kind": "begin"}), stmt(3, {"kind": "commit", "in_transaction": true})]))
}
