# METADATA
# title: Migration safety
# description: |
#   Database migrations that lock, rewrite or break a live table, judged
#   from the facts the migrations scanner reads with PostgreSQL's and
#   MySQL's own grammars. Only migrations of the change are judged (all of
#   them when no change range is given), and only their up direction here;
#   a table created earlier in the same migration or in the change is new,
#   empty and unused, so nothing on it is dangerous. A statement is excused
#   in place with `-- relgate:ignore MIG00x reason`.
# custom:
#   reads:
#     - migrations
package relgate.rules.migrations

import data.relgate.lib

# judged_migrations are those this gate decides on: the ones the change
# adds or edits, or every one when no change range was given.
judged_migrations := [m |
	some m in input.migrations
	object.get(m, "change", "unknown") != "unchanged"
]

# up_migrations are the up directions of the judged migrations: what a
# deploy runs. Rules iterate these arrays; sets of statements would hash
# whole objects, and a 1,000-file release would take seconds.
up_migrations := [m |
	some m in judged_migrations
	object.get(m, "direction", "up") != "down"
]

# stmt_finding reports a statement: its file and lines, and its fingerprint,
# which an inline relgate:ignore waiver names. The message says which
# grammar read the file: a verdict on SQL read as the wrong dialect is
# worth nothing, and migrations.dialect in .relgate.yaml corrects it.
stmt_finding(md, m, s, msg) := lib.finding(md, {
	"msg": sprintf("%s (read as %s)", [msg, dialect_names[m.dialect]]),
	"location": lib.location(m.path, s.line, object.get(s, "end_line", s.line)),
	"fingerprint": s.fingerprint,
})

# target names what a statement acts on: its objects, else its table.
target(s) := concat(", ", s.objects) if {
	count(object.get(s, "objects", [])) > 1
} else := s.table if {
	object.get(s, "table", "") != ""
} else := concat(", ", object.get(s, "objects", ["?"]))

columns(s) := concat(", ", object.get(s, "columns", []))

dialect_names := {"postgres": "PostgreSQL", "mysql": "MySQL"}

# lock_phrase names a lock with its article: "an ACCESS EXCLUSIVE lock".
# A statement whose lock the scanner did not record is still reported.
lock_phrase("") := "a lock"

lock_phrase(lock) := sprintf("an %s lock", [lock]) if {
	substring(lock, 0, 1) in {"A", "E", "I", "O", "U"}
} else := sprintf("a %s lock", [lock]) if {
	lock != ""
}

# action names what a statement does: its kind, and the constraint it adds.
action(s) := sprintf("%s %s", [upper(replace(s.kind, "_", " ")), upper(replace(s.adds_constraint, "_", " "))]) if {
	object.get(s, "adds_constraint", "") != ""
} else := upper(replace(s.kind, "_", " "))

# table_key compares table names as an unqualified name resolves: public
# is the schema a migration's search_path starts with.
table_key(t) := trim_prefix(lower(t), "public.")
