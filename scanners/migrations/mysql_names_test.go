package migrations

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestMySQLNameLimit: every kind of name the TiDB parser gives is held to
// MySQL's 64 characters (MIG039): one character over fails, the limit
// itself passes, and the limit counts characters, not bytes.
func TestMySQLNameLimit(t *testing.T) {
	over := "orders_" + strings.Repeat("x", 58) // 65 characters
	limit := over[:64]
	wide := strings.Repeat("é", 64) // 64 characters, 128 bytes
	kinds := []struct{ kind, sql string }{
		{"table", "CREATE TABLE IF NOT EXISTS `%s` (id bigint);\n"},
		{"schema of a table", "CREATE TABLE IF NOT EXISTS `%s`.t (id bigint);\n"},
		{"column", "ALTER TABLE t ADD COLUMN `%s` bigint;\n"},
		{"column of a new table", "CREATE TABLE IF NOT EXISTS t (`%s` bigint);\n"},
		{"index", "CREATE INDEX `%s` ON t (a);\n"},
		{"index added by ALTER", "ALTER TABLE t ADD INDEX `%s` (a);\n"},
		{"index renamed", "ALTER TABLE t RENAME INDEX a_idx TO `%s`;\n"},
		{"index dropped", "DROP INDEX `%s` ON t;\n"},
		{"constraint", "ALTER TABLE t ADD CONSTRAINT `%s` FOREIGN KEY (u) REFERENCES u (id);\n"},
		{"referenced table", "ALTER TABLE t ADD CONSTRAINT t_u FOREIGN KEY (u) REFERENCES `%s` (id);\n"},
		{"check constraint", "ALTER TABLE t ADD CONSTRAINT `%s` CHECK (a > 0);\n"},
		{"column renamed", "ALTER TABLE t CHANGE COLUMN a `%s` bigint;\n"},
		{"table renamed", "RENAME TABLE t TO `%s`;\n"},
		{"database", "CREATE DATABASE IF NOT EXISTS `%s`;\n"},
		{"view", "CREATE OR REPLACE VIEW `%s` AS SELECT 1;\n"},
		{"column of a view", "CREATE OR REPLACE VIEW v (`%s`) AS SELECT 1;\n"},
		{"user variable", "SET @`%s` = 1;\n"},
	}
	for _, k := range kinds {
		t.Run(k.kind, func(t *testing.T) {
			in := scanFiles(t, gm(fmt.Sprintf(k.sql, over)), MySQL)
			found := false
			for _, m := range in.Migrations {
				for _, s := range m.Statements {
					found = found || slices.Contains(s.LongNames, over)
				}
			}
			if !found {
				t.Errorf("%q: no statement reports the 65-character name in long_names", k.sql)
			}
			if got := findingsFor(t, gm(fmt.Sprintf(k.sql, over)), MySQL, "staging", nil, nil); !slices.Contains(got, "MIG039 "+upFile+":1") {
				t.Errorf("65 characters: want MIG039 %s:1 among %v", upFile, got)
			}
			for _, name := range []string{limit, wide} {
				for _, f := range findingsFor(t, gm(fmt.Sprintf(k.sql, name)), MySQL, "staging", nil, nil) {
					if strings.HasPrefix(f, "MIG039 ") {
						t.Errorf("%d characters (%d bytes): unexpected %s", len([]rune(name)), len(name), f)
					}
				}
			}
		})
	}
}

// TestMySQLNameLimitIsNotPostgreSQLs: PostgreSQL's 63-byte limit is
// MIG025's, and MIG039 is MySQL's alone.
func TestMySQLNameLimitIsNotPostgreSQLs(t *testing.T) {
	long := "orders_" + strings.Repeat("x", 58)
	got := findingsFor(t, gm("CREATE TABLE IF NOT EXISTS "+long+" (id bigint);\n"), Postgres, "staging", nil, nil)
	if !slices.Contains(got, "MIG025 "+upFile+":1") || slices.ContainsFunc(got, func(f string) bool { return strings.HasPrefix(f, "MIG039 ") }) {
		t.Errorf("PostgreSQL: want MIG025 and no MIG039, got %v", got)
	}
}
