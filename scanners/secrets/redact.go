package secrets

import (
	"bytes"
	"fmt"
	"strings"
	"sync"

	"github.com/spf13/viper"

	gitleaksconfig "github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"

	"github.com/relgate/relgate/internal/redact"
)

// edge is the detector the redaction step runs over every output: gitleaks'
// default rules, translated once per process (the translation is shared
// with a scan that uses them).
var edge = sync.OnceValues(func() (*detect.Detector, error) {
	cfg, err := edgeConfig()
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

// edgeConfig is gitleaks' default config for the edge detector. A scan that
// translated it already in this process shares its translation. Otherwise
// it is translated with each rule allowlist's stopwords checked one by one
// instead of through the trie gitleaks builds of them: generic-api-key's
// ~1,500 stopwords make a trie that costs two thirds of the translation to
// build (30 ms of every relgate eval), while an output has a handful of
// findings to check against the list. The check is gitleaks' own
// (Allowlist.ContainsStopWord reads the list when there is no trie), so what
// is allowed does not change; TestEdgeStopwordsAsGitleaks holds it to that.
func edgeConfig() (gitleaksconfig.Config, error) {
	src := configSource{name: "default", data: []byte(gitleaksconfig.DefaultConfig)}
	if cfg, ok := translated(src); ok {
		return cfg, nil
	}
	return translateListingStopwords(src)
}

// translateListingStopwords translates src with its rule allowlists'
// stopwords kept as lists, not tries.
func translateListingStopwords(src configSource) (gitleaksconfig.Config, error) {
	silenceGitleaks()
	v := viper.New()
	v.SetConfigType("toml")
	if err := v.ReadConfig(bytes.NewReader(src.data)); err != nil {
		return gitleaksconfig.Config{}, tomlError(src, err)
	}
	var vc gitleaksconfig.ViperConfig
	if err := v.Unmarshal(&vc); err != nil {
		return gitleaksconfig.Config{}, fmt.Errorf("decode gitleaks config: %w", err)
	}
	// The stopwords of each rule's allowlists, in the order Translate
	// gives the rule its allowlists: the old single [rules.allowlist]
	// first, then [[rules.allowlists]]. An allowlist of stopwords alone
	// keeps them (gitleaks refuses an empty one).
	held := map[string][][]string{}
	for i := range vc.Rules {
		r := &vc.Rules[i]
		var words [][]string
		hold := func(stop *[]string, others int) {
			var w []string
			if others > 0 {
				w, *stop = *stop, nil
			}
			words = append(words, w)
		}
		if a := r.AllowList; a != nil {
			hold(&a.StopWords, len(a.Commits)+len(a.Paths)+len(a.Regexes))
		}
		for _, a := range r.Allowlists {
			hold(&a.StopWords, len(a.Commits)+len(a.Paths)+len(a.Regexes))
		}
		held[r.ID] = words
	}
	cfg, err := translateRecovering(&vc)
	if err != nil {
		return cfg, err
	}
	for id, words := range held {
		r := cfg.Rules[id]
		if len(r.Allowlists) < len(words) {
			return cfg, fmt.Errorf("translate gitleaks config: rule %s has %d allowlists, want at least %d", id, len(r.Allowlists), len(words))
		}
		for j, w := range words {
			if len(w) == 0 {
				continue
			}
			a := r.Allowlists[j]
			if len(a.StopWords) > 0 {
				return cfg, fmt.Errorf("translate gitleaks config: rule %s: allowlist %d is not the one whose stopwords were held", id, j)
			}
			// As Validate keeps them: lowercased, each once.
			seen := make(map[string]bool, len(w))
			for _, word := range w {
				word = strings.ToLower(word)
				if !seen[word] {
					seen[word] = true
					a.StopWords = append(a.StopWords, word)
				}
			}
		}
	}
	return cfg, nil
}
