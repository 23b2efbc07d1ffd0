package report

import (
	"bytes"
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"math"
	"slices"
	"strings"

	"github.com/relgate/relgate/engine"
)

// The HTML report is one self-contained file: its style and script are
// inlined and it loads nothing, so it opens offline, from a CI artifact or
// an e-mail attachment, and leaks nothing about who reads it. html/template
// escapes every value from the decision: findings quote repository text.
var (
	//go:embed html/report.html.tmpl
	htmlTemplateText string
	//go:embed html/report.css
	htmlStyle string
	//go:embed html/report.js
	htmlScript string

	htmlTemplate = template.Must(template.New("report").Funcs(template.FuncMap{
		"lower": strings.ToLower,
		"clean": cleanControl,
	}).Parse(htmlTemplateText))
)

// severities in the order every chart and count lists them.
var severities = []string{"critical", "high", "medium", "low", "info"}

// htmlPage is what the template renders.
type htmlPage struct {
	Result, Environment, Score string
	Summary, Total             string
	Gauge                      htmlGauge
	Chart                      htmlChart
	Groups                     []htmlGroup
	Objectives                 []engine.Objective
	Scanners                   []engine.ScannerRun
	InputDigest, PolicyDigest  string
	Version                    string
	Severities                 []string
	Style                      template.CSS
	Script                     template.JS
}

// htmlGauge is the score as an SVG arc: Dash of Circumference is drawn.
type htmlGauge struct {
	Circumference, Dash string
}

// htmlChart is a stacked bar per area, one segment per severity.
type htmlChart struct {
	Rows   []htmlChartRow
	Height int
	Max    int
}

type htmlChartRow struct {
	Area     string
	Y        int
	Total    int
	Segments []htmlSegment
}

type htmlSegment struct {
	Severity string
	X, Width string
	Count    int
}

type htmlGroup struct {
	Kind, Title string
	Findings    []htmlFinding
}

type htmlFinding struct {
	Rule, Title, Severity, Area, Location, Message string
	Remediation, Note                              string
}

// chart geometry, in SVG user units.
const (
	chartLabelWidth = 120
	chartBarWidth   = 360
	chartRowHeight  = 26
)

func writeHTML(w io.Writer, d *engine.Decision, opts Options) error {
	idx := indexRules(opts.Rules)
	result := strings.ToUpper(d.Result)
	if result == "" {
		result = "UNKNOWN"
	}
	page := htmlPage{
		Result:       result,
		Environment:  cleanLine(d.Environment),
		Score:        formatScore(d.Score),
		Summary:      summaryLine(d),
		Total:        totalLine(d),
		Gauge:        gauge(d.Score),
		Objectives:   sortedObjectives(d),
		Scanners:     sortedScanners(d),
		InputDigest:  d.InputDigest,
		PolicyDigest: d.PolicyDigest,
		Version:      opts.Version,
		Severities:   severities,
		Style:        template.CSS(htmlStyle), //nolint:gosec // relgate's own embedded stylesheet, no input in it
		Script:       template.JS(htmlScript), //nolint:gosec // relgate's own embedded script, no input in it
	}
	counts := map[string]map[string]int{} // area → severity → findings not waived
	for _, g := range groups(d) {
		hg := htmlGroup{Kind: g.kind, Title: g.title}
		for _, f := range g.findings {
			info, known := idx[f.Rule]
			a := area(f.Rule, info, known)
			hf := htmlFinding{
				Rule:        cleanLine(f.Rule),
				Title:       cleanLine(idx.title(f)),
				Severity:    cleanLine(f.Severity),
				Area:        cleanLine(a),
				Location:    cleanLine(placeOf(f, opts).String()),
				Message:     cleanControl(idx.message(f)),
				Remediation: cleanControl(strings.TrimSpace(info.Remediation)),
			}
			if g.kind == kindWaived {
				hf.Note = cleanLine(waiverText(f.Waiver))
			} else {
				if counts[hf.Area] == nil {
					counts[hf.Area] = map[string]int{}
				}
				counts[hf.Area][severityKey(f.Severity)]++
			}
			hg.Findings = append(hg.Findings, hf)
		}
		page.Groups = append(page.Groups, hg)
	}
	page.Chart = chart(counts)
	// Render into memory first: a template error must not leave half a page.
	var buf bytes.Buffer
	if err := htmlTemplate.Execute(&buf, page); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}

// severityKey files an unknown severity under info, as the counts do.
func severityKey(s string) string {
	if slices.Contains(severities, s) {
		return s
	}
	return "info"
}

// gauge draws the score (0–100) on a circle of radius 52.
func gauge(score float64) htmlGauge {
	c := 2 * math.Pi * 52
	frac := min(max(score, 0), 100) / 100
	return htmlGauge{Circumference: fmt.Sprintf("%.2f", c), Dash: fmt.Sprintf("%.2f", c*frac)}
}

// chart lays out one bar per area, longest scale first by area name order.
func chart(counts map[string]map[string]int) htmlChart {
	areas := make([]string, 0, len(counts))
	maxTotal := 0
	for a, bySev := range counts {
		areas = append(areas, a)
		total := 0
		for _, n := range bySev {
			total += n
		}
		maxTotal = max(maxTotal, total)
	}
	slices.Sort(areas)
	ch := htmlChart{Max: maxTotal, Height: max(len(areas), 1) * chartRowHeight}
	for i, a := range areas {
		row := htmlChartRow{Area: a, Y: i * chartRowHeight}
		x := 0.0
		for _, s := range severities {
			n := counts[a][s]
			if n == 0 {
				continue
			}
			w := float64(n) / float64(maxTotal) * chartBarWidth
			row.Segments = append(row.Segments, htmlSegment{Severity: s, Count: n,
				X: fmt.Sprintf("%.1f", chartLabelWidth+x), Width: fmt.Sprintf("%.1f", w)})
			x += w
			row.Total += n
		}
		ch.Rows = append(ch.Rows, row)
	}
	return ch
}

// totalLine counts the open findings (violations and warnings) by severity,
// as trivy does: "Total: 17 (CRITICAL: 1, HIGH: 16)". Waived findings are
// counted by summaryLine, not here.
func totalLine(d *engine.Decision) string {
	by := map[string]int{}
	total := 0
	for _, fs := range [][]engine.Finding{d.Violations, d.Warnings} {
		for _, f := range fs {
			by[severityKey(f.Severity)]++
			total++
		}
	}
	parts := make([]string, 0, len(severities))
	for _, s := range severities {
		if by[s] > 0 {
			parts = append(parts, fmt.Sprintf("%s: %d", strings.ToUpper(s), by[s]))
		}
	}
	if len(parts) == 0 {
		return "Total: 0"
	}
	return fmt.Sprintf("Total: %d (%s)", total, strings.Join(parts, ", "))
}
