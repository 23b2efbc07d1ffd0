package migrations

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzExtract feeds arbitrary text to the fact extractor, as every tool's
// layout reads it, in both dialects. Whatever the text, it returns facts
// and error facts that point inside the file, and never panics.
func FuzzExtract(f *testing.F) {
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".sql") {
			return err
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		f.Add(string(data), uint8(len(p)))
		return nil
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("SELECT 1;\nCREATE FUNCTION f() AS $x$ body", uint8(0))
	f.Add("DELIMITER //\nCREATE PROCEDURE p() BEGIN SELECT 1; END//\nDELIMITER ;\n", uint8(1))
	f.Add("-- +goose Up\n-- +goose StatementBegin\nSELECT 1;\n-- relgate:ignore MIG001 expires=2025-01-01 why\n", uint8(2))
	f.Add("ALTER TABLE t ADD COLUMN c int, DROP COLUMN d;\x00\xff\r\n", uint8(3))
	f.Add("CREATE TABLE `"+strings.Repeat("é", 65)+"` (c varchar(x), d varchar(10)[]);\nSET @"+strings.Repeat("v", 65)+" = 1;\n", uint8(5))

	tools := []string{ToolPlain, ToolGolangMigrate, ToolGoose, ToolDbmate, ToolFlyway}
	f.Fuzz(func(t *testing.T, text string, pick uint8) {
		dialect := Postgres
		if pick&1 == 1 {
			dialect = MySQL
		}
		tool := tools[int(pick>>1)%len(tools)]
		file := file{path: "m.sql", tool: tool, direction: ""}
		if tool == ToolPlain || tool == ToolGolangMigrate || tool == ToolFlyway {
			file.direction = directionUp
		}
		recs, waivers, _ := record(file, text, dialect, changeUnknown, map[string]bool{"t": true})
		lines := strings.Count(text, "\n") + 1
		if len(recs) == 0 {
			t.Fatal("no migration record")
		}
		seen := map[string]bool{}
		for _, m := range recs {
			for _, s := range m.Statements {
				if s.Line < 1 || s.EndLine < s.Line || s.EndLine > lines {
					t.Fatalf("%s at lines %d-%d of %d", s.Kind, s.Line, s.EndLine, lines)
				}
				if s.Kind == "" || len(s.Fingerprint) != 64 {
					t.Fatalf("statement without kind or fingerprint: %+v", s)
				}
				if seen[s.Fingerprint] {
					t.Fatalf("fingerprint %s twice", s.Fingerprint)
				}
				seen[s.Fingerprint] = true
			}
			for _, e := range m.Errors {
				if e.Line < 1 || e.Line > lines || e.Message == "" {
					t.Fatalf("error %+v outside the %d lines", e, lines)
				}
			}
		}
		for _, w := range waivers {
			if !seen[w.Scope.Fingerprint] || w.Rule == "" || w.Location.StartLine < 1 || w.Location.StartLine > lines {
				t.Fatalf("waiver %+v names no statement", w)
			}
		}
	})
}
