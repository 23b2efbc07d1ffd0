package report

import (
	"bytes"
	"context"
	"fmt"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/relgate/relgate/engine"
)

// TestHTMLSelfContained: the page loads nothing from anywhere — no external
// script, style, image, font or frame — and forbids it by CSP as well.
func TestHTMLSelfContained(t *testing.T) {
	out := render(t, "html", fixtureDecision(), fixtureOptions())
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("parse html: %v", err)
	}
	var bad []string
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			for _, a := range n.Attr {
				if a.Key == "src" || a.Key == "href" || (a.Key == "xlink:href") {
					bad = append(bad, fmt.Sprintf("<%s %s=%q>", n.Data, a.Key, a.Val))
				}
			}
			if n.Data == "link" || n.Data == "iframe" || n.Data == "object" || n.Data == "embed" {
				bad = append(bad, "<"+n.Data+">")
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if len(bad) > 0 {
		t.Errorf("the page refers to outside resources: %v", bad)
	}
	if !bytes.Contains(out, []byte(`content="default-src 'none';`)) {
		t.Error("no Content-Security-Policy that forbids loading anything")
	}
	if regexp.MustCompile(`url\(|@import`).Match(out) {
		t.Error("the style loads something (url() or @import)")
	}
}

// TestHTMLContent: the verdict, the score, the trivy-style total, one row
// per finding with its severity and kind, and the remediation from the
// rule's METADATA.
func TestHTMLContent(t *testing.T) {
	d := fixtureDecision()
	out := string(render(t, "html", d, fixtureOptions()))
	for _, want := range []string{
		`<h1 id="result">relgate FAIL</h1>`,
		`aria-label="score 62.5 of 100"`,
		`Total: 6 (CRITICAL: 1, HIGH: 3, MEDIUM: 1, LOW: 1)`,
		`4 violations · 2 warnings · 2 waived`,
		`<g class="row" data-area="secrets">`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("page lacks %q", want)
		}
	}
	rows := regexp.MustCompile(`<tr class="finding" data-severity="([a-z]+)" data-kind="([a-z]+)">`).FindAllStringSubmatch(out, -1)
	if len(rows) != findingCount(d) {
		t.Fatalf("%d finding rows, want %d", len(rows), findingCount(d))
	}
	kinds := map[string]int{}
	for _, r := range rows {
		kinds[r[2]]++
	}
	if kinds[kindViolation] != len(d.Violations) || kinds[kindWarning] != len(d.Warnings) || kinds[kindWaived] != len(d.Waived) {
		t.Errorf("rows by kind = %v", kinds)
	}
	rules := fixtureRules()
	var withFix int
	for _, r := range rules {
		if r.Remediation != "" {
			withFix++
			if !strings.Contains(html.UnescapeString(out), strings.TrimSpace(r.Remediation)) {
				t.Errorf("remediation of %s is missing", r.ID)
			}
		}
	}
	if withFix == 0 {
		t.Fatal("the fixture rules carry no remediation: the test checks nothing")
	}
}

// TestHTMLEscaping: repository text cannot become markup or script.
func TestHTMLEscaping(t *testing.T) {
	d := fixtureDecision()
	d.Violations[0].Message = `</td><script>alert(1)</script><img src=x onerror=alert(2)>`
	d.Violations[0].Location.Path = `"><svg onload=alert(3)>.go`
	out := string(render(t, "html", d, fixtureOptions()))
	for _, bad := range []string{"<script>alert", "<img src=x", "<svg onload"} {
		if strings.Contains(out, bad) {
			t.Errorf("page carries %q unescaped", bad)
		}
	}
	if strings.Count(out, "<script>") != 1 {
		t.Errorf("want exactly the page's own script, got %d", strings.Count(out, "<script>"))
	}
}

// TestHTMLInBrowser loads the page in headless Chromium (Debian's package):
// the script filters the tables from the page's fragment, and a screenshot
// of the page is a real, non-blank image.
func TestHTMLInBrowser(t *testing.T) {
	browser := chromium(t)
	dir := t.TempDir()
	page := filepath.Join(dir, "report.html")
	if err := os.WriteFile(page, render(t, "html", fixtureDecision(), fixtureOptions()), 0o644); err != nil {
		t.Fatal(err)
	}
	dom := runChromium(t, browser, dir, "--dump-dom", "file://"+page+"#q=SEC001")
	if !strings.Contains(dom, `data-shown="1"`) {
		t.Errorf("filtering by #q=SEC001 does not leave exactly one row shown:\n%.2000s", dom)
	}
	if got := strings.Count(dom, `class="finding hidden"`); got != findingCount(fixtureDecision())-1 {
		t.Errorf("%d rows hidden, want all but one", got)
	}
	dom = runChromium(t, browser, dir, "--dump-dom", "file://"+page+"#kind=waived")
	if !strings.Contains(dom, `data-shown="2"`) {
		t.Error("filtering by kind=waived does not show the two waived findings")
	}

	shot := filepath.Join(dir, "report.png")
	runChromium(t, browser, dir, "--screenshot="+shot, "--window-size=1280,1600", "file://"+page)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot is not a PNG: %v", err)
	}
	// A rendered report has many colours (the gauge, the chart, the
	// badges); a blank or error page has a handful.
	colours := map[uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			r, g, bl, _ := img.At(x, y).RGBA()
			colours[r>>8<<16|g>>8<<8|bl>>8] = true
		}
	}
	if len(colours) < 20 {
		t.Errorf("the screenshot has %d colours: the page did not render", len(colours))
	}
	if out := os.Getenv("RELGATE_HTML_SCREENSHOT"); out != "" {
		data, _ := os.ReadFile(shot)
		if err := os.WriteFile(out, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// chromium finds Debian's Chromium; without it the test fails with the
// command that installs it.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("chromium not found: install it with `apt-get install -y chromium` (.ci/run does)")
	return ""
}

// runChromium runs one headless Chromium command with no network use and
// a fresh profile, and returns what it printed on stdout.
func runChromium(t *testing.T, browser, dir string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--virtual-time-budget=2000"}
	cmd := exec.CommandContext(ctx, browser, append(base, args...)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", browser, strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String()
}

// TestTotalLine pins the trivy-style count: open findings only, by
// severity, most severe first, zero severities left out.
func TestTotalLine(t *testing.T) {
	if got := totalLine(fixtureDecision()); got != "Total: 6 (CRITICAL: 1, HIGH: 3, MEDIUM: 1, LOW: 1)" {
		t.Errorf("totalLine = %q", got)
	}
	if got := totalLine(emptyDecision()); got != "Total: 0" {
		t.Errorf("totalLine (no findings) = %q", got)
	}
	d := &engine.Decision{Warnings: []engine.Finding{{Severity: "bogus"}}}
	if got := totalLine(d); got != "Total: 1 (INFO: 1)" {
		t.Errorf("an unknown severity is not counted as info: %q", got)
	}
}
