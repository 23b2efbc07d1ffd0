package report

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"github.com/mattn/go-runewidth"

	"github.com/relgate/relgate/engine"
)

// TestGitHubEscaping: a finding's text can neither break out of its
// workflow command nor inject a new one.
func TestGitHubEscaping(t *testing.T) {
	d := &engine.Decision{Violations: []engine.Finding{{
		Rule: "X1", Title: "T: a, b", Severity: "high",
		Message:  "100% bad\n::set-env name=PATH::/evil\r\nend",
		Location: engine.Location{Path: "dir,x/a:b%c.go", StartLine: 3, EndLine: 9, StartColumn: 2},
	}}}
	out := string(render(t, "github", d, Options{}))
	want := "::error file=dir%2Cx/a%3Ab%25c.go,line=3,endLine=9,title=X1 T%3A a%2C b::[high] 100%25 bad%0A::set-env name=PATH::/evil%0D%0Aend\n"
	if out != want {
		t.Errorf("got  %q\nwant %q", out, want)
	}
	if got := escapeData("a%0Ab"); got != "a%250Ab" {
		t.Errorf("escapeData does not escape %%: %q", got)
	}
}

func TestGitHubCommands(t *testing.T) {
	out := string(render(t, "github", fixtureDecision(), Options{Rules: fixtureRules(), ConfigFile: "ci/relgate.yml"}))
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 9 {
		t.Fatalf("%d commands, want the decision and one per finding (9):\n%s", len(lines), out)
	}
	count := map[string]int{}
	for _, l := range lines {
		count[strings.SplitN(l, " ", 2)[0]]++
	}
	if fmt.Sprint(count) != "map[::error:4 ::notice:3 ::warning:2]" {
		t.Errorf("commands = %v", count)
	}
	if !strings.Contains(out, "::error file=ci/relgate.yml,line=1,title=APR001 Production release needs approvals::") {
		t.Errorf("finding without a file is not pinned to the config file:\n%s", out)
	}
	if !strings.HasPrefix(lines[0], "::notice title=relgate FAIL::FAIL, score ") {
		t.Errorf("the decision and its score do not come first: %s", lines[0])
	}
	if out := string(render(t, "github", emptyDecision(), Options{})); out != "::notice title=relgate PASS::PASS, score 100 in staging — 0 violations · 0 warnings · 0 waived\n" {
		t.Errorf("no findings: output %q, want the decision alone", out)
	}
}

// TestMarkdownEscaping: each finding stays one table row with the right
// number of cells, whatever its text holds.
func TestMarkdownEscaping(t *testing.T) {
	d := &engine.Decision{Result: "fail", Violations: []engine.Finding{{
		Rule: "X1", Severity: "high", Message: "a | b\nc\r\nd <script>alert(1)</script> & `code` *bold* [link](x)",
		Location: engine.Location{Path: "a|b.go", StartLine: 1},
	}}}
	out := string(render(t, "markdown", d, Options{}))
	var row string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "| **X1**") {
			row = l
		}
	}
	if row == "" {
		t.Fatalf("no row for the finding:\n%s", out)
	}
	if cells := strings.Count(strings.ReplaceAll(row, `\|`, ""), "|"); cells != 5 {
		t.Errorf("row has %d separators, want 5: %s", cells, row)
	}
	for _, bad := range []string{"<script>", "`code`", "*bold*", "[link]"} {
		if strings.Contains(row, bad) {
			t.Errorf("row keeps %q as markup: %s", bad, row)
		}
	}
	if !strings.Contains(row, "a \\| b<br>c<br>d &lt;script&gt;") {
		t.Errorf("row = %s", row)
	}
	if mdText("x\\y") != `x\\y` {
		t.Errorf("backslash not escaped: %s", mdText("x\\y"))
	}
}

func TestJUnit(t *testing.T) {
	var suites junitSuites
	data := render(t, "junit", fixtureDecision(), fixtureOptions())
	if !bytes.HasPrefix(data, []byte(xml.Header)) {
		t.Error("no XML declaration")
	}
	if err := xml.Unmarshal(data, &suites); err != nil {
		t.Fatalf("junit output is not XML: %v", err)
	}
	if suites.Tests != 11 || suites.Failures != 4 || suites.Skipped != 5 || suites.Errors != 1 {
		t.Errorf("totals = tests %d failures %d skipped %d errors %d", suites.Tests, suites.Failures, suites.Skipped, suites.Errors)
	}
	var names []string
	sum := 0
	for _, s := range suites.Suites {
		names = append(names, s.Name)
		if s.Tests != len(s.Cases) {
			t.Errorf("suite %s says %d tests, has %d", s.Name, s.Tests, len(s.Cases))
		}
		sum += s.Tests
	}
	if sum != suites.Tests {
		t.Errorf("suites add up to %d tests, total says %d", sum, suites.Tests)
	}
	want := "relgate.rules.approvals relgate.rules.migrations relgate.rules.scanners relgate.rules.secrets relgate.rules.slo relgate.rules.vuln relgate.rules.vulnerabilities relgate.scanners"
	if got := strings.Join(names, " "); got != want {
		t.Errorf("suites = %s\nwant     %s", got, want)
	}
	for _, s := range suites.Suites {
		for _, c := range s.Cases {
			if c.Name == "SEC001 deploy/naïve config,v2.yaml:12" {
				if c.Failure == nil || !strings.Contains(c.Failure.Message, "| see <docs> & rotate: 100% exposed\nsecond line") {
					t.Errorf("SEC001 failure = %+v", c.Failure)
				}
			}
			if strings.HasPrefix(c.Name, "VULN002") && (c.Skipped == nil || !strings.Contains(c.Skipped.Message, "alice@example.com")) {
				t.Errorf("waived VULN002 = %+v", c)
			}
		}
	}

	// No findings: one passing case, so the report never reads as "no tests".
	var empty junitSuites
	if err := xml.Unmarshal(render(t, "junit", emptyDecision(), Options{}), &empty); err != nil {
		t.Fatal(err)
	}
	if empty.Tests != 1 || empty.Failures != 0 || empty.Skipped != 0 || empty.Suites[0].Cases[0].Name != "no findings" {
		t.Errorf("empty decision = %+v", empty)
	}
}

func TestTable(t *testing.T) {
	plain := string(render(t, "table", fixtureDecision(), fixtureOptions()))
	if strings.Contains(plain, "\x1b[") {
		t.Error("colour codes without Options.Color")
	}
	opts := fixtureOptions()
	opts.Color = true
	colored := string(render(t, "table", fixtureDecision(), opts))
	if !strings.Contains(colored, "\x1b[1;31mFAIL\x1b[") {
		t.Errorf("no red FAIL in colour output:\n%s", colored)
	}
	if stripANSI(colored) != plain {
		t.Error("colour changes the text or its alignment")
	}

	// Every finding row starts its message in the same display column.
	col := -1
	for _, l := range strings.Split(plain, "\n") {
		for _, rule := range []string{"SEC001", "APR001", "MIG001", "VULN002"} {
			if !strings.HasPrefix(l, "  "+rule+" ") {
				continue
			}
			msgStart := strings.Index(l, "  "+strings.Fields(l)[3])
			if strings.Contains(l, "naïve") {
				msgStart = strings.Index(l, "AWS")
			}
			c := runewidth.StringWidth(l[:msgStart])
			if col >= 0 && c != col && c+2 != col {
				t.Errorf("misaligned row: %q", l)
			}
			col = max(col, c)
		}
	}
	for _, want := range []string{"relgate FAIL  score 62.5  environment production", "4 violations · 2 warnings · 2 waived",
		"VIOLATIONS (4)", "WARNINGS (2)", "WAIVED (2)", "SCANNERS (3)", "approved by alice@example.com",
		"deps       error    15ms      open osv-scalibr/Go/all.zip"} {
		if !strings.Contains(plain, want) {
			t.Errorf("table lacks %q", want)
		}
	}
	if empty := string(render(t, "table", emptyDecision(), Options{})); !strings.HasPrefix(empty, "relgate PASS  score 100  environment staging\n0 violations · 0 warnings · 0 waived\n") {
		t.Errorf("empty decision:\n%s", empty)
	}
}

func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

func TestRuleName(t *testing.T) {
	for title, want := range map[string]string{
		"A scanner failed":                   "ScannerFailed",
		"Production release needs approvals": "ProductionReleaseNeedsApprovals",
		"SQL lock > 5s":                      "SqlLock5s",
		"":                                   "RuleX1",
		"99 problems":                        "Rule99Problems",
	} {
		if got := ruleName(title, "X-1"); got != want {
			t.Errorf("ruleName(%q) = %q, want %q", title, got, want)
		}
	}
	for in, want := range map[string]string{"": "0.0.0-dev", "dev": "0.0.0-dev", "v1.2.3": "1.2.3", "1.2.3-rc1": "1.2.3-rc1", "vnext": "0.0.0-vnext"} {
		if got := driverVersion(in); got != want {
			t.Errorf("driverVersion(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestArea(t *testing.T) {
	for _, c := range []struct {
		id    string
		info  engine.RuleInfo
		known bool
		want  string
	}{
		{"SEC001", engine.RuleInfo{Package: "relgate.rules.secrets"}, true, "secrets"},
		{"SEC001", engine.RuleInfo{}, false, "sec"},
		{"CUSTOM-7", engine.RuleInfo{}, false, "custom"},
		{"42", engine.RuleInfo{}, false, "other"},
	} {
		if got := area(c.id, c.info, c.known); got != c.want {
			t.Errorf("area(%s, %+v) = %s, want %s", c.id, c.info, got, c.want)
		}
	}
}

func BenchmarkWrite(b *testing.B) {
	const n = 5000
	d := largeDecision(n)
	opts := fixtureOptions()
	rule := []byte(d.Violations[0].Rule)
	for _, format := range Formats() {
		b.Run(format, func(b *testing.B) {
			var buf bytes.Buffer
			for b.Loop() {
				buf.Reset()
				if err := Write(&buf, format, d, opts); err != nil {
					b.Fatal(err)
				}
			}
			// A report that dropped findings would be fast for nothing:
			// every copy of the first violation must be in it.
			if got := bytes.Count(buf.Bytes(), rule); got < n {
				b.Fatalf("%s report names %s %d times, want at least %d", format, rule, got, n)
			}
			b.SetBytes(int64(buf.Len()))
		})
	}
}

// largeDecision repeats the fixture's findings n times with distinct
// fingerprints and lines.
func largeDecision(n int) *engine.Decision {
	base := fixtureDecision()
	d := fixtureDecision()
	d.Violations, d.Warnings, d.Waived = nil, nil, nil
	for i := range n {
		for _, src := range []struct {
			from []engine.Finding
			to   *[]engine.Finding
		}{{base.Violations, &d.Violations}, {base.Warnings, &d.Warnings}, {base.Waived, &d.Waived}} {
			for _, f := range src.from {
				f.Fingerprint = fmt.Sprintf("%s-%d", f.Fingerprint, i)
				if f.Location.Path != "" {
					f.Location.StartLine += i
				}
				*src.to = append(*src.to, f)
			}
		}
	}
	return d
}

// TestMarkdownLinks: with the repository and the commit known, a location
// links to its file and line range on GitHub; findings without a file do not.
func TestMarkdownLinks(t *testing.T) {
	d := fixtureDecision()
	d.Release = &engine.DecisionRelease{Commit: "0123456789abcdef0123456789abcdef01234567"}
	opts := fixtureOptions()
	opts.RepositoryURL = "https://github.com/acme/shop/"
	out := string(render(t, "markdown", d, opts))
	for _, want := range []string{
		"[go.sum:41-42](https://github.com/acme/shop/blob/0123456789abcdef0123456789abcdef01234567/go.sum#L41-L42)",
		"(https://github.com/acme/shop/blob/0123456789abcdef0123456789abcdef01234567/deploy/na%C3%AFve%20config%2Cv2.yaml#L12)",
		"| .relgate.yaml |",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
	// Without a commit there is nothing stable to link to.
	d.Release = nil
	if out := string(render(t, "markdown", d, opts)); strings.Contains(out, "/blob/") {
		t.Error("links without a commit")
	}
}

// TestMarkdownFolds: a findings table longer than markdownFoldAt rows is
// folded in <details>, one that long or shorter is not.
func TestMarkdownFolds(t *testing.T) {
	d := &engine.Decision{Result: "fail"}
	for i := range markdownFoldAt {
		d.Violations = append(d.Violations, engine.Finding{Rule: "X1", Severity: "high", Message: fmt.Sprint(i)})
	}
	if out := string(render(t, "markdown", d, Options{})); strings.Contains(out, "<details>") {
		t.Errorf("%d rows folded", markdownFoldAt)
	}
	d.Violations = append(d.Violations, engine.Finding{Rule: "X1", Severity: "high", Message: "one more"})
	out := string(render(t, "markdown", d, Options{}))
	if !strings.Contains(out, fmt.Sprintf("<details><summary><b>Violations (%d)</b></summary>\n\n| Rule |", markdownFoldAt+1)) ||
		!strings.Contains(out, "\n</details>\n") {
		t.Errorf("%d rows not folded:\n%s", markdownFoldAt+1, out)
	}
}

// TestScoreBar pins the bar's cells at its boundaries.
func TestScoreBar(t *testing.T) {
	for score, want := range map[float64]string{0: "░░░░░░░░░░", 9.9: "░░░░░░░░░░", 10: "█░░░░░░░░░", 62.5: "██████░░░░", 100: "██████████", 140: "██████████", -5: "░░░░░░░░░░"} {
		if got := scoreBar(score); got != want {
			t.Errorf("scoreBar(%v) = %s, want %s", score, got, want)
		}
	}
}
