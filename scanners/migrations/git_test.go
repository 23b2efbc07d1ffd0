package migrations

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/gittest"
)

// TestChangeRange: with --base, migrations added or edited since the base
// are the change; only they are judged, and tables created by earlier
// migrations of the change are new.
func TestChangeRange(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	r.Write("db/migrations/0001_users.up.sql", "CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY, email text);\n")
	r.Write("db/migrations/0001_users.down.sql", "DROP TABLE IF EXISTS users;\n")
	r.Write("db/migrations/0002_old_index.up.sql", "CREATE INDEX users_email ON users (email);\n")
	r.Write("db/migrations/0002_old_index.down.sql", "DROP INDEX users_email;\n")
	r.Commit("feat: users")
	r.Tag("v1.0.0")

	// The change: edit an applied migration, add a table and an index on it
	// in two new migrations, and one dangerous statement on an old table.
	r.Write("db/migrations/0001_users.up.sql", "CREATE TABLE IF NOT EXISTS users (id bigint PRIMARY KEY, email text, name text);\n")
	r.Write("db/migrations/0003_orders.up.sql", "CREATE TABLE IF NOT EXISTS orders (id bigint PRIMARY KEY, user_id bigint);\n")
	r.Write("db/migrations/0003_orders.down.sql", "DROP TABLE IF EXISTS orders;\n")
	r.Write("db/migrations/0004_orders_index.up.sql", "CREATE INDEX orders_user_id ON orders (user_id);\nCREATE INDEX users_name ON users (email);\n")
	r.Write("db/migrations/0004_orders_index.down.sql", "SELECT 1;\n")
	r.Commit("feat: orders")
	// An untracked migration is part of the change too (a local run).
	r.Write("db/migrations/0005_local.up.sql", "SELECT 1;\n")

	in, run := scan(t, Options{Dir: r.Dir, Base: "v1.0.0"})
	changes := map[string]string{}
	for _, m := range in.Migrations {
		changes[m.Path] = m.Change
		if m.InChange != (m.Change != changeUnchanged) {
			t.Errorf("%s: in_change %v with change %s", m.Path, m.InChange, m.Change)
		}
	}
	want := map[string]string{
		"db/migrations/0001_users.up.sql":          changeModified,
		"db/migrations/0001_users.down.sql":        changeUnchanged,
		"db/migrations/0002_old_index.up.sql":      changeUnchanged,
		"db/migrations/0002_old_index.down.sql":    changeUnchanged,
		"db/migrations/0003_orders.up.sql":         changeAdded,
		"db/migrations/0003_orders.down.sql":       changeAdded,
		"db/migrations/0004_orders_index.up.sql":   changeAdded,
		"db/migrations/0004_orders_index.down.sql": changeAdded,
		"db/migrations/0005_local.up.sql":          changeAdded,
	}
	for p, c := range want {
		if changes[p] != c {
			t.Errorf("%s: change %q, want %q", p, changes[p], c)
		}
	}
	if run.Stats["in_change"] != 6 {
		t.Errorf("stats in_change = %d, want 6", run.Stats["in_change"])
	}
	if s := statement(t, in, "db/migrations/0004_orders_index.up.sql", "up", "create_index", 1); !s.NewTable {
		t.Error("orders, created in the change, is not new")
	}
	if s := statement(t, in, "db/migrations/0004_orders_index.up.sql", "up", "create_index", 2); s.NewTable {
		t.Error("users, released in v1.0.0, is new")
	}
	got := migFindings(decide(t, in, "staging", nil))
	wantFindings := []string{
		"MIG001 db/migrations/0004_orders_index.up.sql:2",
		"MIG024 db/migrations/0001_users.up.sql:1",
		"warn MIG012 db/migrations/0004_orders_index.up.sql:2",
		// No MIG013: PostgreSQL runs the two-statement golang-migrate
		// file as one implicit transaction, so a failure undoes both.
		"warn MIG022 db/migrations/0003_orders.down.sql:1",
	}
	if !slices.Equal(got, wantFindings) {
		t.Errorf("findings:\n got %v\nwant %v", got, wantFindings)
	}
}

// TestStaged: on the pre-commit path the change is the index, and a staged
// file is read as staged, whatever the work tree holds.
func TestStaged(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	r.Write("migrations/001_init.sql", "CREATE TABLE IF NOT EXISTS t (id bigint);\n")
	r.Commit("init")
	r.Write("migrations/002_index.sql", "SET lock_timeout = '1s';\nCREATE INDEX t_id ON t (id);\n")
	r.Stage("migrations/002_index.sql")
	r.Write("migrations/002_index.sql", "SELECT 1;\n")   // not staged
	r.Write("migrations/003_wip.sql", "DROP TABLE t;\n") // untracked

	in, _ := scan(t, Options{Dir: r.Dir, Staged: true})
	m := migration(t, in, "migrations/002_index.sql", "up")
	if m.Change != changeAdded || !m.InChange {
		t.Errorf("staged file: change %q", m.Change)
	}
	statement(t, in, "migrations/002_index.sql", "up", "create_index", 2)
	for _, p := range []string{"migrations/001_init.sql", "migrations/003_wip.sql"} {
		if m := migration(t, in, p, "up"); m.Change != changeUnchanged {
			t.Errorf("%s: change %q, want unchanged", p, m.Change)
		}
	}
	got := migFindings(decide(t, in, "staging", nil))
	if !slices.Equal(got, []string{"MIG001 migrations/002_index.sql:2", "warn MIG013 migrations/002_index.sql:2"}) {
		t.Errorf("findings %v", got)
	}
}

func TestChangeErrors(t *testing.T) {
	gittest.Isolate(t)
	dir := writeDir(t, map[string]string{"migrations/001_a.sql": "SELECT 1;\n"})
	_, err := New(Options{Dir: dir, Base: "main"}).Scan(context.Background(), engine.NewInput())
	if err == nil || !strings.Contains(err.Error(), "resolve base") {
		t.Errorf("outside a repository: err = %v", err)
	}
	r := gittest.New(t)
	r.Write("migrations/001_a.sql", "SELECT 1;\n")
	r.Commit("a")
	_, err = New(Options{Dir: r.Dir, Base: "no-such-ref"}).Scan(context.Background(), engine.NewInput())
	if err == nil || !strings.Contains(err.Error(), `resolve base "no-such-ref"`) {
		t.Errorf("unknown base: err = %v", err)
	}
	// An option-like ref is never read as an option.
	_, err = New(Options{Dir: r.Dir, Base: "--output=/tmp/x"}).Scan(context.Background(), engine.NewInput())
	if err == nil {
		t.Error("option-like base accepted")
	}
}
