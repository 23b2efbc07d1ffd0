package migrations

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relgate/relgate/internal/testtools"
)

// TestBadInput feeds each dialect what a repository can hold that is not
// a clean migration. Each gives facts or error facts with lines; the
// scanner never fails and never panics.
func TestBadInput(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("(", n) + "1" + strings.Repeat(")", n) }
	cases := []struct {
		name, dialect, sql string
		stmts              int      // statements with facts
		errLines           []int    // lines of the error facts
		errText            []string // substrings of those errors
	}{
		{name: "empty", dialect: Postgres, sql: ""},
		{name: "empty mysql", dialect: MySQL, sql: ""},
		{name: "comments only", dialect: Postgres, sql: "-- nothing\n/* at all */\n"},
		{name: "comments only mysql", dialect: MySQL, sql: "-- nothing\n# at all\n/* really */\n"},
		{name: "crlf", dialect: Postgres, sql: "SELECT 1;\r\n\r\nCREATE TABLE t (\r\n  id bigint\r\n);\r\n", stmts: 2},
		{name: "latin-1", dialect: Postgres, sql: "CREATE TABLE t (name text DEFAULT 'caf\xe9');\nDROP TABLE x;\n",
			stmts: 2, errLines: []int{1}, errText: []string{"not valid UTF-8"}},
		{name: "latin-1 mysql", dialect: MySQL, sql: "SELECT 1;\nINSERT INTO t VALUES ('caf\xe9');\n",
			stmts: 2, errLines: []int{2}, errText: []string{"not valid UTF-8"}},
		{name: "unterminated dollar quote", dialect: Postgres, sql: "SELECT 1;\nCREATE FUNCTION f() RETURNS int AS $$\n  SELECT 1;\n",
			stmts: 1, errLines: []int{2}, errText: []string{"unterminated dollar-quoted string"}},
		{name: "unterminated string", dialect: Postgres, sql: "SELECT 1;\nSELECT 2;\nINSERT INTO t VALUES ('oops);\n",
			stmts: 2, errLines: []int{3}, errText: []string{"unterminated quoted string"}},
		{name: "unterminated string mysql", dialect: MySQL, sql: "SELECT 1;\nINSERT INTO t VALUES ('oops);\n",
			stmts: 1, errLines: []int{2}, errText: []string{"unterminated string"}},
		{name: "unterminated comment mysql", dialect: MySQL, sql: "SELECT 1;\n/* never closed\nSELECT 2;\n",
			stmts: 1, errLines: []int{2}, errText: []string{"unterminated comment"}},
		{name: "syntax errors", dialect: Postgres, sql: "SELEC 1;\nSELECT 2;\nCREATE TABLE (;\n",
			stmts: 1, errLines: []int{1, 3}, errText: []string{"syntax error", "syntax error"}},
		{name: "syntax errors mysql", dialect: MySQL, sql: "SELEC 1;\nSELECT 2;\n\nCREATE TABLE (;\n",
			stmts: 1, errLines: []int{1, 4}, errText: []string{"syntax error", "syntax error"}},
		{name: "nested", dialect: Postgres, sql: "ALTER TABLE t ADD COLUMN c int DEFAULT " + deep(1000) + ";\nSELECT 2;\n", stmts: 2},
		{name: "deeply nested", dialect: Postgres, sql: "SELECT 1;\nSELECT " + deep(100000) + ";\nSELECT 2;\n",
			stmts: 2, errLines: []int{2}, errText: []string{"memory exhausted"}},
		{name: "nested mysql", dialect: MySQL, sql: "SELECT " + deep(1000) + ";\n", stmts: 1},
		{name: "deeply nested mysql", dialect: MySQL, sql: "SELECT 1;\nSELECT " + deep(100000) + ";\nSELECT 2;\n", stmts: 3},
		{name: "nul byte", dialect: Postgres, sql: "SELECT 1;\x00\nDROP TABLE users;\n", stmts: 2, errLines: []int{1}, errText: []string{"NUL"}},
		{name: "binary", dialect: Postgres, sql: "\x00\x01\x02\xff\xfe;\x00", errLines: []int{1, 1, 1}},
		{name: "binary mysql", dialect: MySQL, sql: "\x00\x01\x02\xff\xfe;\x00", errLines: []int{1, 1, 1}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := writeDir(t, map[string]string{"001_x.sql": c.sql})
			in, run := scan(t, Options{Dir: dir, Dirs: []string{"."}, Dialect: c.dialect})
			if run.Status == "skipped" {
				t.Fatal("skipped")
			}
			m := migration(t, in, "001_x.sql", "up")
			if len(m.Statements) != c.stmts {
				t.Errorf("%d statements, want %d: %v", len(m.Statements), c.stmts, kinds(m))
			}
			var lines []int
			for _, e := range m.Errors {
				lines = append(lines, e.Line)
			}
			if !equalInts(lines, c.errLines) {
				t.Errorf("error lines %v, want %v: %v", lines, c.errLines, m.Errors)
			}
			for i, want := range c.errText {
				if i < len(m.Errors) && !strings.Contains(m.Errors[i].Message, want) {
					t.Errorf("error %d = %q, want it to say %q", i, m.Errors[i].Message, want)
				}
			}
			for _, e := range m.Errors {
				if len(e.Message) > 300 {
					t.Errorf("error message of %d bytes", len(e.Message))
				}
			}
			for _, s := range m.Statements {
				if s.Line < 1 || s.EndLine < s.Line || s.EndLine > strings.Count(c.sql, "\n")+1 {
					t.Errorf("%s: lines %d-%d outside the file", s.Kind, s.Line, s.EndLine)
				}
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestTenMegabyteFile parses a 10 MB migration: a seed of many INSERTs
// and, after them, a dangerous statement at a known line.
func TestTenMegabyteFile(t *testing.T) {
	testtools.Short(t, "parsing 10 MB of SQL")
	for _, dialect := range []string{Postgres, MySQL} {
		t.Run(dialect, func(t *testing.T) {
			var b strings.Builder
			row := "INSERT INTO seed (id, note) VALUES (1, '" + strings.Repeat("x", 200) + "');\n"
			n := 10<<20/len(row) + 1
			for range n {
				b.WriteString(row)
			}
			b.WriteString("ALTER TABLE users ADD COLUMN plan text NOT NULL;\n")
			dir := writeDir(t, map[string]string{"001_seed.sql": b.String()})
			start := time.Now()
			in, _ := scan(t, Options{Dir: dir, Dirs: []string{"."}, Dialect: dialect})
			t.Logf("%s: %d bytes, %d statements in %s", dialect, b.Len(), n+1, time.Since(start))
			m := migration(t, in, "001_seed.sql", "up")
			if len(m.Statements) != n+1 || len(m.Errors) != 0 {
				t.Fatalf("%d statements, %d errors; want %d and none", len(m.Statements), len(m.Errors), n+1)
			}
			statement(t, in, "001_seed.sql", "up", "add_column", n+1)
		})
	}
}

// TestOversizedFile is an error fact, not a scanner failure: the file is
// not read at all.
func TestOversizedFile(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "001_dump.sql")
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(maxFileSize + 1); err != nil { // sparse: instant
		t.Fatal(err)
	}
	f.Close()
	in, _ := scan(t, Options{Dir: dir, Dirs: []string{"."}, Dialect: Postgres})
	m := migration(t, in, "001_dump.sql", "up")
	if len(m.Errors) != 1 || !strings.Contains(m.Errors[0].Message, "larger than 32 MiB") || len(m.Statements) != 0 {
		t.Fatalf("migration = %+v", m)
	}
}

// TestMarkerErrors: a goose file without its Up annotation, and a dbmate
// file with two up markers, are facts the tool would trip over.
func TestMarkerErrors(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"db/migrations/001_a.sql": "-- +goose Down\nDROP TABLE a;\n",
		"db/migrations/002_b.sql": "-- +goose Up\nSELECT 1;\n",
	})
	in, _ := scan(t, Options{Dir: dir})
	m := migration(t, in, "db/migrations/001_a.sql", "down")
	if len(m.Errors) == 0 || !strings.Contains(m.Errors[0].Message, "+goose Up") {
		t.Errorf("goose without Up: errors %v", m.Errors)
	}
	dir = writeDir(t, map[string]string{"db/migrations/001_a.sql": "-- migrate:up\nSELECT 1;\n-- migrate:up\nSELECT 2;\n"})
	in, _ = scan(t, Options{Dir: dir})
	m = migration(t, in, "db/migrations/001_a.sql", "up")
	if len(m.Errors) != 1 || m.Errors[0].Line != 3 {
		t.Errorf("dbmate with two ups: errors %v", m.Errors)
	}
}

// TestErrorsCarryNoLiterals: a statement that does not parse is reported
// without the string literals it holds (a password in CREATE USER).
func TestErrorsCarryNoLiterals(t *testing.T) {
	for _, c := range []struct{ dialect, sql string }{
		{Postgres, "CREATE USER app PASSWORD 'hunter2-secret' LOGIN WITH;\n"},
		{Postgres, "CREATE ROLE app WITH PASSWORD 'hunter2-secret\n"},
		{Postgres, "CREATE FUNCTION f() RETURNS text AS $body$ SELECT 'hunter2-secret'\n"},
		{MySQL, "CREATE USER 'app' IDENTIFIED BY 'hunter2-secret' WITH WITH;\n"},
		{MySQL, "ALTER USER app IDENTIFIED BY 'hunter2-secret' nonsense;\n"},
		{MySQL, "ALTER USER app nonsense IDENTIFIED BY 'hunter2-secret';\n"},
	} {
		dir := writeDir(t, map[string]string{"001_x.sql": c.sql})
		in, _ := scan(t, Options{Dir: dir, Dirs: []string{"."}, Dialect: c.dialect})
		m := migration(t, in, "001_x.sql", "up")
		if len(m.Errors) == 0 {
			t.Errorf("%s %q: no error", c.dialect, c.sql)
		}
		for _, e := range m.Errors {
			if strings.Contains(e.Message, "hunter2") {
				t.Errorf("%s: error %q repeats the literal", c.dialect, e.Message)
			}
		}
	}
}
