package migrations

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/relgate/relgate/engine"
)

// source is one migration file's text with its line index. Offsets are
// byte offsets into text; lines are 1-based and counted by '\n', so CRLF
// files number their lines as every editor does.
type source struct {
	text  string
	lines []int // offset of the first byte of each line
}

func newSource(text string) *source {
	lines := make([]int, 1, 64)
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			lines = append(lines, i+1)
		}
	}
	return &source{text: text, lines: lines}
}

// line returns the 1-based line of a byte offset.
func (s *source) line(off int) int {
	off = max(0, min(off, len(s.text)))
	return sort.Search(len(s.lines), func(i int) bool { return s.lines[i] > off })
}

// lineEnd returns the offset of the '\n' ending the line of off, or the end
// of the text. The line index answers it without scanning the line: a
// one-line file can hold thousands of statements.
func (s *source) lineEnd(off int) int {
	if l := s.line(off); l < len(s.lines) {
		return s.lines[l] - 1
	}
	return len(s.text)
}

// nextLine returns the offset of the line after the one holding off.
func (s *source) nextLine(off int) int {
	if l := s.line(off); l < len(s.lines) {
		return s.lines[l]
	}
	return len(s.text)
}

// cleanText returns the text with every byte of an invalid UTF-8 sequence
// replaced by '?' and every NUL byte by a space, so that offsets and lines
// stay those of the file, with the error facts that says so. A NUL would
// otherwise end the text for libpg_query's C parser: what follows it would
// be silently skipped.
func cleanText(text string) (string, []engine.ParseError) {
	valid := utf8.ValidString(text)
	nul := strings.IndexByte(text, 0)
	if valid && nul < 0 {
		return text, nil
	}
	var errs []engine.ParseError
	b := []byte(text)
	if nul >= 0 {
		errs = append(errs, engine.ParseError{Line: strings.Count(text[:nul], "\n") + 1,
			Message: "contains NUL bytes: read as spaces"})
		for i := nul; i < len(b); i++ {
			if b[i] == 0 {
				b[i] = ' '
			}
		}
	}
	if !valid {
		first := -1
		for i := 0; i < len(b); {
			r, size := utf8.DecodeRune(b[i:])
			if r == utf8.RuneError && size <= 1 {
				if first < 0 {
					first = i
				}
				b[i] = '?'
				i++
				continue
			}
			i += size
		}
		errs = append(errs, engine.ParseError{Line: strings.Count(text[:first], "\n") + 1,
			Message: "not valid UTF-8: the invalid bytes were read as '?'"})
	}
	return string(b), errs
}

// runeToByte converts a 1-based character position (PostgreSQL's error
// cursor counts characters) in text to a byte offset.
func runeToByte(text string, pos int) int {
	if pos <= 1 {
		return 0
	}
	n := 1
	for i := range text {
		if n == pos {
			return i
		}
		n++
	}
	return len(text)
}

// span is a half-open byte range [start, end).
type span struct{ start, end int }

// ignoreRE matches an inline suppression in a comment's text:
// `relgate:ignore MIG001[,MIG002 …] reason`.
var ignoreRE = regexp.MustCompile(`relgate:ignore[ \t]+([A-Za-z][A-Za-z0-9]*[0-9](?:[ \t]*,[ \t]*[A-Za-z][A-Za-z0-9]*[0-9])*)[ \t]*(.*)`)

// ignore is one inline suppression.
type ignore struct {
	rules    []string
	reason   string
	expires  string
	approver string
	line     int
}

// ignoresIn reads the suppressions in the comments that fall in [from, to).
func (s *source) ignoresIn(comments []span, from, to int) []ignore {
	var out []ignore
	i, _ := slices.BinarySearchFunc(comments, from, func(c span, off int) int { return c.start - off })
	for ; i < len(comments) && comments[i].start < to; i++ {
		c := comments[i]
		body := s.text[c.start:c.end]
		// One comment may hold several lines (a /* */ block); each line
		// may carry its own suppression.
		off := c.start
		for l := range strings.SplitAfterSeq(body, "\n") {
			if m := ignoreRE.FindStringSubmatch(l); m != nil {
				var rules []string
				for r := range strings.SplitSeq(m[1], ",") {
					rules = append(rules, strings.ToUpper(strings.TrimSpace(r)))
				}
				ig := ignore{rules: rules, line: s.line(off)}
				rest := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(m[2]), "*/"))
				// Optional expires=YYYY-MM-DD and approver=NAME come
				// before the reason, as the waiver file's fields.
				for {
					word, after, _ := strings.Cut(rest, " ")
					k, v, ok := strings.Cut(word, "=")
					if !ok || v == "" || (k != "expires" && k != "approver") {
						break
					}
					if k == "expires" {
						ig.expires = v
					} else {
						ig.approver = v
					}
					rest = strings.TrimSpace(after)
				}
				ig.reason = rest
				out = append(out, ig)
			}
			off += len(l)
		}
	}
	return out
}

// markerLines reports, for line-based tool markers (goose, dbmate,
// relgate:irreversible), every line whose text after leading spaces starts
// with the prefix, as those tools read them: by line, not by grammar.
func (s *source) markerLines(prefix string) []span {
	var out []span
	for i, start := range s.lines {
		end := len(s.text)
		if i+1 < len(s.lines) {
			end = s.lines[i+1]
		}
		l := strings.TrimLeft(s.text[start:end], " \t")
		if strings.HasPrefix(l, prefix) {
			out = append(out, span{start, end})
		}
	}
	return out
}

// fingerprint identifies a statement across runs and line shifts: the
// file, the direction, the statement's text with whitespace collapsed, how
// many identical statements precede it in the file, and which action of
// the statement it is.
func fingerprint(path, direction, text string, occurrence, part int) string {
	h := sha256.New()
	for _, p := range []string{path, direction, strings.Join(strings.Fields(text), " ")} {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	fmt.Fprintf(h, "%d\x00%d", occurrence, part)
	return hex.EncodeToString(h.Sum(nil))
}
