package report

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

var goldenExt = map[string]string{
	"table": "txt", "json": "json", "sarif": "sarif", "junit": "xml", "markdown": "md", "github": "txt", "html": "html",
}

func render(t testing.TB, format string, d *engine.Decision, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, format, d, opts); err != nil {
		t.Fatalf("Write(%s): %v", format, err)
	}
	return buf.Bytes()
}

// TestGolden compares every format with its golden file; go test -update
// rewrites them after a deliberate change.
func TestGolden(t *testing.T) {
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			got := render(t, format, fixtureDecision(), fixtureOptions())
			checkGolden(t, format, filepath.Join("testdata", "golden", "decision."+format+"."+goldenExt[format]), got)
		})
	}
}

// checkGolden compares got with the golden file at path, or rewrites the
// file under -update.
func checkGolden(t *testing.T, format, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden file (run go test ./report/ -update to create it): %v", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s output differs from %s (run go test ./report/ -update if the change is intended)\n%s",
			format, path, firstDifference(got, want))
	}
}

// firstDifference shows the first differing line, enough to see what moved.
func firstDifference(got, want []byte) string {
	g, w := strings.Split(string(got), "\n"), strings.Split(string(want), "\n")
	for i := range max(len(g), len(w)) {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			return "line " + strconv.Itoa(i+1) + ":\n  got:  " + gl + "\n  want: " + wl
		}
	}
	return ""
}

// TestDeterministic: the same decision gives the same bytes, however its
// lists are ordered and however often it is written.
func TestDeterministic(t *testing.T) {
	shuffled := fixtureDecision()
	slices.Reverse(shuffled.Violations)
	slices.Reverse(shuffled.Warnings)
	slices.Reverse(shuffled.Waived)
	slices.Reverse(shuffled.Scanners)
	slices.Reverse(shuffled.Objectives)
	opts := fixtureOptions()
	slices.Reverse(opts.Rules)
	for _, format := range Formats() {
		if format == "json" {
			continue // the decision's own JSON keeps the caller's order: the engine sorts what it makes
		}
		first := render(t, format, fixtureDecision(), fixtureOptions())
		for range 3 {
			if again := render(t, format, fixtureDecision(), fixtureOptions()); !bytes.Equal(first, again) {
				t.Fatalf("%s: two writes of the same decision differ", format)
			}
		}
		if got := render(t, format, shuffled, opts); !bytes.Equal(first, got) {
			t.Errorf("%s: output depends on the order of the decision's lists\n%s", format, firstDifference(got, first))
		}
	}
}

func TestWriteDoesNotModifyDecision(t *testing.T) {
	d := fixtureDecision()
	var before bytes.Buffer
	if err := d.Encode(&before); err != nil {
		t.Fatal(err)
	}
	for _, format := range Formats() {
		render(t, format, d, fixtureOptions())
	}
	var after bytes.Buffer
	if err := d.Encode(&after); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before.Bytes(), after.Bytes()) {
		t.Error("writing reports changed the decision")
	}
}

func TestFormats(t *testing.T) {
	want := []string{"table", "json", "sarif", "junit", "markdown", "github", "html"}
	if got := Formats(); !slices.Equal(got, want) {
		t.Fatalf("Formats() = %v, want %v", got, want)
	}
	for _, format := range Formats() {
		for _, d := range []*engine.Decision{fixtureDecision(), emptyDecision(), {}} {
			if out := render(t, format, d, Options{}); len(out) == 0 && format != "github" {
				t.Errorf("%s: empty output", format)
			}
		}
	}
}

func TestWriteErrors(t *testing.T) {
	var buf bytes.Buffer
	err := Write(&buf, "yaml", fixtureDecision(), fixtureOptions())
	if err == nil || !strings.Contains(err.Error(), `unknown format "yaml"`) {
		t.Errorf("unknown format: err = %v", err)
	}
	if err := Write(&buf, "table", nil, fixtureOptions()); err == nil {
		t.Error("nil decision: no error")
	}
	if buf.Len() != 0 {
		t.Errorf("failed writes wrote %q", buf.String())
	}
	for _, format := range Formats() {
		if err := Write(failingWriter{}, format, fixtureDecision(), fixtureOptions()); err == nil {
			t.Errorf("%s: a failing writer gave no error", format)
		}
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestJSONIsTheDecisionEncoding(t *testing.T) {
	d := fixtureDecision()
	var want bytes.Buffer
	if err := d.Encode(&want); err != nil {
		t.Fatal(err)
	}
	if got := render(t, "json", d, fixtureOptions()); !bytes.Equal(got, want.Bytes()) {
		t.Error("json report is not Decision.Encode")
	}
}

// TestNoTerminalEscapes: text from the repository (here an escape sequence
// in a message and a path) never reaches the output raw.
func TestNoTerminalEscapes(t *testing.T) {
	d := fixtureDecision()
	d.Violations[0].Message = "evil \x1b]0;pwned\x07 title \u202e reversed"
	d.Violations[0].Location.Path = "src/\x1b[2Jclear.go"
	d.Scanners[0].Error = "boom \x1b[31m"
	for _, format := range Formats() {
		if format == "json" || format == "sarif" {
			continue // JSON escapes control characters itself
		}
		out := render(t, format, d, fixtureOptions())
		if bytes.ContainsAny(out, "\x1b\x07\u202e") {
			t.Errorf("%s: raw control character in output", format)
		}
	}
}

func ExampleWrite() {
	d := &engine.Decision{
		Result: engine.ResultFail, Score: 40, Environment: "production",
		Violations: []engine.Finding{{
			Rule: "SEC001", Title: "Leaked secret", Severity: "critical", Message: "AWS key, 100% leaked",
			Location: engine.Location{Path: "config/prod.env", StartLine: 3},
		}},
		Warnings: []engine.Finding{{Rule: "APR001", Title: "Approvals", Severity: "medium", Message: "1 of 2 approvals"}},
	}
	_ = Write(os.Stdout, "github", d, Options{ConfigFile: ".relgate.yaml"})
	// Output:
	// ::notice title=relgate FAIL::FAIL, score 40 in production — 1 violation · 1 warning · 0 waived
	// ::error file=config/prod.env,line=3,title=SEC001 Leaked secret::[critical] AWS key, 100%25 leaked
	// ::warning file=.relgate.yaml,line=1,title=APR001 Approvals::[medium] 1 of 2 approvals
}
