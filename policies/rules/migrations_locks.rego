# Migration safety: how long a statement's lock makes others wait, and
# statements that rewrite the table under it (the package's METADATA and
# the helpers every rule uses are in migrations.rego).
package relgate.rules.migrations

# Table locks that block writes (or reads too) for as long as the
# statement runs. SHARE UPDATE EXCLUSIVE and ROW EXCLUSIVE do not.
blocking_locks := {"ACCESS EXCLUSIVE", "EXCLUSIVE", "SHARE ROW EXCLUSIVE", "SHARE"}

# Every lock a DDL statement takes waits behind the transactions holding
# a conflicting one, and every query behind it waits too: SHARE UPDATE
# EXCLUSIVE (COMMENT ON, VALIDATE, CREATE INDEX CONCURRENTLY) as much as
# ACCESS EXCLUSIVE. Only the row locks of DML do not queue the table.
locking(m, s) if {
	m.dialect == "postgres"
	object.get(s, "lock", "") != ""
	not s.lock in row_locks
}

# LOCK TABLE holds even its weakest mode to the end of the transaction.
locking(m, s) if {
	m.dialect == "postgres"
	s.kind == "lock"
}

row_locks := {"ROW EXCLUSIVE", "ROW SHARE", "ACCESS SHARE"}

# Every MySQL DDL statement takes an exclusive metadata lock, if only for
# a moment, and waits for it behind every open transaction on the table;
# only an ALTER that asks for LOCK=NONE with ALGORITHM=INPLACE or INSTANT
# (which MySQL refuses rather than block) is online throughout.
locking(m, s) if {
	m.dialect == "mysql"
	object.get(s, "lock", "") != ""
	not mysql_online(s)
}

mysql_online(s) if {
	s.concurrently
	s.lock == "NONE"
	object.get(s, "algorithm", "") in {"INPLACE", "INSTANT"}
}

timeout_name := {"postgres": "lock_timeout", "mysql": "lock_wait_timeout"}

# lock_name is the lock a statement waits for: in MySQL the metadata lock
# when the table lock is NONE.
lock_name(m, s) := "metadata" if {
	m.dialect == "mysql"
	s.lock == "NONE"
} else := s.lock

# METADATA
# title: Locking statement without a lock timeout
# description: |
#   A statement that needs a strong lock waits for every transaction that
#   holds the table, and while it waits every query behind it waits too: a
#   slow report can take the application down. A lock timeout makes the
#   migration fail fast instead, to be retried.
# custom:
#   id: MIG012
#   severity: medium
#   remediation: |
#     Start the migration with SET lock_timeout = '5s' (PostgreSQL) or SET
#     SESSION lock_wait_timeout = 5 (MySQL), and retry the deploy when it
#     times out.
# related_resources:
#   - ref: https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-LOCK-TIMEOUT
#   - ref: https://squawkhq.com/docs/require-timeout-settings
#   - ref: https://dev.mysql.com/doc/refman/8.0/en/server-system-variables.html#sysvar_lock_wait_timeout
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	some s in m.statements
	not s.new_table
	locking(m, s)
	not s.lock_timeout_set
	v := stmt_finding(md, m, s, sprintf("%s takes %s on %s with no %s set before it", [upper(replace(s.kind, "_", " ")), lock_phrase(lock_name(m, s)), target(s), timeout_name[m.dialect]]))
}

# METADATA
# title: Statement rewrites an existing table
# description: |
#   The statement writes a new copy of the whole table (VACUUM FULL,
#   CLUSTER, SET TABLESPACE, SET LOGGED, a stored generated column, a new
#   primary key in MySQL, ALGORITHM=COPY) while writes, or all access,
#   wait.
# custom:
#   id: MIG016
#   severity: high
#   remediation: |
#     Do it in a maintenance window, or with an online tool (pg_repack,
#     gh-ost, pt-online-schema-change).
# related_resources:
#   - ref: https://github.com/ankane/strong_migrations#checks
deny contains v if {
	md := rego.metadata.rule()
	some m in up_migrations
	some s in m.statements
	not s.new_table
	s.rewrites_table
	not s.changes_type
	not s.volatile_default
	not object.get(s, "adds_constraint", "") in {"foreign_key", "check"}
	v := stmt_finding(md, m, s, sprintf("%s rewrites every row of %s while it is locked", [action(s), target(s)]))
}
