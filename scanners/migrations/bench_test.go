package migrations

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/gittest"
)

// benchMigration is a typical migration: a table, its indexes, a change
// to an older table, a backfill; a few statements a policy flags.
func benchMigration(i int, dialect string) string {
	if dialect == MySQL {
		return fmt.Sprintf("SET SESSION lock_wait_timeout = 5;\n"+
			"CREATE TABLE IF NOT EXISTS `t%[1]d` (\n  `id` bigint NOT NULL AUTO_INCREMENT PRIMARY KEY,\n  `name` varchar(255) NOT NULL,\n  `created_at` datetime NOT NULL DEFAULT CURRENT_TIMESTAMP\n) ENGINE=InnoDB;\n"+
			"CREATE INDEX `t%[1]d_name` ON `t%[1]d` (`name`);\n"+
			"ALTER TABLE `users` ADD COLUMN `c%[1]d` int NOT NULL, ALGORITHM=INPLACE, LOCK=NONE;\n"+
			"UPDATE `users` SET `c%[1]d` = 0 WHERE `id` < 1000;\n"+
			"ALTER TABLE `orders` MODIFY `total%[1]d` decimal(14,2);\n", i)
	}
	return fmt.Sprintf("SET lock_timeout = '5s';\n"+
		"CREATE TABLE IF NOT EXISTS t%[1]d (\n    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,\n    name text NOT NULL,\n    created_at timestamptz NOT NULL DEFAULT now()\n);\n"+
		"CREATE INDEX IF NOT EXISTS t%[1]d_name ON t%[1]d (name);\n"+
		"ALTER TABLE users ADD COLUMN IF NOT EXISTS c%[1]d integer NOT NULL;\n"+
		"UPDATE users SET c%[1]d = 0 WHERE id < 1000;\n"+
		"ALTER TABLE orders ADD CONSTRAINT orders_fk%[1]d FOREIGN KEY (user_id) REFERENCES users (id);\n", i)
}

// benchDir writes n golang-migrate pairs, half PostgreSQL, half MySQL.
func benchDir(b *testing.B, n int) string {
	b.Helper()
	dir := b.TempDir()
	for _, d := range []string{Postgres, MySQL} {
		if err := os.MkdirAll(filepath.Join(dir, d, "migrations"), 0o755); err != nil {
			b.Fatal(err)
		}
	}
	for i := range n {
		d := Postgres
		if i%2 == 1 {
			d = MySQL
		}
		base := filepath.Join(dir, d, "migrations", fmt.Sprintf("%06d_m%d", i, i))
		if err := os.WriteFile(base+".up.sql", []byte(benchMigration(i, d)), 0o644); err != nil {
			b.Fatal(err)
		}
		if err := os.WriteFile(base+".down.sql", []byte("SELECT 1;\n"), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	return dir
}

// BenchmarkScan1000 finds, reads and parses 1,000 migration files (500 up
// migrations in each dialect, with their down files).
func BenchmarkScan1000(b *testing.B) {
	dir := benchDir(b, 500)
	b.ResetTimer()
	for b.Loop() {
		in := engine.NewInput()
		if _, err := New(Options{Dir: dir}).Scan(context.Background(), in); err != nil {
			b.Fatal(err)
		}
		if len(in.Migrations) != 1000 {
			b.Fatalf("%d migrations", len(in.Migrations))
		}
	}
}

// BenchmarkScanEvaluate1000 is the same scan followed by the evaluation of
// every built-in policy over its facts (the engine is built once per
// process, as in the CLI).
func BenchmarkScanEvaluate1000(b *testing.B) {
	dir := benchDir(b, 500)
	e := getEngine(b, nil)
	b.ResetTimer()
	for b.Loop() {
		in := engine.NewInput()
		if _, err := New(Options{Dir: dir}).Scan(context.Background(), in); err != nil {
			b.Fatal(err)
		}
		in.Release.Environment = "production"
		d, err := e.Evaluate(context.Background(), in)
		if err != nil {
			b.Fatal(err)
		}
		if len(d.Violations) == 0 {
			b.Fatal("no violations")
		}
	}
}

// BenchmarkStagedOne is the scanner's share of the pre-commit path: a
// repository with 200 committed migrations and one staged.
func BenchmarkStagedOne(b *testing.B) {
	gittest.Isolate(b)
	r := gittest.New(b)
	for i := range 200 {
		r.Write(fmt.Sprintf("db/migrations/%06d_m.up.sql", i), benchMigration(i, Postgres))
		r.Write(fmt.Sprintf("db/migrations/%06d_m.down.sql", i), "SELECT 1;\n")
	}
	r.Commit("history")
	r.Write("db/migrations/000200_new.up.sql", benchMigration(200, Postgres))
	r.Write("db/migrations/000200_new.down.sql", "SELECT 1;\n")
	r.Stage("db/migrations")
	b.ResetTimer()
	for b.Loop() {
		in := engine.NewInput()
		if _, err := New(Options{Dir: r.Dir, Staged: true}).Scan(context.Background(), in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStatement parses one typical statement in each dialect.
func BenchmarkStatement(b *testing.B) {
	for _, d := range []string{Postgres, MySQL} {
		b.Run(d, func(b *testing.B) {
			text := "ALTER TABLE users ADD COLUMN plan text NOT NULL DEFAULT 'free';\n"
			src := newSource(text)
			for b.Loop() {
				analyse(src, d, "m.sql", section{direction: directionUp, to: len(text)}, nil)
			}
		})
	}
}
