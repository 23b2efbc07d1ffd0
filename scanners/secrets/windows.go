package secrets

import (
	"bytes"
	"strings"
)

// The edge detector runs over whole outputs: a JSON report of a thousand
// findings is half a megabyte, and a rule whose keyword occurs anywhere in
// a fragment runs its expression over all of it (gitleaks' prefilter works
// per fragment). "api" is in every apiVersion and "key" in many field
// names, so generic-api-key alone scanned every report end to end at about
// 4 MB/s. The rules only match around their keywords, though: every match
// of a default rule contains one of the rule's keywords, and the longest
// (a private key block, a Kubernetes Secret manifest) stay within a few
// hundred bytes of it, or within the key block. So the detector is given
// the text around each keyword occurrence instead of the whole output.

const (
	// reach is how far around a keyword occurrence a window reaches, in
	// bytes, before it is widened to whole lines: more than any default
	// rule's match spans on either side of its keyword (generic-api-key's
	// identifier prefix is at most 50 characters, its value 150;
	// kubernetes-secret-yaml looks 300 characters on).
	reach = 1024
	// maxWindowLine bounds the widening to whole lines: a minified JSON
	// document is one line, and widening to it would scan everything.
	// Past it the window is cut at a delimiter instead.
	maxWindowLine = 8 << 10
	// maxBlock bounds a PEM block's window: from its BEGIN line to its END
	// line, the one kind of match that spans many lines.
	maxBlock = 64 << 10
	// blockStart is the keyword of gitleaks' private-key rule.
	blockStart = "-----begin"
	blockEnd   = "-----end"
)

// keywordIndex finds gitleaks keywords in text without regard to ASCII
// case, as gitleaks' prefilter does on the lowercased fragment.
type keywordIndex struct {
	// byPair lists the keywords starting with each lowercased byte pair.
	byPair map[[2]byte][]string
	// first marks the bytes (both cases) a keyword starts with.
	first [256]bool
	// short are keywords of one byte.
	short []string
}

func newKeywordIndex(keywords []string) *keywordIndex {
	k := &keywordIndex{byPair: map[[2]byte][]string{}}
	for _, w := range keywords {
		w = strings.ToLower(w)
		if w == "" {
			continue
		}
		k.first[w[0]] = true
		k.first[upper(w[0])] = true
		if len(w) == 1 {
			k.short = append(k.short, w)
			continue
		}
		p := [2]byte{w[0], w[1]}
		k.byPair[p] = append(k.byPair[p], w)
	}
	return k
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

func upper(b byte) byte {
	if 'a' <= b && b <= 'z' {
		return b - ('a' - 'A')
	}
	return b
}

// hasPrefixFold reports whether s starts with the lowercase word w, ASCII
// case ignored.
func hasPrefixFold(s, w string) bool {
	if len(s) < len(w) {
		return false
	}
	for i := 0; i < len(w); i++ {
		if lower(s[i]) != w[i] {
			return false
		}
	}
	return true
}

// hit is one keyword occurrence.
type hit struct {
	pos     int
	keyword string
}

// find returns every keyword occurrence in text. A rune that is not ASCII
// could lowercase to an ASCII letter (the Kelvin sign to k, the dotted
// capital I to i and a combining dot) and make a keyword gitleaks would
// see: each such rune is a hit with no keyword, which the detector takes
// as a reason to scan the whole text.
func (k *keywordIndex) find(text string) []hit {
	var hits []hit
	for i := 0; i < len(text); i++ {
		c := text[i]
		if c >= 0x80 {
			if foldsToASCII(text[i:]) {
				hits = append(hits, hit{pos: i})
			}
			continue
		}
		if !k.first[c] {
			continue
		}
		for _, w := range k.short {
			if lower(c) == w[0] {
				hits = append(hits, hit{pos: i, keyword: w})
			}
		}
		if i+1 < len(text) {
			for _, w := range k.byPair[[2]byte{lower(c), lower(text[i+1])}] {
				if hasPrefixFold(text[i:], w) {
					hits = append(hits, hit{pos: i, keyword: w})
				}
			}
		}
	}
	return hits
}

// foldsToASCII reports whether s starts with a rune whose lowercase (as
// strings.ToLower makes it) holds an ASCII letter: U+212A KELVIN SIGN (k)
// and U+0130 LATIN CAPITAL LETTER I WITH DOT ABOVE (i and U+0307). A test
// checks there are no others.
func foldsToASCII(s string) bool {
	return strings.HasPrefix(s, "\u212a") || strings.HasPrefix(s, "\u0130")
}

// span is a half-open byte range of a text.
type span struct{ start, end int }

// windows returns the merged, ordered spans of text around the hits.
func windows(text string, hits []hit) []span {
	var out []span
	for _, h := range hits {
		w := around(text, h.pos, h.pos+max(len(h.keyword), 1))
		if h.keyword == blockStart {
			w.end = max(w.end, blockWindowEnd(text, h.pos))
		}
		if n := len(out); n > 0 && w.start <= out[n-1].end {
			out[n-1].end = max(out[n-1].end, w.end)
			continue
		}
		out = append(out, w)
	}
	return out
}

// around is the window of a keyword at text[from:to]: reach bytes on each
// side, widened to whole lines when the lines are not too long, else to
// the nearest delimiter, so that a token is not cut in two at the edge.
func around(text string, from, to int) span {
	start, end := max(0, from-reach), min(len(text), to+reach)
	ls := strings.LastIndexByte(text[:start], '\n') + 1
	if start-ls <= maxWindowLine {
		start = ls
	} else {
		start = delimiterBefore(text, start)
	}
	le := strings.IndexByte(text[end:], '\n')
	switch {
	case le < 0 && len(text)-end <= maxWindowLine:
		end = len(text)
	case le >= 0 && le <= maxWindowLine:
		end += le
	default:
		end = delimiterAfter(text, end)
	}
	return span{start, end}
}

// delimiters end a token in every output format: whitespace, quotes, the
// JSON and XML punctuation.
const delimiters = " \t\r\n\"'`,;<>{}[]()="

// delimiterBefore moves i back to just after the nearest delimiter, within
// maxWindowLine bytes (else i stays: a token that long is cut either way).
func delimiterBefore(text string, i int) int {
	lo := max(0, i-maxWindowLine)
	if j := strings.LastIndexAny(text[lo:i], delimiters); j >= 0 {
		return lo + j + 1
	}
	return lo
}

// delimiterAfter moves i on to the nearest delimiter, within maxWindowLine.
func delimiterAfter(text string, i int) int {
	hi := min(len(text), i+maxWindowLine)
	if j := strings.IndexAny(text[i:hi], delimiters); j >= 0 {
		return i + j
	}
	return hi
}

// blockWindowEnd is the end of the line that closes the PEM block opened
// at pos, or maxBlock on.
func blockWindowEnd(text string, pos int) int {
	hi := min(len(text), pos+maxBlock)
	i := indexFold(text[pos:hi], blockEnd)
	if i < 0 {
		return hi
	}
	e := pos + i
	if j := strings.IndexByte(text[e:hi], '\n'); j >= 0 {
		return e + j
	}
	return hi
}

// indexFold is strings.Index for a lowercase ASCII word, ASCII case
// ignored.
func indexFold(s, w string) int {
	for i := 0; i+len(w) <= len(s); i++ {
		if lower(s[i]) == w[0] && hasPrefixFold(s[i:], w) {
			return i
		}
	}
	return -1
}

// excerpt joins the windows of text into one string, a blank line between
// two, for a detector run.
func excerpt(text string, ws []span) string {
	var b bytes.Buffer
	for i, w := range ws {
		if i > 0 {
			b.WriteString("\n\n")
		}
		b.WriteString(text[w.start:w.end])
	}
	return b.String()
}
