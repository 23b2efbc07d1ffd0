package report

import (
	"bytes"
	"strconv"
	"strings"
	"testing"
)

// TestMarkdownChangeCounts: in PR mode the summary counts what the change
// brings apart from what was already on the base; outside it, no line.
func TestMarkdownChangeCounts(t *testing.T) {
	d := fixtureDecision()
	d.Warnings[0].PreExisting = true
	opts := Options{Rules: fixtureRules(), Base: "origin/main"}
	var buf bytes.Buffer
	if err := Write(&buf, "markdown", d, opts); err != nil {
		t.Fatal(err)
	}
	fresh := len(d.Violations) + len(d.Warnings) - 1
	want := "**Change against origin/main:** " + itoa(fresh) + " new (" + itoa(len(d.Violations)) + " failing) · 1 pre-existing (warn only)\n"
	if !strings.Contains(buf.String(), want) {
		t.Errorf("markdown lacks %q:\n%s", want, buf.String())
	}
	buf.Reset()
	opts.Base = ""
	if err := Write(&buf, "markdown", d, opts); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "pre-existing") {
		t.Errorf("markdown without a base counts pre-existing findings:\n%s", buf.String())
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
