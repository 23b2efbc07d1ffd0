package migrations

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	pgparser "github.com/pganalyze/pg_query_go/v6/parser"

	"github.com/relgate/relgate/engine"
)

// parsePostgres reads [from, to) of a file with libpg_query, PostgreSQL's
// own grammar. The whole range is parsed at once; when that fails, the
// range is cut at the scanner's ';' tokens so that each statement that
// parses still gives its facts and each one that does not is an error
// with its own line. A scanner error (an unterminated quote) ends the
// facts at the statement where it starts.
func parsePostgres(src *source, from, to int) (sc script) {
	text := src.text[from:to]
	if at := deepComment(text); at >= 0 {
		sc.errors = append(sc.errors, parseErrorf(src, from+at,
			"block comments nested more than %d deep: not parsed", maxCommentDepth))
		return sc
	}
	toks, scanErr := pgTokens(text, from)
	for _, t := range toks {
		if t.comment {
			sc.comments = append(sc.comments, span{t.start, t.end})
		}
	}
	if tree, err := pgParse(text); err == nil {
		sc.stmts = pgStatements(src, tree, toks, from, to)
		return sc
	}
	if scanErr == nil {
		sc.stmts, sc.errors = pgPieces(src, toks, from, to)
		return sc
	}
	// The scanner stopped where the bad token starts: what comes before it
	// still scans, and every complete statement there is read.
	errOff := from + pgCursor(text, scanErr)
	head, err := pgTokens(src.text[from:errOff], from)
	if err != nil {
		sc.errors = append(sc.errors, parseErrorf(src, errOff, "%s", pgMessage(scanErr)))
		return sc
	}
	cut := from
	for _, t := range head {
		if t.semicolon {
			cut = t.end
		}
	}
	sc.stmts, sc.errors = pgPieces(src, head, from, cut)
	sc.errors = append(sc.errors, parseErrorf(src, errOff, "%s", pgMessage(scanErr)))
	sc.comments = sc.comments[:0]
	for _, t := range head {
		if t.comment {
			sc.comments = append(sc.comments, span{t.start, t.end})
		}
	}
	return sc
}

// pgPieces parses each ';'-terminated piece of [from, to) on its own.
func pgPieces(src *source, toks []token, from, to int) (stmts []parsed, errs []engine.ParseError) {
	start := from
	flush := func(end int) {
		first, last, ok := firstLast(toks, start, end)
		start = end
		if !ok {
			return
		}
		piece := src.text[first:last]
		tree, err := pgParse(piece)
		if err != nil {
			errs = append(errs, parseErrorf(src, first+pgCursor(piece, err), "%s", pgMessage(err)))
			return
		}
		stmts = append(stmts, pgStatements(src, tree, toks, first, last)...)
	}
	for _, t := range toks {
		if t.start >= to {
			break
		}
		if t.semicolon && t.start >= start {
			flush(t.end)
		}
	}
	flush(to)
	return stmts, errs
}

// pgStatements turns a parse tree of [from, to) into statements located
// by their first and last tokens.
func pgStatements(src *source, tree *pg.ParseResult, toks []token, from, to int) []parsed {
	var out []parsed
	for _, raw := range tree.GetStmts() {
		s := from + int(raw.GetStmtLocation())
		e := to
		if raw.GetStmtLen() > 0 {
			e = s + int(raw.GetStmtLen())
		}
		first, last, ok := firstLast(toks, s, e)
		if !ok {
			continue
		}
		p := pgFacts(raw.GetStmt())
		p.start, p.end = first, last
		if long := longIdents(src, toks, first, last); long != nil {
			for i := range p.actions {
				p.actions[i].LongNames = long
			}
		}
		out = append(out, p)
	}
	return out
}

// pgParse parses with libpg_query. Its C code must never take the
// process down with a Go panic in the bindings either.
func pgParse(text string) (tree *pg.ParseResult, err error) {
	defer func() {
		if r := recover(); r != nil {
			tree, err = nil, fmt.Errorf("parser panicked: %v", r)
		}
	}()
	return pg.Parse(text)
}

// pgTokens scans text with PostgreSQL's lexer; offsets are shifted by base.
func pgTokens(text string, base int) (toks []token, err error) {
	defer func() {
		if r := recover(); r != nil {
			toks, err = nil, fmt.Errorf("scanner panicked: %v", r)
		}
	}()
	res, err := pg.Scan(text)
	if err != nil {
		return nil, err
	}
	toks = make([]token, 0, len(res.GetTokens()))
	for _, t := range res.GetTokens() {
		toks = append(toks, token{
			start:     base + int(t.GetStart()),
			end:       base + int(t.GetEnd()),
			comment:   t.GetToken() == pg.Token_SQL_COMMENT || t.GetToken() == pg.Token_C_COMMENT,
			semicolon: t.GetToken() == pg.Token_ASCII_59,
			// The lexer truncates a longer identifier before the grammar
			// sees it: only the token still has the name as written.
			long: t.GetToken() == pg.Token_IDENT && identBytes(text[t.GetStart():t.GetEnd()]) > pgMaxIdentifier,
		})
	}
	return toks, nil
}

// pgCursor is the byte offset in text where a libpg_query error points.
func pgCursor(text string, err error) int {
	var pe *pgparser.Error
	if errors.As(err, &pe) && pe.Cursorpos > 0 {
		return runeToByte(text, pe.Cursorpos)
	}
	return 0
}

func pgMessage(err error) string {
	var pe *pgparser.Error
	if errors.As(err, &pe) {
		return clip(pe.Message)
	}
	return clip(err.Error())
}

// maxCommentDepth bounds nested /* */ comments. PostgreSQL's lexer takes
// time quadratic in their depth (8,000 levels: seconds); no migration
// nests more than a few.
const maxCommentDepth = 500

// deepComment returns the offset where /* comments nest deeper than
// maxCommentDepth, or -1. It ignores quoting, so it may over-count, never
// under-count.
func deepComment(text string) int {
	if strings.Count(text, "/*") <= maxCommentDepth {
		return -1
	}
	depth := 0
	for i := 0; i+1 < len(text); i++ {
		switch {
		case text[i] == '/' && text[i+1] == '*':
			depth++
			if depth > maxCommentDepth {
				return i
			}
			i++
		case text[i] == '*' && text[i+1] == '/' && depth > 0:
			depth--
			i++
		}
	}
	return -1
}

// identBytes is the length of an identifier token's name: without the
// quotes of a quoted one, whose doubled quotes stand for one.
func identBytes(tok string) int {
	if len(tok) >= 2 && tok[0] == '"' {
		return len(strings.ReplaceAll(tok[1:len(tok)-1], `""`, `"`))
	}
	return len(tok)
}

// longIdents lists the identifiers of [from, to) that PostgreSQL truncates.
func longIdents(src *source, toks []token, from, to int) []string {
	var out []string
	i, _ := slices.BinarySearchFunc(toks, from, func(t token, off int) int { return t.start - off })
	for ; i < len(toks) && toks[i].start < to; i++ {
		if toks[i].long {
			out = append(out, strings.Trim(src.text[toks[i].start:toks[i].end], `"`))
		}
	}
	return compactSorted(out)
}
