package migrations

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/pingcap/tidb/pkg/parser"
	"github.com/pingcap/tidb/pkg/parser/ast"

	// The parser needs a value-expression driver; test_driver is the
	// self-contained one the TiDB parser ships for use without TiDB.
	_ "github.com/pingcap/tidb/pkg/parser/test_driver"

	"github.com/relgate/relgate/engine"
)

// tidbParsers reuses parsers: one is not safe for concurrent use and
// costs allocations to build.
var tidbParsers = sync.Pool{New: func() any { return parser.New() }}

// parseMySQL reads [from, to) of a file with the TiDB parser, MySQL's
// grammar. Statements are cut the way the mysql client cuts them (quotes,
// comments, DELIMITER lines) and each is parsed on its own, so one that
// does not parse is an error with its own line and the others still give
// their facts.
func parseMySQL(src *source, from, to int) (sc script) {
	pieces, comments, errs := mysqlSplit(src, from, to)
	sc.comments, sc.errors = comments, errs
	p := tidbParsers.Get().(*parser.Parser)
	defer tidbParsers.Put(p)
	for _, pc := range pieces {
		text := src.text[pc.start:pc.end]
		stmts, err := tidbParse(p, text)
		if err != nil {
			sc.errors = append(sc.errors, tidbError(src, pc.start, err))
			continue
		}
		for _, st := range stmts {
			m := myFacts(st)
			m.start, m.end = pc.start, pc.end
			if long := myLongNames(st); long != nil {
				for i := range m.actions {
					m.actions[i].LongNames = long
				}
			}
			sc.stmts = append(sc.stmts, m)
		}
	}
	return sc
}

func tidbParse(p *parser.Parser, text string) (stmts []ast.StmtNode, err error) {
	defer func() {
		if r := recover(); r != nil {
			stmts, err = nil, fmt.Errorf("parser panicked: %v", r)
		}
	}()
	stmts, _, err = p.ParseSQL(text)
	return stmts, err
}

var tidbPosRE = regexp.MustCompile(`line (\d+) column (\d+) `)

// tidbError locates a TiDB syntax error in the file: the parser counts
// lines from the start of the statement.
func tidbError(src *source, start int, err error) engine.ParseError {
	msg := err.Error()
	line := src.line(start)
	if m := tidbPosRE.FindStringSubmatchIndex(msg); m != nil {
		n, _ := strconv.Atoi(msg[m[2]:m[3]])
		col := msg[m[4]:m[5]]
		line += n - 1
		msg = strings.TrimSpace(msg[:m[0]]+msg[m[1]:]) + " (column " + col + ")"
	}
	if i := strings.Index(msg, "near "); i >= 0 && !strings.HasPrefix(msg, "syntax error") {
		msg = "syntax error " + msg[i:]
	}
	return engine.ParseError{Line: line, Message: clip(msg)}
}

// clip keeps a parser's error message readable and free of data: the
// parsers quote the text where they stopped, which can be megabytes and
// can hold a string literal such as a password. Quoted literals are
// replaced by *** and the message is cut to a line's length.
func clip(msg string) string {
	msg = literalRE.ReplaceAllStringFunc(msg, func(lit string) string {
		if strings.HasPrefix(lit, "$") {
			tag := lit[:strings.IndexByte(lit[1:], '$')+2]
			return tag + "***" + tag
		}
		return lit[:1] + "***" + lit[:1]
	})
	const limit = 240
	if len(msg) <= limit {
		return msg
	}
	cut := limit
	for cut > 0 && !utf8.RuneStart(msg[cut]) {
		cut--
	}
	return msg[:cut] + "…"
}

// literalRE matches string literals, closed or not: '…', "…" inside the
// parser's own quotes is the statement text, so only single quotes and
// dollar quotes delimit data.
var literalRE = regexp.MustCompile(`'(?:[^'\\]|\\.|'')*(?:'|$)|\$[A-Za-z_0-9]*\$(?s:.*)`)

// mysqlSplit cuts [from, to) into statements as the mysql client does and
// collects the comments. Quoted strings and identifiers, `-- `, `#` and
// /* */ comments are skipped; /*! … */ executable comments are code. A
// DELIMITER line changes the terminator and is not a statement. An
// unterminated quote or comment is an error at its start and ends the
// range. goose's StatementBegin/StatementEnd blocks are single statements.
func mysqlSplit(src *source, from, to int) (pieces, comments []span, errs []engine.ParseError) {
	s := src.text
	delim := ";"
	block := false
	first, last := -1, -1 // significant bytes of the current statement
	flush := func() {
		if first >= 0 {
			pieces = append(pieces, span{first, last})
		}
		first, last = -1, -1
	}
	code := func(a, b int) {
		if first < 0 {
			first = a
		}
		last = b
	}
	for i := from; i < to; {
		c := s[i]
		switch {
		case first < 0 && (c == 'd' || c == 'D') && hasPrefixFold(s[i:to], "delimiter") && i+9 < to &&
			(s[i+9] == ' ' || s[i+9] == '\t') && atLineStart(s, from, i):
			end := src.lineEnd(i)
			end = min(end, to)
			if d := strings.TrimSpace(s[i+9 : end]); d != "" {
				delim = d
			}
			i = end
		case !block && strings.HasPrefix(s[i:to], delim):
			flush()
			i += len(delim)
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v':
			i++
		case c == '#' || (c == '-' && i+1 < to && s[i+1] == '-' && (i+2 >= to || s[i+2] <= ' ')):
			end := min(src.lineEnd(i), to)
			comments = append(comments, span{i, end})
			// goose sends a StatementBegin … StatementEnd block as one
			// statement, semicolons and all (stored routines).
			switch c := strings.TrimSpace(s[i:end]); {
			case strings.HasPrefix(c, "-- +goose StatementBegin"):
				flush()
				block = true
			case strings.HasPrefix(c, "-- +goose StatementEnd"):
				flush()
				block = false
			}
			i = end
		case c == '/' && i+1 < to && s[i+1] == '*':
			end := strings.Index(s[i+2:to], "*/")
			if end < 0 {
				errs = append(errs, parseErrorf(src, i, "unterminated comment"))
				flush()
				return pieces, comments, errs
			}
			end += i + 4
			if i+2 < to && (s[i+2] == '!' || s[i+2] == '+') {
				code(i, end)
			} else {
				comments = append(comments, span{i, end})
			}
			i = end
		case c == '\'' || c == '"' || c == '`':
			end := quoteEnd(s, i, to)
			if end < 0 {
				errs = append(errs, parseErrorf(src, i, "unterminated %s", quoteName(c)))
				first = -1
				return pieces, comments, errs
			}
			code(i, end)
			i = end
		default:
			code(i, i+1)
			i++
		}
	}
	flush()
	return pieces, comments, errs
}

// quoteEnd returns the offset after the quote closing the one at i, or -1.
// Doubled quotes stand for one; a backslash escapes in strings, not in
// backquoted identifiers.
func quoteEnd(s string, i, to int) int {
	q := s[i]
	for j := i + 1; j < to; j++ {
		switch s[j] {
		case '\\':
			if q != '`' {
				j++
			}
		case q:
			if j+1 < to && s[j+1] == q {
				j++
				continue
			}
			return j + 1
		}
	}
	return -1
}

func quoteName(q byte) string {
	if q == '`' {
		return "quoted identifier"
	}
	return "string"
}

func atLineStart(s string, from, i int) bool {
	for j := i - 1; j >= from; j-- {
		switch s[j] {
		case ' ', '\t':
			continue
		case '\n':
			return true
		default:
			return false
		}
	}
	return true
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}
