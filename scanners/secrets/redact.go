package secrets

import (
	"sync"

	gitleaksconfig "github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"

	"github.com/relgate/relgate/internal/redact"
)

// edge is the detector the redaction step runs over every output: gitleaks'
// default rules, translated once per process (the translation is shared
// with a scan that uses them).
var edge = sync.OnceValues(func() (*detect.Detector, error) {
	cfg, err := loadConfig(configSource{name: "default", data: []byte(gitleaksconfig.DefaultConfig)})
	if err != nil {
		return nil, err
	}
	d := detect.NewDetector(cfg)
	// An output is text relgate wrote: nothing in it is encoded on
	// purpose, and an inline "gitleaks:allow" in a fact (a commit
	// subject, say) must not keep a token in a report.
	d.MaxDecodeDepth = 0
	d.IgnoreGitleaksAllow = true
	return d, nil
})

// Detector returns a redact.Detector that finds secrets in text with
// gitleaks' default rules — the rules a gitleaks run over relgate's output
// (a saved input committed by mistake, a report in a CI log) would apply.
// The rules run over the text around their keywords (see windows.go): a
// text without any keyword has nothing they could match.
func Detector() (redact.Detector, error) {
	d, err := edge()
	if err != nil {
		return nil, err
	}
	idx, whole, context := edgeKeywords(d), keywordless(d), contextKeywords(d)
	return func(text string) []string {
		if whole {
			return secretsOf(d, text)
		}
		hits := idx.find(text)
		if len(hits) == 0 {
			return nil
		}
		for _, h := range hits {
			// A rune that lowercases to ASCII (h.keyword "") can make
			// any keyword, a context rule's too.
			if h.keyword == "" || context[h.keyword] {
				return secretsOf(d, text)
			}
		}
		return secretsOf(d, excerpt(text, windows(text, hits)))
	}, nil
}

// edgeKeywords indexes the keywords of the edge detector's rules.
func edgeKeywords(d *detect.Detector) *keywordIndex {
	words := make([]string, 0, len(d.Config.Keywords))
	for w := range d.Config.Keywords {
		words = append(words, w)
	}
	return newKeywordIndex(words)
}

// contextRules are the default rules whose keyword need not be part of
// the match: the keyword is context found anywhere in the fragment (the
// service's name), or the pattern lets a match differ from the keyword
// ("xoxe.xoxb-" against xoxe, any byte, xoxb-). When one of their
// keywords occurs, the text is scanned whole, as gitleaks does.
var contextRules = []string{"airtable-personnal-access-token", "facebook-access-token", "slack-config-access-token"}

// contextKeywords are the keywords of the context rules.
func contextKeywords(d *detect.Detector) map[string]bool {
	out := map[string]bool{}
	for _, id := range contextRules {
		for _, k := range d.Config.Rules[id].Keywords {
			out[k] = true
		}
	}
	return out
}

// keywordless reports whether a rule has a pattern but no keywords:
// gitleaks runs such a rule over every fragment, so the windows would not
// do (the default rules have none).
func keywordless(d *detect.Detector) bool {
	for _, r := range d.Config.Rules {
		if r.Regex != nil && len(r.Keywords) == 0 {
			return true
		}
	}
	return false
}

// secretsOf runs the detector over the whole text.
func secretsOf(d *detect.Detector, text string) []string {
	var out []string
	for _, f := range d.DetectString(text) {
		if f.Secret != "" {
			out = append(out, f.Secret)
		}
	}
	return out
}
