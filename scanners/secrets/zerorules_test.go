package secrets_test

import (
	"testing"

	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/scanners/secrets"
)

// TestRuleCountIsAFact: a .gitleaks.toml without rules makes a scan that
// finds nothing because it looked for nothing. The run says how many rules
// it ran with, so policy (SCN002) can refuse that ok.
func TestRuleCountIsAFact(t *testing.T) {
	if isolated(t) {
		return // gitleaks caches configs per process
	}
	gittest.Isolate(t)
	cs := canaries("zero-rules")
	r := gittest.New(t)
	r.Write("a.txt", file(cs[1]))
	_, run := scan(t, secrets.Options{Dir: r.Dir, History: secrets.HistoryNone})
	if run.Stats[secrets.StatRules] < 100 {
		t.Fatalf("default config: rules = %d, want gitleaks' defaults (%v)", run.Stats[secrets.StatRules], run.Stats)
	}

	empty := gittest.New(t)
	empty.Write(".gitleaks.toml", "title = \"nothing\"\n")
	empty.Write("a.txt", file(cs[1]))
	in, run := scan(t, secrets.Options{Dir: empty.Dir, History: secrets.HistoryNone})
	if got, ok := run.Stats[secrets.StatRules]; !ok || got != 0 {
		t.Fatalf("empty config: rules = %d (present %v), want 0 as a fact", got, ok)
	}
	if len(in.Secrets) != 0 {
		t.Fatalf("an empty config found %d secrets", len(in.Secrets))
	}
}
