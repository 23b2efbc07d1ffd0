package secrets

import (
	"slices"
	"testing"

	gitleaksconfig "github.com/zricethezav/gitleaks/v8/config"
	"github.com/zricethezav/gitleaks/v8/detect"
)

// TestEdgeStopwordsAsGitleaks: the edge's own translation of the default
// config (stopwords as lists, no tries) allows exactly what gitleaks'
// translation allows: the same stopwords on the same allowlists, and the
// same secrets found in texts a stopword does and does not save.
func TestEdgeStopwordsAsGitleaks(t *testing.T) {
	src := configSource{name: "default", data: []byte(gitleaksconfig.DefaultConfig)}
	want, _, err := translate(src)
	if err != nil {
		t.Fatal(err)
	}
	got, err := translateListingStopwords(src)
	if err != nil {
		t.Fatal(err)
	}
	listed := 0
	for id, wr := range want.Rules {
		gr, ok := got.Rules[id]
		if !ok || len(gr.Allowlists) != len(wr.Allowlists) {
			t.Fatalf("rule %s: allowlists differ", id)
		}
		for j, wa := range wr.Allowlists {
			w, g := slices.Sorted(slices.Values(wa.StopWords)), slices.Sorted(slices.Values(gr.Allowlists[j].StopWords))
			if !slices.Equal(w, g) {
				t.Errorf("rule %s allowlist %d: %d stopwords, want %d", id, j, len(g), len(w))
			}
			listed += len(g)
		}
	}
	if listed < 1000 {
		t.Fatalf("only %d rule stopwords: generic-api-key's are missing", listed)
	}
	texts := []string{
		`token = "Xq9vTz7LmN3pRw8KbZ4"`,       // found
		`token = "aboutXq9vTz7LmN3pRw8K"`,     // "about" is a stopword
		`api_key: "AbstractQ7vTz9LmN3pRw8Kb"`, // so is "abstract", in any case
		`password = "b7Qz9LmN3pRw8KXq4vT"`,
	}
	wd, gd := detect.NewDetector(want), detect.NewDetector(got)
	found := 0
	for _, text := range texts {
		w, g := secretsOf(wd, text), secretsOf(gd, text)
		if !slices.Equal(w, g) {
			t.Errorf("%q: edge finds %q, gitleaks %q", text, g, w)
		}
		found += len(w)
	}
	if found != 2 {
		t.Errorf("gitleaks found %d secrets in the texts, want 2 (two are saved by a stopword)", found)
	}
}
