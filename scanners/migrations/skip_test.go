package migrations

import (
	"slices"
	"testing"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/skip"
)

// TestSkipPaths: --skip-dirs leaves a detected or configured directory
// unsearched, --skip-files leaves files unread, and the run counts them.
func TestSkipPaths(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"db/migrations/000001_a.up.sql":     "CREATE TABLE a (id bigint);\n",
		"db/migrations/000002_b.up.sql":     "DROP TABLE a;\n",
		"legacy/migrations/000001_x.up.sql": "DROP TABLE x;\n",
	})
	paths := func(in *engine.Input) []string {
		var out []string
		for _, m := range in.Migrations {
			out = append(out, m.Path)
		}
		slices.Sort(out)
		return out
	}
	in, _ := scan(t, Options{Dir: dir})
	if got := paths(in); len(got) != 3 {
		t.Fatalf("without skips: %v", got)
	}

	sp, err := skip.New([]string{"legacy"}, []string{"**/000002_*.sql"})
	if err != nil {
		t.Fatal(err)
	}
	in, run := scan(t, Options{Dir: dir, Skip: sp})
	if got := paths(in); !slices.Equal(got, []string{"db/migrations/000001_a.up.sql"}) {
		t.Errorf("with skips: %v", got)
	}
	if run.Stats["skipped_files"] != 1 {
		t.Errorf("skipped_files %d, want 1 (the directory is never searched)", run.Stats["skipped_files"])
	}

	// A configured directory the flag skips is not read either.
	sp, _ = skip.New([]string{"db"}, nil)
	in, run = scan(t, Options{Dir: dir, Dirs: []string{"db/migrations"}, Skip: sp})
	if len(in.Migrations) != 0 || run.Status != engine.StatusSkipped {
		t.Errorf("configured but skipped: %v, status %q", paths(in), run.Status)
	}
}
