package migrations

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/relgate/relgate/engine"
)

// writeDir writes files into a fresh directory and returns it.
func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

const pgGoose = `-- +goose Up
CREATE TABLE IF NOT EXISTS accounts (id bigint PRIMARY KEY, name text);
CREATE INDEX accounts_name ON accounts (name);
SET lock_timeout = '2s';
ALTER TABLE users
    ADD COLUMN plan text NOT NULL DEFAULT 'free',
    ALTER COLUMN email TYPE varchar(320),
    DROP COLUMN IF EXISTS legacy;
ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_user_fk;
DELETE FROM sessions;
UPDATE users SET plan = 'pro' WHERE id = 1;
SET lock_timeout = 0;
CREATE UNIQUE INDEX CONCURRENTLY users_email ON users (email);
-- +goose Down
DROP TABLE accounts;
`

// TestPostgresFacts checks the facts libpg_query gives for a goose
// migration, statement by statement, with their lines.
func TestPostgresFacts(t *testing.T) {
	dir := writeDir(t, map[string]string{"db/20240101_x.sql": pgGoose})
	in, _ := scan(t, Options{Dir: dir})
	const p = "db/20240101_x.sql"
	up := migration(t, in, p, "up")
	if up.Tool != ToolGoose || up.Dialect != Postgres || !up.Transactional || !up.HasDown || up.DownPath != p || up.Version != "20240101" {
		t.Errorf("up migration = %+v", up)
	}
	if len(up.Errors) != 0 {
		t.Errorf("errors = %v", up.Errors)
	}
	ct := statement(t, in, p, "up", "create_table", 2)
	check(t, ct, engine.Statement{Kind: "create_table", Table: "accounts", Columns: []string{"id", "name"},
		Types: []string{"int8", "text"}, Idempotent: true, InTransaction: true})
	ix := statement(t, in, p, "up", "create_index", 3)
	check(t, ix, engine.Statement{Kind: "create_index", Table: "accounts", Columns: []string{"name"},
		Objects: []string{"accounts_name"}, Lock: "SHARE", NewTable: true, InTransaction: true})
	add := statement(t, in, p, "up", "add_column", 5)
	check(t, add, engine.Statement{Kind: "add_column", Table: "users", Columns: []string{"plan"}, Types: []string{"text"},
		AddsDefault: true, Lock: "ACCESS EXCLUSIVE", LockTimeoutSet: true, InTransaction: true})
	if add.EndLine != 8 {
		t.Errorf("ALTER TABLE end_line = %d, want 8", add.EndLine)
	}
	typ := statement(t, in, p, "up", "alter_column_type", 5)
	check(t, typ, engine.Statement{Kind: "alter_column_type", Table: "users", Columns: []string{"email"}, Types: []string{"varchar(320)"},
		ChangesType: true, RewritesTable: true, BackwardIncompatible: true, Idempotent: true, Lock: "ACCESS EXCLUSIVE",
		LockTimeoutSet: true, InTransaction: true})
	drop := statement(t, in, p, "up", "drop_column", 5)
	check(t, drop, engine.Statement{Kind: "drop_column", Table: "users", Columns: []string{"legacy"}, Destructive: true,
		BackwardIncompatible: true, Idempotent: true, Lock: "ACCESS EXCLUSIVE", LockTimeoutSet: true, InTransaction: true})
	if add.Fingerprint == typ.Fingerprint || typ.Fingerprint == drop.Fingerprint {
		t.Error("the actions of one ALTER TABLE share a fingerprint")
	}
	fk := statement(t, in, p, "up", "add_constraint", 9)
	check(t, fk, engine.Statement{Kind: "add_constraint", Table: "orders", Columns: []string{"user_id"},
		Objects: []string{"orders_user_fk", "users"}, AddsConstraint: "foreign_key", NotValid: true,
		Lock: "SHARE ROW EXCLUSIVE", LockTimeoutSet: true, InTransaction: true})
	v := statement(t, in, p, "up", "validate_constraint", 10)
	check(t, v, engine.Statement{Kind: "validate_constraint", Table: "orders", Objects: []string{"orders_user_fk"},
		ValidatesConstraint: true, Idempotent: true, Lock: "SHARE UPDATE EXCLUSIVE", LockTimeoutSet: true, InTransaction: true})
	del := statement(t, in, p, "up", "delete", 11)
	check(t, del, engine.Statement{Kind: "delete", Table: "sessions", Destructive: true, DataChangeWithoutWhere: true,
		Lock: "ROW EXCLUSIVE", LockTimeoutSet: true, InTransaction: true})
	upd := statement(t, in, p, "up", "update", 12)
	check(t, upd, engine.Statement{Kind: "update", Table: "users", Columns: []string{"plan"}, Lock: "ROW EXCLUSIVE",
		LockTimeoutSet: true, InTransaction: true})
	cic := statement(t, in, p, "up", "create_index", 14)
	check(t, cic, engine.Statement{Kind: "create_index", Table: "users", Columns: []string{"email"}, Objects: []string{"users_email"},
		Concurrently: true, Lock: "SHARE UPDATE EXCLUSIVE", InTransaction: true})
	dt := statement(t, in, p, "down", "drop_table", 16)
	check(t, dt, engine.Statement{Kind: "drop_table", Table: "accounts", Destructive: true, BackwardIncompatible: true,
		Lock: "ACCESS EXCLUSIVE", InTransaction: true})
}

const myCRLF = "CREATE TABLE `accounts` (`id` bigint NOT NULL PRIMARY KEY, `name` varchar(64));\r\n" +
	"SET SESSION lock_wait_timeout = 5;\r\n" +
	"ALTER TABLE `users`\r\n" +
	"  ADD COLUMN `plan` varchar(16) NOT NULL,\r\n" +
	"  CHANGE `email` `mail` varchar(320),\r\n" +
	"  ALGORITHM=INPLACE, LOCK=NONE;\r\n" +
	"# a comment; with a semicolon, and 'a quote\r\n" +
	"CREATE INDEX `accounts_name` ON `accounts` (`name`);\r\n" +
	"DROP TABLE `sessions`, `tokens`;\r\n" +
	"DELIMITER //\r\n" +
	"CREATE TRIGGER t BEFORE INSERT ON users FOR EACH ROW BEGIN SET NEW.plan = 'free'; END//\r\n" +
	"DELIMITER ;\r\n" +
	"START TRANSACTION;\r\n" +
	"INSERT INTO `users` (`id`) VALUES ('a;b');\r\n" +
	"COMMIT;\r\n"

// TestMySQLFacts checks the facts the TiDB parser gives for a MySQL
// golang-migrate file with CRLF line endings, a DELIMITER block and a
// statement the parser does not support.
func TestMySQLFacts(t *testing.T) {
	dir := writeDir(t, map[string]string{"1_x.up.sql": myCRLF})
	in, _ := scan(t, Options{Dir: dir, Dirs: []string{"."}})
	const p = "1_x.up.sql"
	m := migration(t, in, p, "up")
	if m.Dialect != MySQL || m.Transactional || m.HasDown {
		t.Errorf("migration = %+v", m)
	}
	ct := statement(t, in, p, "up", "create_table", 1)
	check(t, ct, engine.Statement{Kind: "create_table", Table: "accounts", Columns: []string{"id", "name"}, Types: []string{"bigint", "varchar"}})
	add := statement(t, in, p, "up", "add_column", 3)
	check(t, add, engine.Statement{Kind: "add_column", Table: "users", Columns: []string{"plan"}, Types: []string{"varchar"},
		NotNullWithoutDefault: true, BackwardIncompatible: true, Lock: "NONE", Concurrently: true, Algorithm: "INPLACE", LockTimeoutSet: true})
	if add.EndLine != 6 {
		t.Errorf("ALTER TABLE end_line = %d, want 6", add.EndLine)
	}
	ch := statement(t, in, p, "up", "alter_column_type", 3)
	check(t, ch, engine.Statement{Kind: "alter_column_type", Table: "users", Columns: []string{"email"}, Objects: []string{"email", "mail"},
		Types: []string{"varchar"}, ChangesType: true, Renames: true, BackwardIncompatible: true, RewritesTable: false, // ALGORITHM=INPLACE: MySQL refuses rather than copy
		Lock: "NONE", Concurrently: true, Algorithm: "INPLACE", LockTimeoutSet: true})
	ix := statement(t, in, p, "up", "create_index", 8)
	check(t, ix, engine.Statement{Kind: "create_index", Table: "accounts", Columns: []string{"name"}, Objects: []string{"accounts_name"},
		Lock: "NONE", NewTable: true, LockTimeoutSet: true})
	dt := statement(t, in, p, "up", "drop_table", 9)
	check(t, dt, engine.Statement{Kind: "drop_table", Table: "sessions", Objects: []string{"sessions", "tokens"}, Destructive: true,
		BackwardIncompatible: true, Lock: "EXCLUSIVE", LockTimeoutSet: true})
	ins := statement(t, in, p, "up", "insert", 14)
	check(t, ins, engine.Statement{Kind: "insert", Table: "users", InTransaction: true, LockTimeoutSet: true})
	statement(t, in, p, "up", "begin", 13)
	statement(t, in, p, "up", "commit", 15)
	if len(m.Errors) != 1 || m.Errors[0].Line != 11 {
		t.Fatalf("errors = %v, want one at line 11 (TiDB has no CREATE TRIGGER)", m.Errors)
	}
	if got := len(m.Statements); got != 9 {
		t.Errorf("%d statements, want 9: %v", got, kinds(m))
	}
}

// check compares the facts that want sets (and the false/empty ones it
// leaves unset) with got, ignoring position and fingerprint.
func check(t *testing.T, got, want engine.Statement) {
	t.Helper()
	g := got
	g.Line, g.EndLine, g.Fingerprint, g.Ignores = 0, 0, "", nil
	if !equalStatements(g, want) {
		t.Errorf("line %d %s:\n got %+v\nwant %+v", got.Line, got.Kind, g, want)
	}
	if got.Fingerprint == "" || len(got.Fingerprint) != 64 {
		t.Errorf("line %d: fingerprint %q", got.Line, got.Fingerprint)
	}
}

func equalStatements(a, b engine.Statement) bool {
	norm := func(s engine.Statement) engine.Statement {
		for _, l := range []*[]string{&s.Columns, &s.Types, &s.Objects, &s.Ignores} {
			if len(*l) == 0 {
				*l = nil
			}
		}
		return s
	}
	return reflect.DeepEqual(norm(a), norm(b))
}
