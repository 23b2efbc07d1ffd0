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
