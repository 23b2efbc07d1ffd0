package migrations

import (
	"cmp"
	"fmt"
	"slices"
	"strings"

	"github.com/relgate/relgate/engine"
)

// Dialects relgate parses.
const (
	Postgres = "postgres"
	MySQL    = "mysql"
)

// maxFileSize bounds what is read of one migration; a larger file is an
// error fact rather than a memory hazard.
const maxFileSize = 32 << 20

// parsed is one SQL statement as a dialect's grammar read it.
type parsed struct {
	// start and end are the byte offsets of the statement's first token and
	// one past its last, without the terminating ';'.
	start, end int
	// actions are the statement's facts, one per action (each sub-command
	// of an ALTER TABLE is an action); the sequence-dependent facts are
	// filled later.
	actions []engine.Statement
	effect  effect
}

// effect is what a statement changes for the statements after it.
type effect struct {
	txn string // begin, commit (commit, rollback, end) or empty
	// implicitCommit: MySQL commits any open transaction before DDL.
	implicitCommit bool
	// nonTransactional: PostgreSQL refuses to run it in a transaction block.
	nonTransactional bool
	lockTimeout      toggle
	statementTimeout toggle
	local            bool // SET LOCAL: lasts until the transaction ends
	fkChecks         toggle
	creates          []string          // tables created
	renames          [][2]string       // tables renamed, old → new
	columns          map[string]colDef // MySQL columns defined, by columnKey
	retypes          []retype          // MySQL MODIFY/CHANGE of a column
}

// retype is a MySQL MODIFY/CHANGE: its action, the column it changes and
// the new definition, judged against the catalog when sequenced.
type retype struct {
	action         int
	oldKey, newKey string
	def            colDef
}

// toggle is a session setting a statement turns on or off.
type toggle int8

const (
	unchanged toggle = iota
	turnedOn
	turnedOff
)

// script is what a dialect's grammar makes of a range of a file.
type script struct {
	stmts    []parsed
	errors   []engine.ParseError
	comments []span
}

// grammar parses [from, to) of a file.
type grammar func(src *source, from, to int) script

func grammarOf(dialect string) grammar {
	if dialect == MySQL {
		return parseMySQL
	}
	return parsePostgres
}

// txMode is how a tool runs a migration.
type txMode int

const (
	txNone     txMode = iota // statement by statement (autocommit)
	txTool                   // the tool wraps the migration in a transaction
	txImplicit               // one multi-statement query: PostgreSQL runs it as one implicit transaction
	txFlyway                 // Flyway: a transaction unless every statement cannot run in one
)

// section is a part of a file that is one migration direction.
type section struct {
	direction string
	from, to  int
	tx        txMode
}

// analysis is the facts of one section.
type analysis struct {
	statements []engine.Statement
	errors     []engine.ParseError
	waivers    []engine.Waiver
	created    []string
	// transactional is whether the tool ran it in one transaction.
	transactional bool
}

// tableKey is how tables are matched across statements: PostgreSQL's
// default schema is implied and names compare without case.
func tableKey(t string) string {
	return strings.TrimPrefix(strings.ToLower(t), "public.")
}

// analyse parses one section of a file and fills the facts that depend on
// what came before each statement: the transaction it runs in, the
// timeouts in force, whether its table is new. created holds the tables
// created before this migration by migrations of the change.
func analyse(src *source, dialect, path string, sec section, created map[string]bool) analysis {
	return sequence(src, grammarOf(dialect)(src, sec.from, sec.to), dialect, path, sec, created, nil)
}

// sequence fills the facts of a parsed section that depend on the
// statements before each one. Parsing is the costly half and can run in
// parallel across files; sequencing needs the tables earlier migrations
// created, so it runs in order.
//
// cols follows MySQL column definitions across the directory (nil: none).
func sequence(src *source, sc script, dialect, path string, sec section, created map[string]bool, cols catalog) analysis {
	a := analysis{errors: sc.errors}
	st := txState{tool: sec.tx == txTool, implicit: sec.tx == txImplicit && len(sc.stmts) > 1}
	if sec.tx == txFlyway {
		st.tool = slices.ContainsFunc(sc.stmts, func(p parsed) bool { return !p.effect.nonTransactional })
	}
	a.transactional = st.tool || st.implicit
	newTables := map[string]bool{}
	for k := range created {
		newTables[k] = true
	}
	occurrences := map[string]int{}
	for i, p := range sc.stmts {
		text := src.text[p.start:p.end]
		norm := strings.Join(strings.Fields(text), " ")
		occ := occurrences[norm]
		occurrences[norm]++

		// Suppressions: comments between the previous statement (or the
		// end of its line) and this one, and a comment after this one on
		// its last line.
		leadFrom := sec.from
		if i > 0 {
			prev := sc.stmts[i-1].end
			leadFrom = prev
			if nl := src.nextLine(prev); nl <= p.start {
				leadFrom = nl
			}
		}
		trailTo := src.lineEnd(p.end)
		if i+1 < len(sc.stmts) {
			trailTo = min(trailTo, sc.stmts[i+1].start)
		}
		ignores := append(src.ignoresIn(sc.comments, leadFrom, p.start), src.ignoresIn(sc.comments, p.end, trailTo)...)

		inTx := st.inTx()
		if dialect == MySQL && p.effect.implicitCommit {
			st.commitAll()
			inTx = false
		}
		widened := widenings(p.effect.retypes, cols, p.effect.columns)
		for j, act := range p.actions {
			if widened[j] {
				// Only the length grows, within one length-prefix size:
				// MySQL does it in place and readers see the same type.
				act.ChangesType, act.RewritesTable, act.BackwardIncompatible = false, false, act.Renames
				if act.Lock == myLockShared && act.Algorithm != "COPY" {
					act.Lock = myLockNone
				}
			}
			act.Line = src.line(p.start)
			act.EndLine = src.line(max(p.start, p.end-1))
			act.Fingerprint = fingerprint(path, sec.direction, text, occ, j)
			act.InTransaction = inTx
			if p.effect.txn == "begin" {
				// BEGIN inside PostgreSQL's implicit multi-statement
				// transaction turns it into an explicit one: not nested.
				act.InTransaction = st.explicit || st.tool
			}
			act.LockTimeoutSet = st.lockTimeout || (st.localLockTimeout && inTx)
			act.StatementTimeoutSet = st.statementTimeout || (st.localStatementTimeout && inTx)
			if act.Table != "" {
				act.NewTable = newTables[tableKey(act.Table)]
			}
			if dialect == MySQL && st.fkChecksOff && act.AddsConstraint == "foreign_key" {
				// With foreign_key_checks=0 MySQL adds the key in place
				// without checking existing rows: its NOT VALID.
				act.NotValid, act.RewritesTable, act.Lock = true, false, "NONE"
			}
			for _, ig := range ignores {
				act.Ignores = append(act.Ignores, ig.rules...)
				for _, r := range ig.rules {
					a.waivers = append(a.waivers, engine.Waiver{
						Rule:     r,
						Scope:    engine.WaiverScope{Fingerprint: act.Fingerprint},
						Reason:   ig.reason,
						Approver: ig.approver,
						Expires:  cmp.Or(ig.expires, inlineWaiverExpiry),
						Location: engine.Location{Path: path, StartLine: ig.line, EndLine: ig.line},
						Source:   "inline",
					})
				}
			}
			slices.Sort(act.Ignores)
			act.Ignores = slices.Compact(act.Ignores)
			a.statements = append(a.statements, act)
		}
		st.apply(p.effect)
		if cols != nil {
			for k, d := range p.effect.columns {
				cols[k] = d
			}
		}
		for _, t := range p.effect.creates {
			newTables[tableKey(t)] = true
			a.created = append(a.created, tableKey(t))
		}
		for _, r := range p.effect.renames {
			if newTables[tableKey(r[0])] {
				newTables[tableKey(r[1])] = true
				a.created = append(a.created, tableKey(r[1]))
			}
		}
	}
	return a
}

// inlineWaiverExpiry is the expiry of an inline `relgate:ignore` comment
// that names none (expires=YYYY-MM-DD): it sits on a statement of a
// migration, which is reviewed with it and never edited once applied, so
// it does not run out on its own. A date is still needed (a waiver without
// one is incomplete), and policies compute in int64 nanoseconds, which end
// in 2262. Waiver governance (policies/rules/waivers.rego) judges it like
// any other waiver; Source "inline" tells them apart.
const inlineWaiverExpiry = "2199-12-31"

// txState follows transactions and session settings through a migration.
type txState struct {
	tool, implicit, explicit bool
	lockTimeout              bool
	localLockTimeout         bool
	statementTimeout         bool
	localStatementTimeout    bool
	fkChecksOff              bool
}

func (s *txState) inTx() bool { return s.tool || s.implicit || s.explicit }

// commitAll ends every open transaction (MySQL's implicit commit before DDL).
func (s *txState) commitAll() {
	s.tool, s.explicit = false, false
	s.localLockTimeout, s.localStatementTimeout = false, false
}

func (s *txState) apply(e effect) {
	switch e.txn {
	case "begin":
		s.explicit = true
	case "commit":
		s.explicit = false
		// COMMIT inside a tool's transaction commits the tool's; in an
		// implicit multi-statement one, the next statement opens another.
		s.tool = false
		s.localLockTimeout, s.localStatementTimeout = false, false
	}
	setTimeout := func(t toggle, session, local *bool) {
		switch {
		case t == turnedOn && e.local:
			*local = true
		case t == turnedOn:
			*session = true
		case t == turnedOff:
			*session, *local = false, false
		}
	}
	setTimeout(e.lockTimeout, &s.lockTimeout, &s.localLockTimeout)
	setTimeout(e.statementTimeout, &s.statementTimeout, &s.localStatementTimeout)
	switch e.fkChecks {
	case turnedOff:
		s.fkChecksOff = true
	case turnedOn:
		s.fkChecksOff = false
	}
}

// firstLast returns the first and one-past-last offsets of significant
// (non-comment, non-';') tokens among toks within [from, to), or ok false
// when there are none. toks are sorted, so the range is found by binary
// search: a seed file has tens of thousands of statements.
func firstLast(toks []token, from, to int) (first, last int, ok bool) {
	first, last = -1, -1
	i, _ := slices.BinarySearchFunc(toks, from, func(t token, off int) int { return t.start - off })
	for ; i < len(toks) && toks[i].start < to; i++ {
		t := toks[i]
		if t.comment || t.semicolon {
			continue
		}
		if first < 0 {
			first = t.start
		}
		last = min(t.end, to)
	}
	return first, last, first >= 0
}

// token is a lexical token of either grammar, reduced to what statement
// boundaries and comments need.
type token struct {
	start, end         int
	comment, semicolon bool
	long               bool // an identifier longer than PostgreSQL keeps
}

// parseErrorf builds a parse error fact at the line of off.
func parseErrorf(src *source, off int, format string, args ...any) engine.ParseError {
	return engine.ParseError{Line: src.line(off), Message: fmt.Sprintf(format, args...)}
}
