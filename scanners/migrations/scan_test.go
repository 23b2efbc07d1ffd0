package migrations

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

func TestNothingToScanIsSkipped(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"README.md":                 "# no migrations\n",
		"testdata/migrations/1.sql": "DROP TABLE fixtures;\n", // test data is never a migration
		"sql/queries.sql":           "SELECT 1;\n",            // SQL, but not in a migrations layout
	})
	in, run := scan(t, Options{Dir: dir})
	if run.Status != engine.StatusSkipped || len(in.Migrations) != 0 {
		t.Errorf("status %q with %d migrations, want skipped", run.Status, len(in.Migrations))
	}
}

// TestDetection finds each layout without configuration and tells the
// dialects apart.
func TestDetection(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"services/api/db/migrations/000001_a.up.sql": "CREATE TABLE a (id bigserial, doc jsonb);\n",
		"services/billing/sql/V1__init.sql":          "CREATE TABLE `b` (`id` int NOT NULL AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;\n",
		"db/migrate/20240101_c.sql":                  "-- migrate:up\nCREATE TABLE c (id bigint);\n-- migrate:down\nDROP TABLE c;\n",
		"schema/20240101_d.sql":                      "-- +goose Up\nCREATE TABLE d (id bigint);\n",
		"schema/notes.sql":                           "SELECT 1;\n", // goose runs numbered files only
		"node_modules/pkg/migrations/1_x.up.sql":     "DROP TABLE x;\n",
		"sqitch/sqitch.plan":                         "%project=p\n\ne 2024-01-01T00:00:00Z A <a@example.invalid>\n",
		"sqitch/deploy/e.sql":                        "CREATE TABLE e (id bigint);\n",
		"sqitch/revert/e.sql":                        "DROP TABLE e;\n",
		"app/migrations/001_f.sql":                   "CREATE TABLE f (id bigint);\n",
	})
	in, run := scan(t, Options{Dir: dir})
	got := map[string]string{}
	for _, m := range in.Migrations {
		got[m.Path+" "+m.Direction] = m.Tool + " " + m.Dialect
	}
	want := map[string]string{
		"services/api/db/migrations/000001_a.up.sql up": "golang-migrate postgres",
		"services/billing/sql/V1__init.sql up":          "flyway mysql",
		"db/migrate/20240101_c.sql up":                  "dbmate postgres",
		"db/migrate/20240101_c.sql down":                "dbmate postgres",
		"schema/20240101_d.sql up":                      "goose postgres",
		"sqitch/deploy/e.sql up":                        "sqitch postgres",
		"sqitch/revert/e.sql down":                      "sqitch postgres",
		"app/migrations/001_f.sql up":                   "sql postgres",
	}
	if len(got) != len(want) {
		t.Errorf("found %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q", k, got[k], v)
		}
	}
	if run.Stats["ignored_files"] != 1 || run.Stats["dirs"] != 6 {
		t.Errorf("stats %v", run.Stats)
	}
	if !strings.Contains(run.Version, "pg_query_go") || !strings.Contains(run.Version, "tidb parser") {
		t.Errorf("version %q", run.Version)
	}
}

func TestConfiguredDirsAndDialect(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"sql/1.sql":                 "CREATE TABLE a (id int);\n",
		"db/migrations/1_x.up.sql":  "CREATE TABLE b (id int);\n", // not configured: not read
		"sql/nested/2.sql":          "CREATE TABLE c (id int);\n", // subdirectories are not migrations
		"sql/README.md":             "docs\n",
		"sql/2_second.sql":          "DROP TABLE a;\n",
		"sql/10_tenth.sql":          "SELECT 1;\n",
		"sql/migrations.sql.backup": "SELECT 1;\n",
	})
	in, _ := scan(t, Options{Dir: dir, Dirs: []string{"sql/"}, Dialect: "mysql"})
	var paths []string
	for _, m := range in.Migrations {
		paths = append(paths, m.Path)
		if m.Dialect != MySQL || m.Tool != ToolPlain {
			t.Errorf("%s: %s %s", m.Path, m.Tool, m.Dialect)
		}
	}
	if !slices.Equal(paths, []string{"sql/1.sql", "sql/10_tenth.sql", "sql/2_second.sql"}) {
		t.Errorf("paths %v", paths)
	}
	_, err := New(Options{Dir: dir, Dialect: "oracle"}).Scan(context.Background(), engine.NewInput())
	if err == nil || !strings.Contains(err.Error(), `unknown dialect "oracle"`) {
		t.Errorf("err = %v", err)
	}
	_, err = New(Options{Dir: dir, Dirs: []string{"missing"}}).Scan(context.Background(), engine.NewInput())
	if err == nil {
		t.Error("a configured directory that does not exist is no error")
	}
}

// TestInlineSuppression: `-- relgate:ignore` is recorded on the statement
// and as an inline waiver fact whose scope is the statement's fingerprint,
// which the policies' findings carry.
func TestInlineSuppression(t *testing.T) {
	dir := writeDir(t, map[string]string{"db/migrations/1_x.up.sql": `SET lock_timeout = '1s';
-- relgate:ignore MIG001 expires=2026-02-01 approver=dba-lead users has 12 rows, checked 2024-05-01
CREATE INDEX users_email ON users (email);
CREATE INDEX users_name ON users (name); -- relgate:ignore MIG001, MIG013
/* relgate:ignore MIG005 approver=ops backfilled by job 42 */ ALTER TABLE users ADD COLUMN plan text NOT NULL;
`, "db/migrations/1_x.down.sql": "SELECT 1;\n"})
	in, _ := scan(t, Options{Dir: dir})
	const p = "db/migrations/1_x.up.sql"
	email := statement(t, in, p, "up", "create_index", 3)
	name := statement(t, in, p, "up", "create_index", 4)
	plan := statement(t, in, p, "up", "add_column", 5)
	if !slices.Equal(email.Ignores, []string{"MIG001"}) || !slices.Equal(name.Ignores, []string{"MIG001", "MIG013"}) ||
		!slices.Equal(plan.Ignores, []string{"MIG005"}) {
		t.Errorf("ignores: %v %v %v", email.Ignores, name.Ignores, plan.Ignores)
	}
	loc := func(line int) engine.Location { return engine.Location{Path: p, StartLine: line, EndLine: line} }
	want := []engine.Waiver{
		{Rule: "MIG001", Scope: engine.WaiverScope{Fingerprint: email.Fingerprint}, Reason: "users has 12 rows, checked 2024-05-01",
			Approver: "dba-lead", Expires: "2026-02-01", Location: loc(2), Source: "inline"},
		{Rule: "MIG001", Scope: engine.WaiverScope{Fingerprint: name.Fingerprint}, Expires: inlineWaiverExpiry, Location: loc(4), Source: "inline"},
		{Rule: "MIG013", Scope: engine.WaiverScope{Fingerprint: name.Fingerprint}, Expires: inlineWaiverExpiry, Location: loc(4), Source: "inline"},
		{Rule: "MIG005", Scope: engine.WaiverScope{Fingerprint: plan.Fingerprint}, Reason: "backfilled by job 42", Approver: "ops",
			Expires: inlineWaiverExpiry, Location: loc(5), Source: "inline"},
	}
	if len(in.Waivers) != len(want) {
		t.Fatalf("waivers %+v", in.Waivers)
	}
	for i := range want {
		if in.Waivers[i] != want[i] {
			t.Errorf("waiver %d:\n got %+v\nwant %+v", i, in.Waivers[i], want[i])
		}
	}
	// The waiver that names an expiry and an approver satisfies waiver
	// governance as it stands and waives the finding on its statement.
	// Whether the others are honoured is that governance's call.
	got := migFindings(decide(t, in, "staging", nil))
	if !slices.Contains(got, "waived MIG001 db/migrations/1_x.up.sql:3") {
		t.Errorf("findings %v: the MIG001 on line 3 is not waived", got)
	}
	if slices.Contains(got, "MIG001 db/migrations/1_x.up.sql:3") {
		t.Errorf("findings %v: the MIG001 on line 3 is still active", got)
	}
}

// TestCleanupRelease: the same contract passes when the config or the
// release label says this is the cleanup release.
func TestCleanupRelease(t *testing.T) {
	dir := filepath.Join("testdata", "dbmate", "postgres")
	contract := func(d *engine.Decision) []string {
		var out []string
		for _, f := range migFindings(d) {
			for _, r := range []string{"MIG008", "MIG009", "MIG018"} {
				if strings.Contains(f, r+" ") {
					out = append(out, f)
				}
			}
		}
		return out
	}
	in, _ := scan(t, Options{Dir: dir})
	if got := contract(decide(t, in, "production", nil)); len(got) != 3 {
		t.Fatalf("without cleanup: %v", got)
	}
	in, _ = scan(t, Options{Dir: dir})
	if got := contract(decide(t, in, "production", map[string]any{"migrations": map[string]any{"cleanup_release": true}})); len(got) != 0 {
		t.Errorf("cleanup_release: %v", got)
	}
	in, _ = scan(t, Options{Dir: dir})
	in.Release.Labels = []string{"cleanup"}
	if got := contract(decide(t, in, "production", nil)); len(got) != 0 {
		t.Errorf("cleanup label: %v", got)
	}
}

// TestDeterministic: two scans write the same document.
func TestDeterministic(t *testing.T) {
	var docs [2][]byte
	for i := range docs {
		in := engine.NewInput()
		for _, l := range layouts {
			part, _ := scan(t, Options{Dir: filepath.Join("testdata", l.tool, l.dialect)})
			in.Merge(part)
		}
		var b bytes.Buffer
		if err := in.Encode(&b); err != nil {
			t.Fatal(err)
		}
		docs[i] = b.Bytes()
	}
	if !bytes.Equal(docs[0], docs[1]) {
		t.Error("two scans of the fixtures differ")
	}
}
