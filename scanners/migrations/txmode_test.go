package migrations

import "testing"

// TestAssumeInTransaction: the configured transaction mode overrides the
// layout, except where a file opts out itself.
func TestAssumeInTransaction(t *testing.T) {
	yes, no := true, false
	cases := []struct {
		name   string
		files  map[string]string
		assume *bool
		path   string
		want   bool
	}{
		{"plain, by layout", plain("CREATE TABLE t (id bigint);\n"), nil, "0001_change.sql", false},
		{"plain, assumed", plain("CREATE TABLE t (id bigint);\n"), &yes, "0001_change.sql", true},
		{"golang-migrate one statement, assumed", gm("CREATE TABLE t (id bigint);\n"), &yes, upFile, true},
		{"goose, by layout", goose("CREATE TABLE t (id bigint);\n"), nil, "0001_change.sql", true},
		{"goose, assumed none", goose("CREATE TABLE t (id bigint);\n"), &no, "0001_change.sql", false},
		{"goose NO TRANSACTION, assumed", noTx("CREATE TABLE t (id bigint);\n"), &yes, "0001_change.sql", false},
		{"dbmate transaction:false, assumed", map[string]string{"0001_change.sql": "-- migrate:up transaction:false\nCREATE TABLE t (id bigint);\n-- migrate:down\nSELECT 1;\n"}, &yes, "0001_change.sql", false},
		// PostgreSQL's own implicit transaction of a multi-statement query.
		{"golang-migrate two statements, assumed none", gm("CREATE TABLE t (id bigint);\nCREATE TABLE u (id bigint);\n"), &no, upFile, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeDir(t, c.files)
			in, _ := scan(t, Options{Dir: dir, Dirs: []string{"."}, Dialect: Postgres, AssumeInTransaction: c.assume})
			m := migration(t, in, c.path, "up")
			if got := m.Statements[0].InTransaction; got != c.want {
				t.Errorf("in_transaction = %v, want %v", got, c.want)
			}
			if m.Transactional != c.want {
				t.Errorf("transactional = %v, want %v", m.Transactional, c.want)
			}
		})
	}
	// CONCURRENTLY in an assumed transaction stays MIG003's error.
	got := findingsFor(t, plain("CREATE INDEX CONCURRENTLY users_email ON users (email);\n"), Postgres, "staging", nil, nil)
	for _, f := range got {
		if f == "MIG003 0001_change.sql:1" {
			t.Errorf("MIG003 without a transaction: %v", got)
		}
	}
	dir := writeDir(t, plain("CREATE INDEX CONCURRENTLY users_email ON users (email);\n"))
	in, _ := scan(t, Options{Dir: dir, Dirs: []string{"."}, Dialect: Postgres, AssumeInTransaction: &yes})
	found := false
	for _, f := range migFindings(decide(t, in, "staging", nil)) {
		found = found || f == "MIG003 0001_change.sql:1"
	}
	if !found {
		t.Error("CREATE INDEX CONCURRENTLY in an assumed transaction: no MIG003")
	}
}

// TestDetectDialectFromContent: MySQL-only syntax decides; the same words
// in a PostgreSQL file's comments do not.
func TestDetectDialectFromContent(t *testing.T) {
	cases := []struct {
		text, want string
	}{
		{"CREATE TABLE `users` (id bigint);\n", MySQL},
		{"CREATE TABLE users (id bigint) ENGINE=InnoDB;\n", MySQL},
		{"CREATE TABLE users (id bigint AUTO_INCREMENT PRIMARY KEY);\n", MySQL},
		{"ALTER TABLE users MODIFY email varchar(320);\n", MySQL},
		{"ALTER TABLE users CHANGE COLUMN email mail varchar(320);\n", MySQL},
		{"-- modify the `users` table: ENGINE= does not apply\nALTER TABLE users ADD COLUMN plan text;\n", Postgres},
		{"CREATE INDEX CONCURRENTLY users_email ON users (email);\n", Postgres},
	}
	for _, c := range cases {
		if got := detectDialect([]string{c.text}); got != c.want {
			t.Errorf("detectDialect(%q) = %s, want %s", c.text, got, c.want)
		}
	}
}
