package migrations

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

// TestSymlinkOutsideTheRootIsNotRead: a migration that is a symbolic link
// to a file outside the repository — here a "migration" that drops a table
// and quotes a fake token — is not read: it is a fact about that file
// (MIG023 in policy) that says why, and nothing of the outside file
// reaches the facts. A link that stays inside the repository is read like
// any file, and so is a Sqitch deploy script; a Sqitch plan outside is an
// error naming it.
func TestSymlinkOutsideTheRootIsNotRead(t *testing.T) {
	outside := t.TempDir()
	const canary = "ghp_0utsideTheRootCanary0123456789abcdef"
	secret := filepath.Join(outside, "evil.sql")
	if err := os.WriteFile(secret, []byte("DROP TABLE users; SELECT '"+canary+"' FROM;\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	mig := filepath.Join(dir, "db", "migrations")
	write := func(p, s string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, p string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	write(filepath.Join(mig, "0001_init.up.sql"), "CREATE TABLE users (id int);\n")
	write(filepath.Join(dir, "shared", "0003_idx.up.sql"), "CREATE INDEX i ON users (id);\n")
	link(secret, filepath.Join(mig, "0002_evil.up.sql"))
	link(filepath.Join("..", "..", "shared", "0003_idx.up.sql"), filepath.Join(mig, "0003_idx.up.sql"))
	link(filepath.Join(outside, "gone.sql"), filepath.Join(mig, "0004_gone.up.sql"))

	for _, opts := range []Options{{Dir: dir}, {Dir: dir, Dirs: []string{"db/migrations"}}} {
		in, _ := scan(t, opts)
		evil := migration(t, in, "db/migrations/0002_evil.up.sql", "up")
		if len(evil.Errors) != 1 || !strings.Contains(evil.Errors[0].Message, "outside the scanned directory: not read") || len(evil.Statements) != 0 {
			t.Errorf("dirs %v: the link outside = %+v, want one error saying it was not read", opts.Dirs, evil)
		}
		gone := migration(t, in, "db/migrations/0004_gone.up.sql", "up")
		if len(gone.Errors) != 1 || len(gone.Statements) != 0 {
			t.Errorf("dirs %v: the dangling link = %+v, want one error", opts.Dirs, gone)
		}
		inside := migration(t, in, "db/migrations/0003_idx.up.sql", "up")
		if len(inside.Errors) != 0 || len(inside.Statements) != 1 {
			t.Errorf("dirs %v: the link inside = %+v, want it read", opts.Dirs, inside)
		}
		for _, m := range in.Migrations {
			for _, st := range m.Statements {
				if st.Table == "users" && st.Destructive {
					t.Errorf("dirs %v: a statement of the outside file reached the facts: %+v", opts.Dirs, st)
				}
			}
		}
		if doc := encodeInput(t, in); strings.Contains(doc, canary) || strings.Contains(doc, outside) {
			t.Errorf("dirs %v: the input document carries the outside file's text or path:\n%s", opts.Dirs, doc)
		}
	}

	// Sqitch: the deploy script is checked as it is read; the plan too.
	sq := filepath.Join(dir, "sqitch")
	write(filepath.Join(sq, "sqitch.plan"), "%project=x\n\nevil 2026-01-01T00:00:00Z A <a@b> # x\n")
	link(secret, filepath.Join(sq, "deploy", "evil.sql"))
	in, _ := scan(t, Options{Dir: dir, Dirs: []string{"sqitch"}, Dialect: Postgres})
	if m := migration(t, in, "sqitch/deploy/evil.sql", "up"); len(m.Errors) != 1 || len(m.Statements) != 0 {
		t.Errorf("sqitch deploy link outside = %+v, want one error", m)
	}
	if err := os.Remove(filepath.Join(sq, "sqitch.plan")); err != nil {
		t.Fatal(err)
	}
	plan := filepath.Join(outside, "sqitch.plan")
	write(plan, "%project=x\n\nevil 2026-01-01T00:00:00Z A <a@b> # x\n")
	link(plan, filepath.Join(sq, "sqitch.plan"))
	if _, err := New(Options{Dir: dir, Dirs: []string{"sqitch"}, Dialect: Postgres}).Scan(t.Context(), engine.NewInput()); err == nil || !strings.Contains(err.Error(), "sqitch/sqitch.plan") {
		t.Errorf("a sqitch.plan outside: err = %v, want an error naming it", err)
	}
}

func encodeInput(t *testing.T, in *engine.Input) string {
	t.Helper()
	data, err := in.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}
