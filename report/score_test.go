package report

import (
	"strings"
	"testing"
)

// TestScoreInEveryFormat: whichever format a pipeline reads, it sees the
// decision's score.
func TestScoreInEveryFormat(t *testing.T) {
	d := fixtureDecision()
	score := formatScore(d.Score)
	for _, f := range Formats() {
		out := string(render(t, f, d, Options{Rules: fixtureRules(), ConfigFile: ".relgate.yaml"}))
		if !strings.Contains(out, score) {
			t.Errorf("%s report does not show the score %s", f, score)
		}
	}
}
