package secrets

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// reviewedRules are default rules whose pattern spells its keywords only
// through an alternation or an optional separator (xox[pe]- for "xoxp-",
// private[_-]?ai for "private_ai"): read one by one, every match of each
// holds a keyword. A rule that is neither spelled out, reviewed here nor a
// context rule fails the test below.
var reviewedRules = map[string]bool{
	"privateai-api-token": true, "lob-api-key": true, "slack-user-token": true,
	"slack-legacy-token": true, "messagebird-client-id": true, "messagebird-api-token": true,
	"stripe-access-token": true, "facebook-page-access-token": true, "linkedin-client-secret": true,
	"linkedin-client-id": true, "slack-legacy-workspace-token": true, "harness-api-key": true,
	"authress-service-client-access-key": true, "github-app-token": true,
	"intra42-client-secret": true, "cloudflare-origin-ca-key": true,
}

// TestDefaultRulesMatchAroundTheirKeywords: the windows rest on every
// default rule's match holding one of its keywords, except the context
// rules, which are run over the whole text. A gitleaks upgrade that adds
// a rule whose pattern does not spell a keyword fails here until the rule
// is read and put in one list or the other.
func TestDefaultRulesMatchAroundTheirKeywords(t *testing.T) {
	d, err := edge()
	if err != nil {
		t.Fatal(err)
	}
	if keywordless(d) {
		t.Fatal("a default rule has a pattern and no keywords: the edge detector scans whole texts")
	}
	context := map[string]bool{}
	for _, id := range contextRules {
		if _, ok := d.Config.Rules[id]; !ok {
			t.Errorf("context rule %s is not a default rule", id)
		}
		context[id] = true
	}
	for id, r := range d.Config.Rules {
		if r.Regex == nil || context[id] || reviewedRules[id] {
			continue
		}
		src := strings.ToLower(r.Regex.String())
		spelled := false
		for _, k := range r.Keywords {
			if strings.Contains(src, k) || strings.Contains(src, quoteMeta(k)) {
				spelled = true
			}
		}
		if !spelled {
			t.Errorf("%s: pattern %s spells none of its keywords %q", id, r.Regex, r.Keywords)
		}
	}
}

func quoteMeta(s string) string {
	var b strings.Builder
	for _, c := range s {
		if strings.ContainsRune(`\.+*?()|[]{}^$-`, c) {
			b.WriteByte('\\')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// TestOnlyTwoRunesLowercaseToASCII: gitleaks matches keywords against
// strings.ToLower of the text; the keyword index compares ASCII bytes and
// counts the runes whose lowercase holds ASCII as hits. Those must be all
// of them.
func TestOnlyTwoRunesLowercaseToASCII(t *testing.T) {
	for r := rune(0x80); r <= utf8.MaxRune; r++ {
		if !utf8.ValidRune(r) {
			continue
		}
		s := string(r)
		l := strings.ToLower(s)
		hasASCII := false
		for i := 0; i < len(l); i++ {
			if l[i] < utf8.RuneSelf {
				hasASCII = true
			}
		}
		if hasASCII != foldsToASCII(s) {
			t.Errorf("U+%04X lowercases to %q: foldsToASCII says %v", r, l, foldsToASCII(s))
		}
	}
}

func TestKeywordIndexIgnoresCase(t *testing.T) {
	k := newKeywordIndex([]string{"ghp_", "api", "x"})
	got := k.find("Done: GHP_ rotated; the API and Api; lone X; \u212aey")
	var words []string
	for _, h := range got {
		words = append(words, h.keyword)
	}
	want := []string{"ghp_", "api", "api", "x", ""}
	if strings.Join(words, ",") != strings.Join(want, ",") {
		t.Fatalf("hits %q, want %q", words, want)
	}
	if hits := k.find("nothing here"); len(hits) != 0 {
		t.Fatalf("hits in a text without keywords: %v", hits)
	}
}

func TestWindowsStayNearTheirKeyword(t *testing.T) {
	// Short lines: whole lines around the keyword, reach bytes each way.
	var b strings.Builder
	for i := range 500 {
		b.WriteString(strings.Repeat("x", 30))
		if i == 250 {
			b.WriteString(" token ")
		}
		b.WriteByte('\n')
	}
	text := b.String()
	pos := strings.Index(text, "token")
	ws := windows(text, []hit{{pos: pos, keyword: "token"}})
	if len(ws) != 1 {
		t.Fatalf("windows %v", ws)
	}
	w := ws[0]
	if w.start > pos-reach || w.end < pos+reach || w.end-w.start > 2*reach+200 {
		t.Errorf("window %v around %d is not reach (%d) on each side, widened to lines", w, pos, reach)
	}
	if w.start != 0 && text[w.start-1] != '\n' || w.end != len(text) && text[w.end] != '\n' {
		t.Errorf("window %v does not start and end at line boundaries", w)
	}
	// One long line: cut at delimiters, not at the whole line.
	long := strings.Repeat(`{"a":"b"},`, 10000) + `"token":"v"` + strings.Repeat(`{"a":"b"},`, 10000)
	pos = strings.Index(long, "token")
	w = windows(long, []hit{{pos: pos, keyword: "token"}})[0]
	if w.end-w.start > 2*reach+50 || w.start > pos-reach || w.end < pos+reach {
		t.Errorf("window %v around %d in a %d-byte line", w, pos, len(long))
	}
	if !strings.ContainsAny(long[w.start-1:w.start], delimiters) || !strings.ContainsAny(long[w.end:w.end+1], delimiters) {
		t.Errorf("window %v is not cut at delimiters", w)
	}
	// Overlapping windows merge.
	ws = windows(text, []hit{{pos: 100, keyword: "api"}, {pos: 200, keyword: "key"}})
	if len(ws) != 1 {
		t.Errorf("overlapping windows not merged: %v", ws)
	}
}
