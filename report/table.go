package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/mattn/go-runewidth"

	"github.com/relgate/relgate/engine"
)

// ANSI styles for the table; used only when Options.Color is set.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

type tableWriter struct {
	w     *bufio.Writer
	color bool
}

func (t *tableWriter) style(s, code string) string {
	if !t.color || code == "" || s == "" {
		return s
	}
	return code + s + ansiReset
}

// pad fills s to width display columns; padding is computed on the plain
// text so colour codes never break the alignment.
func pad(s string, width int) string {
	return s + strings.Repeat(" ", max(width-runewidth.StringWidth(s), 0))
}

func resultStyle(result string) string {
	switch result {
	case engine.ResultFail:
		return ansiBold + ansiRed
	case engine.ResultWarn:
		return ansiBold + ansiYellow
	case engine.ResultPass:
		return ansiBold + ansiGreen
	}
	return ansiBold
}

func severityStyle(sev string) string {
	switch engine.SeverityRank(sev) {
	case 0, 1:
		return ansiRed
	case 2:
		return ansiYellow
	case 3, 4:
		return ansiCyan
	}
	return ""
}

// tableRow is one finding laid out in columns.
type tableRow struct {
	rule, severity, location string
	message                  []string // lines
	note                     string   // waiver, shown under the message
}

func writeTable(w io.Writer, d *engine.Decision, opts Options) error {
	t := &tableWriter{w: bufio.NewWriter(w), color: opts.Color}
	idx := indexRules(opts.Rules)
	gs := groups(d)

	result := strings.ToUpper(cleanLine(d.Result))
	if result == "" {
		result = "UNKNOWN"
	}
	fmt.Fprintf(t.w, "relgate %s  score %s", t.style(result, resultStyle(d.Result)), formatScore(d.Score))
	if d.Environment != "" {
		fmt.Fprintf(t.w, "  environment %s", cleanLine(d.Environment))
	}
	fmt.Fprintf(t.w, "\n%s\n%s\n", summaryLine(d), totalLine(d))

	// One set of column widths for every section, so the sections line up.
	rows := make([][]tableRow, len(gs))
	widths := [3]int{len("RULE"), len("SEVERITY"), len("LOCATION")}
	for i, g := range gs {
		for _, f := range g.findings {
			r := tableRow{
				rule:     cleanLine(f.Rule),
				severity: cleanLine(f.Severity),
				location: cleanLine(placeOf(f, opts).String()),
				message:  strings.Split(cleanControl(messageBreaks.Replace(idx.message(f))), "\n"),
			}
			if g.kind == kindWaived {
				r.note = cleanLine(waiverText(f.Waiver))
			}
			for c, s := range []string{r.rule, r.severity, r.location} {
				widths[c] = max(widths[c], runewidth.StringWidth(s))
			}
			rows[i] = append(rows[i], r)
		}
	}
	indent := 2 + widths[0] + 2 + widths[1] + 2 + widths[2] + 2
	for i, g := range gs {
		if len(rows[i]) == 0 {
			continue
		}
		fmt.Fprintf(t.w, "\n%s\n", t.style(fmt.Sprintf("%s (%d)", strings.ToUpper(g.title), len(rows[i])), ansiBold))
		fmt.Fprintf(t.w, "  %s  %s  %s  %s\n", t.style(pad("RULE", widths[0]), ansiDim), t.style(pad("SEVERITY", widths[1]), ansiDim),
			t.style(pad("LOCATION", widths[2]), ansiDim), t.style("MESSAGE", ansiDim))
		for _, r := range rows[i] {
			fmt.Fprintf(t.w, "  %s  %s  %s  %s\n", t.style(pad(r.rule, widths[0]), ansiBold),
				t.style(pad(r.severity, widths[1]), severityStyle(r.severity)), pad(r.location, widths[2]), r.message[0])
			for _, line := range r.message[1:] {
				fmt.Fprintf(t.w, "%s%s\n", strings.Repeat(" ", indent), line)
			}
			if r.note != "" {
				fmt.Fprintf(t.w, "%s%s\n", strings.Repeat(" ", indent), t.style(r.note, ansiDim))
			}
		}
	}

	if objs := sortedObjectives(d); len(objs) > 0 {
		parts := make([]string, 0, len(objs))
		for _, o := range objs {
			s := cleanLine(o.Name) + " " + t.style(cleanLine(o.Result), resultStyle(o.Result))
			if o.Key {
				s += " (key)"
			}
			parts = append(parts, s)
		}
		fmt.Fprintf(t.w, "\n%s %s\n", t.style("OBJECTIVES", ansiBold), strings.Join(parts, " · "))
	}

	if runs := sortedScanners(d); len(runs) > 0 {
		nameW, statusW, durW := len("NAME"), len("STATUS"), len("DURATION")
		for _, r := range runs {
			nameW = max(nameW, runewidth.StringWidth(cleanLine(r.Name)))
			statusW = max(statusW, runewidth.StringWidth(cleanLine(r.Status)))
			durW = max(durW, len(formatDuration(r.DurationMS)))
		}
		fmt.Fprintf(t.w, "\n%s\n", t.style(fmt.Sprintf("SCANNERS (%d)", len(runs)), ansiBold))
		fmt.Fprintf(t.w, "  %s  %s  %s  %s\n", t.style(pad("NAME", nameW), ansiDim), t.style(pad("STATUS", statusW), ansiDim),
			t.style(pad("DURATION", durW), ansiDim), t.style("DETAIL", ansiDim))
		for _, r := range runs {
			status := cleanLine(r.Status)
			style := ""
			switch r.Status {
			case engine.StatusError:
				style = ansiRed
			case engine.StatusSkipped:
				style = ansiYellow
			}
			line := fmt.Sprintf("  %s  %s  %s  %s", pad(cleanLine(r.Name), nameW), t.style(pad(status, statusW), style),
				pad(formatDuration(r.DurationMS), durW), cleanLine(scannerDetail(r)))
			fmt.Fprintln(t.w, strings.TrimRight(line, " "))
		}
	}

	if d.InputDigest != "" || d.PolicyDigest != "" {
		fmt.Fprintf(t.w, "\n%s\n", t.style(fmt.Sprintf("input %s · policy %s", orDash(cleanLine(d.InputDigest)), orDash(cleanLine(d.PolicyDigest))), ansiDim))
	}
	return t.w.Flush()
}

// summaryLine counts the findings by kind: "2 violations · 1 warning · 0 waived".
func summaryLine(d *engine.Decision) string {
	return fmt.Sprintf("%s · %s · %d waived", plural(len(d.Violations), "violation"), plural(len(d.Warnings), "warning"), len(d.Waived))
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return strconv.Itoa(n) + " " + word + "s"
}

func formatScore(score float64) string {
	return strconv.FormatFloat(score, 'f', -1, 64)
}

func formatDuration(ms int64) string {
	return (time.Duration(ms) * time.Millisecond).String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// cleanLine is cleanControl for one-line fields: line breaks become spaces.
func cleanLine(s string) string {
	return cleanControl(lineBreaks.Replace(s))
}

var (
	lineBreaks    = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ", "\t", " ")
	messageBreaks = strings.NewReplacer("\r\n", "\n", "\r", "\n", "\t", " ")
)
