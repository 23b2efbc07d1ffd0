package migrations

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*/*/expected.txt from the current findings")

// layouts are the fixture projects: one per tool layout and dialect.
var layouts = []struct{ tool, dialect string }{
	{ToolGolangMigrate, Postgres}, {ToolGolangMigrate, MySQL},
	{ToolGoose, Postgres}, {ToolGoose, MySQL},
	{ToolFlyway, Postgres}, {ToolFlyway, MySQL},
	{ToolDbmate, Postgres}, {ToolDbmate, MySQL},
	{ToolSqitch, Postgres}, {ToolSqitch, MySQL},
	{"plain", Postgres}, {"plain", MySQL},
}

// TestFixtures scans every fixture project with layout and dialect
// detection, evaluates the built-in policies for production and compares
// the MIG findings (rule, file, line) with the project's expected.txt.
// Each expected.txt was checked by hand against the SQL's comments.
func TestFixtures(t *testing.T) {
	for _, l := range layouts {
		t.Run(l.tool+"/"+l.dialect, func(t *testing.T) {
			dir := filepath.Join("testdata", l.tool, l.dialect)
			in, run := scan(t, Options{Dir: dir})
			if run.Status != "" && run.Status != "ok" {
				t.Fatalf("status = %q", run.Status)
			}
			tool := l.tool
			if tool == "plain" {
				tool = ToolPlain
			}
			for _, m := range in.Migrations {
				if m.Tool != tool || m.Dialect != l.dialect {
					t.Errorf("%s: tool %s dialect %s, want %s %s", m.Path, m.Tool, m.Dialect, tool, l.dialect)
				}
				if m.Change != changeUnknown {
					t.Errorf("%s: change %q without a range, want unknown", m.Path, m.Change)
				}
			}
			got := strings.Join(migFindings(decide(t, in, "production", nil)), "\n") + "\n"
			golden := filepath.Join(dir, "expected.txt")
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("read %s: %v (run go test -run TestFixtures -update)", golden, err)
			}
			if got != string(want) {
				t.Errorf("findings differ from %s:\ngot:\n%swant:\n%s", golden, got, want)
			}
		})
	}
}
