// Package migrations gathers the facts of database migrations: which
// migrations exist and in which tool's layout (golang-migrate, goose,
// Flyway, dbmate, Sqitch, plain SQL), which are new in the change, and for
// every statement what PostgreSQL's or MySQL's own grammar says it does —
// the lock it takes, whether it rewrites or destroys, whether it breaks
// the released version of the code.
//
// PostgreSQL is parsed with libpg_query (pg_query_go, PostgreSQL 17's
// parser) and MySQL with the TiDB parser. A statement that does not parse
// is a fact with its file and line, never a skip. The package judges
// nothing: policies/rules/migrations*.rego do.
//
// Two comments in a migration are facts too:
//
//	-- relgate:ignore MIG001[,MIG013] [expires=YYYY-MM-DD] [approver=NAME] reason
//	-- relgate:irreversible [why]
//
// The first, before a statement or at the end of its last line, is
// recorded on the statement (Ignores) and as a waiver fact (Source
// "inline") scoped to the statement's fingerprint. The second, anywhere in
// the file, says the migration has no down migration on purpose.
package migrations

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/boundary"
	"github.com/relgate/relgate/internal/skip"
)

// Options say where to look and what the change is.
type Options struct {
	// Dir is the repository root (absolute).
	Dir string
	// Dirs are the migrations directories, relative to Dir; empty means
	// detect them.
	Dirs []string
	// Dialect is postgres or mysql; empty means detect it per directory.
	Dialect string
	// Base is the --base REF: the change is what differs from it.
	Base string
	// Staged limits the change to the git index (pre-commit).
	Staged bool
	// AssumeInTransaction overrides what the tool layout says about
	// transactions (squawk's --assume-in-transaction): true when the
	// runner wraps every migration in one (a golang-migrate or plain SQL
	// directory run by a framework that does), false when it wraps none.
	// A file's own opt-out (goose NO TRANSACTION, dbmate
	// transaction:false, Flyway executeInTransaction=false) still holds,
	// and so does PostgreSQL's implicit transaction of a multi-statement
	// query. Nil follows the layout.
	AssumeInTransaction *bool
	// Skip are the paths left out (--skip-dirs, --skip-files): skipped
	// directories are not searched, skipped files not read.
	Skip *skip.Paths
}

// Scanner is the migrations adapter.
type Scanner struct{ opts Options }

// New returns a scanner for the options.
func New(opts Options) *Scanner { return &Scanner{opts: opts} }

// Scan fills out.Migrations (and out.Waivers with the inline suppressions).
// With no migrations to look at the run is skipped.
func (s *Scanner) Scan(ctx context.Context, out *engine.Input) (engine.ScannerRun, error) {
	run := engine.ScannerRun{Version: parserVersions()}
	switch s.opts.Dialect {
	case "", Postgres, MySQL:
	case "postgresql", "pg":
		s.opts.Dialect = Postgres
	default:
		return run, fmt.Errorf("unknown dialect %q (want postgres or mysql)", s.opts.Dialect)
	}
	dirs, err := findDirs(s.opts.Dir, s.opts.Dirs, s.opts.Skip)
	if err != nil {
		return run, fmt.Errorf("find migrations: %w", err)
	}
	dirs, skipped := skipFiles(dirs, s.opts.Skip)
	files := 0
	for _, d := range dirs {
		files += len(d.files)
	}
	if files == 0 {
		run.Status, run.Reason = engine.StatusSkipped, engine.ReasonNoMigrations
		if skipped > 0 {
			run.Stats = map[string]int64{"skipped_files": int64(skipped)}
		}
		return run, nil
	}
	cs, err := changes(ctx, s.opts.Dir, s.opts.Base, s.opts.Staged)
	if err != nil {
		return run, err
	}
	stats := map[string]int64{}
	for _, d := range dirs {
		if err := ctx.Err(); err != nil {
			return run, err
		}
		migs, waivers, err := s.scanDir(ctx, d, cs)
		if err != nil {
			return run, err
		}
		out.Migrations = append(out.Migrations, migs...)
		out.Waivers = append(out.Waivers, waivers...)
		stats["ignored_files"] += int64(d.ignored)
	}
	for _, m := range out.Migrations {
		stats["migrations"]++
		stats["statements"] += int64(len(m.Statements))
		stats["parse_errors"] += int64(len(m.Errors))
		if m.InChange {
			stats["in_change"]++
		}
	}
	stats["dirs"] = int64(len(dirs))
	if skipped > 0 {
		stats["skipped_files"] = int64(skipped)
	}
	run.Stats = stats
	sortOutput(out)
	return run, nil
}

// scanDir reads, parses and records every migration of one directory in
// the order the tool applies them.
func (s *Scanner) scanDir(ctx context.Context, d dirLayout, cs changeSet) ([]engine.Migration, []engine.Waiver, error) {
	texts := make([]string, len(d.files))
	for i, f := range d.files {
		if why := s.outside(f.path); why != "" {
			d.files[i].unread = why
			continue
		}
		data, tooBig, err := s.read(ctx, f.path, cs)
		if err != nil {
			return nil, nil, err
		}
		texts[i] = string(data)
		d.files[i].tooBig = tooBig
		d.files[i].assumeTx = s.opts.AssumeInTransaction
	}
	dialect := cmp.Or(s.opts.Dialect, d.dialect)
	if dialect == "" {
		dialect = detectDialect(texts)
	}
	// Parse on every core; then sequence in the order the tool applies.
	parsed := make([]parsedFile, len(d.files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(d.files)) {
		wg.Go(func() {
			for i := range next {
				parsed[i] = parseFile(d.files[i], texts[i], dialect)
			}
		})
	}
	for i := range d.files {
		next <- i
	}
	close(next)
	wg.Wait()
	var migs []engine.Migration
	var waivers []engine.Waiver
	changeCreated := map[string]bool{}
	cols := catalog{}
	for i, f := range d.files {
		change := cs.of(f.path)
		recs, ws, created := parsed[i].records(change, changeCreated, cols)
		if change == changeAdded {
			for _, t := range created {
				changeCreated[t] = true
			}
		}
		migs = append(migs, recs...)
		waivers = append(waivers, ws...)
	}
	// A separate down file counts when it holds a statement.
	downs := map[string]int{}
	for _, m := range migs {
		if m.Direction == directionDown {
			downs[m.Path] = len(m.Statements)
		}
	}
	for j, m := range migs {
		if m.Direction != directionDown && m.DownPath != "" && m.DownPath != m.Path {
			migs[j].HasDown = downs[m.DownPath] > 0
		}
	}
	return migs, waivers, nil
}

// outside says why a migration is not read when it is a symbolic link
// that leaves the scanned root (or one that cannot be resolved): its
// content is not the repository's, and reading it would put another
// file's text (in a parse error, say) into the report.
func (s *Scanner) outside(rel string) string {
	_, err := boundary.Resolve(s.opts.Dir, rel)
	switch {
	case err == nil:
		return ""
	case errors.Is(err, boundary.ErrOutside):
		return "a symbolic link to a file outside the scanned directory: not read"
	default:
		return "a symbolic link that cannot be resolved: not read"
	}
}

// read returns a file's content: from the index when the change is the
// staged one and the file is part of it, else from the work tree.
func (s *Scanner) read(ctx context.Context, rel string, cs changeSet) (data []byte, tooBig bool, err error) {
	abs := filepath.Join(s.opts.Dir, filepath.FromSlash(rel))
	info, err := os.Stat(abs)
	if err != nil {
		return nil, false, fmt.Errorf("read migration %s: %w", rel, err)
	}
	if info.Size() > maxFileSize {
		return nil, true, nil // an error fact, not a scanner failure
	}
	if cs.staged {
		if k := cs.of(rel); k == changeAdded || k == changeModified || k == changeRenamed {
			data, err := stagedContent(ctx, s.opts.Dir, rel)
			if err != nil {
				return nil, false, fmt.Errorf("read staged migration %s: %w", rel, err)
			}
			return data, len(data) > maxFileSize, nil
		}
	}
	data, err = os.ReadFile(abs)
	if err != nil {
		return nil, false, fmt.Errorf("read migration %s: %w", rel, err)
	}
	return data, false, nil
}

// parsedFile is a migration file read by its grammar, before the facts
// that depend on the migrations applied before it.
type parsedFile struct {
	f            file
	dialect      string
	src          *source
	secs         []section
	scripts      []script
	errs         []engine.ParseError // of the file as a whole
	irreversible bool
}

// parseFile reads one migration file with its dialect's grammar.
func parseFile(f file, text, dialect string) parsedFile {
	pf := parsedFile{f: f, dialect: dialect}
	if f.unread != "" {
		pf.errs = []engine.ParseError{{Line: 1, Message: f.unread}}
		return pf
	}
	if f.tooBig || len(text) > maxFileSize {
		pf.errs = []engine.ParseError{{Line: 1, Message: fmt.Sprintf("file is larger than %d MiB: not parsed", maxFileSize>>20)}}
		return pf
	}
	text, textErrs := cleanText(text)
	pf.src = newSource(text)
	pf.irreversible = len(pf.src.markerLines("-- relgate:irreversible")) > 0 || len(pf.src.markerLines("# relgate:irreversible")) > 0
	var secErrs []engine.ParseError
	pf.secs, secErrs = sections(f, pf.src, dialect)
	pf.errs = append(secErrs, textErrs...)
	for _, sec := range pf.secs {
		pf.scripts = append(pf.scripts, grammarOf(dialect)(pf.src, sec.from, sec.to))
	}
	return pf
}

// record turns one migration file into its records: one per direction it
// holds. created are the tables created by earlier migrations added in
// the change; it returns the tables this one creates.
func record(f file, text, dialect, change string, created map[string]bool) ([]engine.Migration, []engine.Waiver, []string) {
	return parseFile(f, text, dialect).records(change, created, nil)
}

func (pf parsedFile) records(change string, created map[string]bool, cols catalog) ([]engine.Migration, []engine.Waiver, []string) {
	f := pf.f
	base := engine.Migration{
		Path: f.path, Tool: f.tool, Version: f.version, Name: f.name, Dialect: pf.dialect,
		InChange: change == changeAdded || change == changeModified || change == changeRenamed,
		Change:   change, Repeatable: f.repeatable,
	}
	if pf.src == nil {
		base.Direction = cmp.Or(f.direction, directionUp)
		base.Errors = pf.errs
		return []engine.Migration{base}, nil, nil
	}
	var out []engine.Migration
	var waivers []engine.Waiver
	var made []string
	for i, sec := range pf.secs {
		m := base
		m.Direction = sec.direction
		var a analysis
		if sec.direction == directionDown {
			a = sequence(pf.src, pf.scripts[i], pf.dialect, f.path, sec, nil, nil)
		} else {
			a = sequence(pf.src, pf.scripts[i], pf.dialect, f.path, sec, created, cols)
			m.Irreversible = pf.irreversible
			m.DownPath = f.downPath
			made = a.created
		}
		m.Statements = a.statements
		m.Errors = a.errors
		m.Transactional = a.transactional
		waivers = append(waivers, a.waivers...)
		out = append(out, m)
	}
	// goose and dbmate keep both directions in one file.
	if up, down := findDir(out, directionUp), findDir(out, directionDown); up >= 0 && down >= 0 && out[up].Path == out[down].Path {
		out[up].DownPath = f.path
		out[up].HasDown = len(out[down].Statements) > 0
	}
	if len(out) > 0 {
		first := &out[0]
		first.Errors = append(slices.Clone(pf.errs), first.Errors...)
		slices.SortStableFunc(first.Errors, func(a, b engine.ParseError) int { return a.Line - b.Line })
	}
	return out, waivers, made
}

func findDir(ms []engine.Migration, dir string) int {
	return slices.IndexFunc(ms, func(m engine.Migration) bool { return m.Direction == dir })
}

// sections splits a file into its directions as its tool does, and says
// how each runs: as the layout implies, or as configured.
func sections(f file, src *source, dialect string) ([]section, []engine.ParseError) {
	secs, errs := layoutSections(f, src, dialect)
	if f.assumeTx == nil {
		return secs, errs
	}
	for i := range secs {
		switch {
		case *f.assumeTx && (secs[i].tx == txNone || secs[i].tx == txImplicit) && !optedOut(f, src):
			secs[i].tx = txTool
		case !*f.assumeTx && (secs[i].tx == txTool || secs[i].tx == txFlyway):
			secs[i].tx = txNone
		}
	}
	return secs, errs
}

// optedOut is true when the file tells its tool not to use a transaction.
func optedOut(f file, src *source) bool {
	switch f.tool {
	case ToolGoose:
		return len(src.markerLines("-- +goose NO TRANSACTION")) > 0
	case ToolDbmate:
		return slices.ContainsFunc(src.markerLines("-- migrate:up"), func(l span) bool {
			return strings.Contains(src.text[l.start:l.end], "transaction:false")
		})
	case ToolFlyway:
		return f.noTx
	}
	return false
}

// layoutSections splits a file into its directions as its tool does.
func layoutSections(f file, src *source, dialect string) ([]section, []engine.ParseError) {
	all := section{direction: cmp.Or(f.direction, directionUp), from: 0, to: len(src.text)}
	switch f.tool {
	case ToolGolangMigrate:
		if dialect == Postgres {
			all.tx = txImplicit
		}
		return []section{all}, nil
	case ToolFlyway:
		if !f.noTx {
			all.tx = txFlyway
		}
		return []section{all}, nil
	case ToolGoose:
		return markedSections(src, "-- +goose Up", "-- +goose Down", func(line string, s *section) {
			s.tx = txTool
		}, func() bool { return len(src.markerLines("-- +goose NO TRANSACTION")) > 0 })
	case ToolDbmate:
		return markedSections(src, "-- migrate:up", "-- migrate:down", func(line string, s *section) {
			s.tx = txTool
			if strings.Contains(line, "transaction:false") {
				s.tx = txNone
			}
		}, func() bool { return false })
	}
	return []section{all}, nil
}

// markedSections cuts a file at its up and down marker lines.
func markedSections(src *source, upMarker, downMarker string, opts func(string, *section), noTxFn func() bool) ([]section, []engine.ParseError) {
	noTx := noTxFn()
	type mark struct {
		dir  string
		line span
	}
	var marks []mark
	for _, l := range src.markerLines(upMarker) {
		marks = append(marks, mark{directionUp, l})
	}
	for _, l := range src.markerLines(downMarker) {
		marks = append(marks, mark{directionDown, l})
	}
	slices.SortFunc(marks, func(a, b mark) int { return a.line.start - b.line.start })
	var errs []engine.ParseError
	if len(marks) == 0 || marks[0].dir != directionUp {
		errs = append(errs, engine.ParseError{Line: 1, Message: fmt.Sprintf("no %q line: the tool will not run this migration", upMarker)})
		if len(marks) == 0 {
			return []section{{direction: directionUp, from: 0, to: len(src.text)}}, errs
		}
	}
	var secs []section
	for i, m := range marks {
		s := section{direction: m.dir, from: m.line.end, to: len(src.text)}
		if i+1 < len(marks) {
			s.to = marks[i+1].line.start
		}
		opts(src.text[m.line.start:m.line.end], &s)
		if noTx {
			s.tx = txNone
		}
		if j := slices.IndexFunc(secs, func(x section) bool { return x.direction == s.direction }); j >= 0 {
			errs = append(errs, engine.ParseError{Line: src.line(m.line.start), Message: fmt.Sprintf("a second %s marker", m.dir)})
			continue
		}
		secs = append(secs, s)
	}
	return secs, errs
}

// detectDialect picks a directory's dialect from what its files say. A
// file with MySQL-only syntax (backquoted names, ENGINE=, AUTO_INCREMENT,
// MODIFY, CHANGE COLUMN) makes the directory MySQL; else the weaker
// markers of each dialect are counted, then which grammar accepts the
// files. PostgreSQL wins a tie. A wrong guess is not silent: the other
// grammar rejects the files (MIG023) and every finding names the dialect.
func detectDialect(texts []string) string {
	for _, t := range texts {
		if mysqlOnlyRE.MatchString(sqlCommentRE.ReplaceAllString(t, " ")) {
			return MySQL
		}
	}
	my, pgs := 0, 0
	for _, t := range texts {
		u := strings.ToUpper(t)
		for _, k := range mysqlMarkers {
			if strings.Contains(u, k) {
				my++
			}
		}
		for _, k := range postgresMarkers {
			if strings.Contains(u, k) {
				pgs++
			}
		}
	}
	if my != pgs {
		if my > pgs {
			return MySQL
		}
		return Postgres
	}
	for _, t := range texts {
		src := newSource(t)
		pgErrs := len(parsePostgres(src, 0, len(t)).errors)
		myErrs := len(parseMySQL(src, 0, len(t)).errors)
		switch {
		case pgErrs > 0 && myErrs == 0:
			my++
		case myErrs > 0 && pgErrs == 0:
			pgs++
		}
	}
	if my > pgs {
		return MySQL
	}
	return Postgres
}

// mysqlOnlyRE matches syntax PostgreSQL's grammar has no place for.
var mysqlOnlyRE = regexp.MustCompile("`[^`\n]+`|" + `(?i:\bENGINE\s*=|\bAUTO_INCREMENT\b|\bALTER\s+TABLE\s[^;]*?\b(?:MODIFY|CHANGE\s+COLUMN)\s)`)

// sqlCommentRE matches comments, which may quote names in backquotes
// whatever the dialect (a rough cut: quotes inside strings are rare).
var sqlCommentRE = regexp.MustCompile(`(?s:--[^\n]*|#[^\n]*|/\*.*?\*/)`)

var (
	mysqlMarkers    = []string{" UNSIGNED", "DELIMITER ", "LOCK_WAIT_TIMEOUT", "ALGORITHM=", "ALGORITHM =", "DEFAULT CHARSET"}
	postgresMarkers = []string{"$$", "::", "CONCURRENTLY", "SERIAL", "JSONB", "TIMESTAMPTZ", "CREATE EXTENSION", "LOCK_TIMEOUT", "NOT VALID", "PLPGSQL", "USING GIN", "USING BTREE ("}
)

// sortOutput puts the facts in their deterministic order.
func sortOutput(out *engine.Input) {
	slices.SortStableFunc(out.Migrations, func(a, b engine.Migration) int {
		return cmp.Or(strings.Compare(a.Path, b.Path), strings.Compare(a.Direction, b.Direction))
	})
	slices.SortStableFunc(out.Waivers, func(a, b engine.Waiver) int {
		return cmp.Or(strings.Compare(a.Location.Path, b.Location.Path), a.Location.StartLine-b.Location.StartLine,
			strings.Compare(a.Rule, b.Rule), strings.Compare(a.Scope.Fingerprint, b.Scope.Fingerprint))
	})
}

// parserVersions names the grammars, as the build recorded them.
func parserVersions() string {
	v := map[string]string{}
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			v[d.Path] = d.Version
		}
	}
	return fmt.Sprintf("pg_query_go %s (PostgreSQL 17), tidb parser %s",
		cmp.Or(v["github.com/pganalyze/pg_query_go/v6"], "v6"), cmp.Or(v["github.com/pingcap/tidb/pkg/parser"], "unknown"))
}
