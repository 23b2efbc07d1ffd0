package migrations

import (
	"testing"

	"github.com/relgate/relgate/internal/gittest"
)

// TestHostileGitConfigRunsNothing: the migrations scanner reads the change
// and the staged files with git; a repository whose own config names
// commands (fsmonitor, textconv, filters, hooks …) gets none of them run.
func TestHostileGitConfigRunsNothing(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	r.Write("db/migrations/0001_init.up.sql", "CREATE TABLE t (id int);\n")
	r.Write("db/migrations/0001_init.down.sql", "DROP TABLE t;\n")
	base := r.Commit("feat: init")
	r.Write("db/migrations/0002_col.up.sql", "ALTER TABLE t ADD COLUMN c int;\n")
	r.Write("db/migrations/0002_col.down.sql", "ALTER TABLE t DROP COLUMN c;\n")
	r.Commit("feat: col")
	r.Write("db/migrations/0003_idx.up.sql", "CREATE INDEX i ON t (c);\n")
	r.Write("db/migrations/0003_idx.down.sql", "DROP INDEX i;\n")
	r.Git("add", "db")
	marker := r.Hostile(t)
	for _, opts := range []Options{{Dir: r.Dir, Staged: true}, {Dir: r.Dir, Base: base}} {
		in, _ := scan(t, opts)
		if len(in.Migrations) == 0 {
			t.Fatalf("staged %v base %q: no migrations: the scan did not read the repository", opts.Staged, opts.Base)
		}
	}
	if ran := gittest.Ran(t, marker); ran != "" {
		t.Fatalf("the migrations scan ran the repository's commands:\n%s", ran)
	}
}
