package report

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"

	"github.com/relgate/relgate/engine"
)

// longDecision has findings whose message, location and scanner error are
// far wider than a terminal, one word (a URL) included.
func longDecision() (*engine.Decision, string) {
	msg := "golang.org/x/net 0.1.0 has GO-2023-1571: " + strings.Repeat("a crafted HTTP/2 stream makes the server allocate without bound, ", 4) +
		"see https://pkg.go.dev/vuln/GO-2023-1571/" + strings.Repeat("x", 90)
	d := fixtureDecision()
	d.Violations = append(d.Violations, engine.Finding{
		Rule: "VULN001", Severity: "critical", Message: msg,
		Location: engine.Location{Path: "services/" + strings.Repeat("deep/", 12) + "go.sum", StartLine: 7},
	})
	d.Scanners = append(d.Scanners, engine.ScannerRun{Name: "secrets2", Status: engine.StatusError, Error: msg})
	return d, msg
}

// TestTableWidth pins the width behaviour: at 80 columns no line of the
// table is wider than 80 display cells, colours or not; at a wide width a
// long message is whole on one line; with no width the table fits
// DefaultTableWidth.
func TestTableWidth(t *testing.T) {
	d, msg := longDecision()
	for _, width := range []int{80, 100} {
		for _, color := range []bool{false, true} {
			opts := fixtureOptions()
			opts.Width, opts.Color = width, color
			out := string(render(t, "table", d, opts))
			for _, l := range strings.Split(stripANSI(out), "\n") {
				if w := runewidth.StringWidth(l); w > width {
					t.Errorf("width %d (colour %v): line of %d cells: %q", width, color, w, l)
				}
			}
			// Nothing is lost: the wrapped words are all there, in order.
			if !strings.Contains(strings.Join(strings.Fields(stripANSI(out)), ""), strings.Join(strings.Fields(msg), "")) {
				t.Errorf("width %d: the message lost text:\n%s", width, out)
			}
		}
	}

	opts := fixtureOptions()
	opts.Width = 1000
	wide := string(render(t, "table", d, opts))
	if !strings.Contains(wide, msg+"\n") {
		t.Errorf("width 1000: the message is not whole on one line:\n%s", wide)
	}

	opts.Width = 0
	def := string(render(t, "table", d, opts))
	longest := 0
	for _, l := range strings.Split(def, "\n") {
		longest = max(longest, runewidth.StringWidth(l))
	}
	if longest > DefaultTableWidth || longest < DefaultTableWidth-10 {
		t.Errorf("no width: longest line %d cells, want it to fill %d", longest, DefaultTableWidth)
	}

	// The JSON report keeps the full text.
	var back engine.Decision
	if err := json.Unmarshal(render(t, "json", d, fixtureOptions()), &back); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range back.Violations {
		found = found || f.Message == msg
	}
	if !found {
		t.Error("json lost the full message")
	}
}

// TestTableTotalLine: the table's header carries trivy's summary line.
func TestTableTotalLine(t *testing.T) {
	lines := strings.Split(string(render(t, "table", fixtureDecision(), fixtureOptions())), "\n")
	if len(lines) < 3 || lines[2] != "Total: 6 (CRITICAL: 1, HIGH: 3, MEDIUM: 1, LOW: 1)" {
		t.Errorf("third line %q", lines[min(2, len(lines)-1)])
	}
}
