package migrations

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

// gm is a golang-migrate pair: the up script and a harmless down.
func gm(up string) map[string]string {
	return map[string]string{"0001_change.up.sql": up, "0001_change.down.sql": "SELECT 1;\n"}
}

// goose is a goose migration with the body as its Up section.
func goose(body string) map[string]string {
	return map[string]string{"0001_change.sql": "-- +goose Up\n" + body + "-- +goose Down\nSELECT 1;\n"}
}

const upFile = "0001_change.up.sql"

type ruleCase struct {
	rule, dialect string
	fail, pass    map[string]string
	file          string
	line          int
	env           string
	passLabels    []string
	cfg           map[string]any // the config document, for rules that are off by default
}

// ruleCases are, for every MIG rule, SQL that breaks it and SQL that does
// not, in each dialect the rule applies to. The failing SQL must give the
// rule at file:line; the passing SQL must not give it at all.
var ruleCases = []ruleCase{
	{rule: "MIG001", dialect: Postgres, fail: gm("CREATE INDEX users_email ON users (email);\n"),
		pass: gm("CREATE INDEX CONCURRENTLY users_email ON users (email);\n"), line: 1},
	{rule: "MIG002", dialect: Postgres, fail: gm("DROP INDEX users_email;\n"),
		pass: gm("DROP INDEX CONCURRENTLY users_email;\n"), line: 1},
	{rule: "MIG003", dialect: Postgres, fail: gm("SET lock_timeout = '1s';\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n"),
		pass: map[string]string{"0001_change.sql": "-- +goose NO TRANSACTION\n-- +goose Up\nCREATE INDEX CONCURRENTLY users_email ON users (email);\n-- +goose Down\nSELECT 1;\n"}, line: 2},
	{rule: "MIG004", dialect: Postgres, fail: gm("ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\n"),
		pass: gm("ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id) NOT VALID;\n"), line: 1},
	{rule: "MIG004", dialect: MySQL, fail: gm("ALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\n"),
		pass: gm("SET foreign_key_checks = 0;\nALTER TABLE orders ADD CONSTRAINT orders_user_fk FOREIGN KEY (user_id) REFERENCES users (id);\nSET foreign_key_checks = 1;\n"), line: 1},
	{rule: "MIG005", dialect: Postgres, fail: gm("ALTER TABLE users ADD COLUMN plan text NOT NULL;\n"),
		pass: gm("ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';\n"), line: 1},
	{rule: "MIG005", dialect: MySQL, fail: gm("ALTER TABLE users ADD COLUMN plan varchar(16) NOT NULL;\n"),
		pass: gm("ALTER TABLE users ADD COLUMN plan varchar(16) NOT NULL DEFAULT 'free';\n"), line: 1},
	{rule: "MIG006", dialect: Postgres, fail: gm("ALTER TABLE users ADD COLUMN token uuid DEFAULT gen_random_uuid();\n"),
		pass: gm("ALTER TABLE users ADD COLUMN created_at timestamptz DEFAULT now();\n"), line: 1},
	{rule: "MIG006", dialect: MySQL, fail: gm("ALTER TABLE users ADD COLUMN token binary(16) DEFAULT (UUID_TO_BIN(UUID()));\n"),
		pass: gm("ALTER TABLE users ADD COLUMN created_at datetime DEFAULT CURRENT_TIMESTAMP;\n"), line: 1},
	{rule: "MIG007", dialect: Postgres, fail: gm("ALTER TABLE users ALTER COLUMN id TYPE bigint;\n"),
		pass: gm("ALTER TABLE users ADD COLUMN id2 bigint;\n"), line: 1},
	{rule: "MIG007", dialect: MySQL, fail: gm("ALTER TABLE users MODIFY id bigint NOT NULL;\n"),
		pass: gm("ALTER TABLE users ADD COLUMN id2 bigint;\n"), line: 1},
	{rule: "MIG008", dialect: Postgres, fail: gm("ALTER TABLE users RENAME COLUMN email TO mail;\n"),
		pass: gm("ALTER TABLE users RENAME COLUMN email TO mail;\n"), passLabels: []string{"cleanup"}, line: 1},
	{rule: "MIG008", dialect: MySQL, fail: gm("RENAME TABLE users TO accounts;\n"),
		pass: gm("CREATE TABLE users (id bigint);\nRENAME TABLE users TO accounts;\n"), line: 1},
	{rule: "MIG009", dialect: Postgres, fail: gm("ALTER TABLE users DROP COLUMN legacy;\n"),
		pass: gm("ALTER TABLE users DROP COLUMN legacy;\n"), passLabels: []string{"cleanup"}, line: 1},
	{rule: "MIG009", dialect: MySQL, fail: gm("DROP TABLE sessions;\n"),
		pass: gm("CREATE TABLE sessions (id bigint);\nDROP TABLE sessions;\n"), line: 1},
	{rule: "MIG010", dialect: Postgres, fail: gm("DROP DATABASE legacy;\n"), pass: gm("CREATE DATABASE analytics;\n"), line: 1},
	{rule: "MIG010", dialect: MySQL, fail: gm("DROP DATABASE legacy;\n"), pass: gm("CREATE DATABASE analytics;\n"), line: 1},
	{rule: "MIG011", dialect: Postgres, fail: gm("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE (email);\n"),
		pass: gm("ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;\n"), line: 1},
	{rule: "MIG012", dialect: Postgres, fail: gm("ALTER TABLE users ADD COLUMN note text;\n"),
		pass: gm("SET lock_timeout = '2s';\nALTER TABLE users ADD COLUMN note text;\n"), line: 1},
	{rule: "MIG012", dialect: MySQL, fail: gm("ALTER TABLE users ADD COLUMN note text;\n"),
		pass: gm("SET SESSION lock_wait_timeout = 5;\nALTER TABLE users ADD COLUMN note text;\n"), line: 1},
	{rule: "MIG013", dialect: Postgres, fail: gm("CREATE TABLE t (id bigint);\n"), pass: gm("CREATE TABLE IF NOT EXISTS t (id bigint);\n"), line: 1},
	{rule: "MIG013", dialect: MySQL, fail: gm("CREATE TABLE t (id bigint);\n"), pass: gm("CREATE TABLE IF NOT EXISTS t (id bigint);\n"), line: 1},
	{rule: "MIG014", dialect: Postgres, fail: gm("CREATE TABLE IF NOT EXISTS t (\n  id int,\n  at timestamp\n);\n"),
		pass: gm("CREATE TABLE IF NOT EXISTS t (\n  id bigint,\n  at timestamptz\n);\n"), line: 1},
	{rule: "MIG014", dialect: MySQL, fail: gm("CREATE TABLE IF NOT EXISTS t (seen timestamp);\n"),
		pass: gm("CREATE TABLE IF NOT EXISTS t (seen datetime);\n"), line: 1},
	{rule: "MIG015", dialect: Postgres, fail: goose("BEGIN;\nCREATE TABLE IF NOT EXISTS t (id bigint);\nCOMMIT;\n"),
		pass: gm("BEGIN;\nCREATE TABLE IF NOT EXISTS t (id bigint);\nCOMMIT;\n"), file: "0001_change.sql", line: 2},
	{rule: "MIG015", dialect: MySQL, fail: goose("BEGIN;\nINSERT INTO t (id) VALUES (1);\nCOMMIT;\n"),
		pass: gm("BEGIN;\nINSERT INTO t (id) VALUES (1);\nCOMMIT;\n"), file: "0001_change.sql", line: 2},
	{rule: "MIG016", dialect: Postgres, fail: gm("VACUUM FULL users;\n"), pass: gm("VACUUM users;\n"), line: 1},
	{rule: "MIG016", dialect: MySQL, fail: gm("ALTER TABLE users ADD PRIMARY KEY (id);\n"),
		pass: gm("ALTER TABLE users ADD INDEX users_email (email);\n"), line: 1},
	{rule: "MIG017", dialect: Postgres, fail: gm("ALTER TABLE users ALTER COLUMN email SET NOT NULL;\n"),
		pass: gm("ALTER TABLE users ALTER COLUMN email DROP NOT NULL;\n"), line: 1},
	{rule: "MIG018", dialect: Postgres, fail: gm("ALTER TABLE users ALTER COLUMN plan DROP DEFAULT;\n"),
		pass: gm("ALTER TABLE users ALTER COLUMN plan SET DEFAULT 'free';\n"), line: 1},
	{rule: "MIG018", dialect: MySQL, fail: gm("ALTER TABLE users ALTER COLUMN plan DROP DEFAULT;\n"),
		pass: gm("ALTER TABLE users ALTER COLUMN plan SET DEFAULT 'free';\n"), line: 1},
	{rule: "MIG019", dialect: Postgres, fail: gm("TRUNCATE sessions CASCADE;\n"), pass: gm("DELETE FROM sessions WHERE expires_at < now();\n"), line: 1},
	{rule: "MIG019", dialect: MySQL, fail: gm("DELETE FROM sessions;\n"), pass: gm("DELETE FROM sessions WHERE id = 1;\n"), line: 1},
	{rule: "MIG020", dialect: Postgres, fail: gm("UPDATE users SET plan = 'free';\n"), pass: gm("UPDATE users SET plan = 'free' WHERE plan IS NULL;\n"), line: 1},
	{rule: "MIG020", dialect: MySQL, fail: gm("UPDATE users SET plan = 'free';\n"), pass: gm("UPDATE users SET plan = 'free' WHERE plan IS NULL;\n"), line: 1},
	{rule: "MIG021", dialect: Postgres, env: "production", fail: map[string]string{upFile: "CREATE TABLE IF NOT EXISTS t (id bigint);\n"},
		pass: map[string]string{upFile: "-- relgate:irreversible data is rebuilt from events\nCREATE TABLE IF NOT EXISTS t (id bigint);\n"}, line: 1},
	{rule: "MIG021", dialect: MySQL, env: "production", fail: map[string]string{upFile: "CREATE TABLE IF NOT EXISTS t (id bigint);\n"},
		pass: map[string]string{upFile: "CREATE TABLE IF NOT EXISTS t (id bigint);\n", "0001_change.down.sql": "DROP TABLE IF EXISTS t;\n"}, line: 1},
	{rule: "MIG022", dialect: Postgres, fail: map[string]string{upFile: "CREATE INDEX CONCURRENTLY i ON users (email);\n", "0001_change.down.sql": "SELECT 1;\nDROP TABLE users;\n"},
		pass: map[string]string{upFile: "CREATE INDEX CONCURRENTLY i ON users (email);\n", "0001_change.down.sql": "DROP INDEX CONCURRENTLY i;\n"}, file: "0001_change.down.sql", line: 2},
	{rule: "MIG022", dialect: MySQL, fail: map[string]string{upFile: "ALTER TABLE users ADD COLUMN note text;\n", "0001_change.down.sql": "ALTER TABLE users DROP COLUMN note;\n"},
		pass: map[string]string{upFile: "CREATE INDEX i ON users (email);\n", "0001_change.down.sql": "DROP INDEX i ON users;\n"}, file: "0001_change.down.sql", line: 1},
	{rule: "MIG023", dialect: Postgres, fail: gm("SELECT 1;\nCREATE TABLE t (id intt foo);\n"), pass: gm("SELECT 1;\nCREATE TABLE t (id int);\n"), line: 2},
	{rule: "MIG023", dialect: MySQL, fail: gm("SELECT 1;\nALTER TABLE;\n"), pass: gm("SELECT 1;\nALTER TABLE t ADD COLUMN c int;\n"), line: 2},
}

// TestRulesOnSQL runs each rule's failing and passing SQL through the real
// parsers and the built-in policies.
func TestRulesOnSQL(t *testing.T) {
	for _, c := range slices.Concat(ruleCases, moreRuleCases) {
		t.Run(c.rule+"/"+c.dialect, func(t *testing.T) {
			env := c.env
			if env == "" {
				env = "staging"
			}
			file := c.file
			if file == "" {
				file = upFile
			}
			want := c.rule + " " + file + ":" + strconv.Itoa(c.line)
			got := findingsFor(t, c.fail, c.dialect, env, nil, c.cfg)
			if !slices.Contains(got, want) {
				t.Errorf("failing SQL: want %s among %v", want, got)
			}
			got = findingsFor(t, c.pass, c.dialect, env, c.passLabels, c.cfg)
			for _, f := range got {
				if strings.HasPrefix(f, c.rule+" ") {
					t.Errorf("passing SQL: unexpected %s", f)
				}
			}
		})
	}
}

// TestEveryRuleHasSQLCases keeps the table complete: every MIG rule the
// policies define, except those about git history, has a SQL case.
func TestEveryRuleHasSQLCases(t *testing.T) {
	covered := map[string]bool{"MIG024": true} // edits of applied migrations: TestChangeRange
	for _, c := range slices.Concat(ruleCases, moreRuleCases) {
		covered[c.rule] = true
	}
	n := 0
	for _, r := range getEngine(t, nil).Rules() {
		if strings.HasPrefix(r.ID, "MIG") {
			n++
			if !covered[r.ID] {
				t.Errorf("rule %s has no SQL case", r.ID)
			}
		}
	}
	if n < 24 {
		t.Errorf("the engine knows %d MIG rules, want at least 24", n)
	}
}

// findingsFor scans files as a golang-migrate or goose directory and
// returns the MIG findings outside waivers as "RULE file:line".
func findingsFor(t *testing.T, files map[string]string, dialect, env string, labels []string, cfg map[string]any) []string {
	t.Helper()
	in := scanFiles(t, files, dialect)
	in.Release.Labels = labels
	var out []string
	for _, f := range migFindings(decide(t, in, env, cfg)) {
		if !strings.HasPrefix(f, "waived ") {
			out = append(out, strings.TrimPrefix(f, "warn "))
		}
	}
	return out
}

func scanFiles(t *testing.T, files map[string]string, dialect string) *engine.Input {
	t.Helper()
	dir := t.TempDir()
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	in, _ := scan(t, Options{Dir: dir, Dirs: []string{"."}, Dialect: dialect})
	return in
}
