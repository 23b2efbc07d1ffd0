package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/fatih/color"
	"github.com/jedib0t/go-pretty/v6/table"
	"github.com/jedib0t/go-pretty/v6/text"
	"github.com/mattn/go-runewidth"

	"github.com/relgate/relgate/engine"
)

// DefaultTableWidth is the width the table fits when the caller knows none
// (Options.Width 0): a report piped to a file or a pager.
const DefaultTableWidth = 120

// Columns never squeezed below these widths, however narrow the terminal:
// a message column narrower than minMessageWidth is unreadable, so the
// location column gives way first, down to minLocationWidth.
const (
	minMessageWidth  = 24
	minLocationWidth = 16
)

// tableStyle lays the tables out as trivy's and gitleaks' plain output do:
// no borders, columns two spaces apart. The cells arrive already coloured,
// so go-pretty's own colours and case changes stay off.
var tableStyle = func() table.Style {
	s := table.StyleDefault
	s.Name = "relgate"
	s.Box.PaddingLeft, s.Box.PaddingRight, s.Box.MiddleVertical = "", "", "  "
	s.Format.Header, s.Format.Row = text.FormatDefault, text.FormatDefault
	s.Options = table.Options{SeparateColumns: true}
	return s
}()

// palette colours the table's text. fatih/color decides for itself from
// stdout and NO_COLOR at start-up; the table colours exactly when the
// caller says so.
type palette struct{ on bool }

func (p palette) paint(s string, attrs ...color.Attribute) string {
	if s == "" || len(attrs) == 0 {
		return s
	}
	c := color.New(attrs...)
	if p.on {
		c.EnableColor()
	} else {
		c.DisableColor()
	}
	return c.Sprint(s)
}

func resultColor(result string) []color.Attribute {
	switch result {
	case engine.ResultFail:
		return []color.Attribute{color.Bold, color.FgRed}
	case engine.ResultWarn:
		return []color.Attribute{color.Bold, color.FgYellow}
	case engine.ResultPass:
		return []color.Attribute{color.Bold, color.FgGreen}
	}
	return []color.Attribute{color.Bold}
}

func severityColor(sev string) []color.Attribute {
	switch engine.SeverityRank(sev) {
	case 0, 1:
		return []color.Attribute{color.FgRed}
	case 2:
		return []color.Attribute{color.FgYellow}
	case 3, 4:
		return []color.Attribute{color.FgCyan}
	}
	return nil
}

// tableRow is one finding laid out in columns.
type tableRow struct {
	rule, severity, location string
	message                  string // may hold line breaks
	note                     string // waiver, shown under the message
}

// writeTable writes the terminal report, fitted to opts.Width display
// columns: the message column (and the scanners' detail) wraps at word
// boundaries, so no line is wider than the terminal and no text is lost.
func writeTable(w io.Writer, d *engine.Decision, opts Options) error {
	bw := bufio.NewWriter(w)
	pal := palette{opts.Color}
	width := opts.Width
	if width <= 0 {
		width = DefaultTableWidth
	}
	idx := indexRules(opts.Rules)
	gs := groups(d)

	result := strings.ToUpper(cleanLine(d.Result))
	if result == "" {
		result = "UNKNOWN"
	}
	fmt.Fprintf(bw, "relgate %s  score %s", pal.paint(result, resultColor(d.Result)...), formatScore(d.Score))
	if d.Environment != "" {
		fmt.Fprintf(bw, "  environment %s", cleanLine(d.Environment))
	}
	fmt.Fprintf(bw, "\n%s\n%s\n", summaryLine(d), totalLine(d))

	// One set of column widths for every section, so the sections line up.
	rows := make([][]tableRow, len(gs))
	widths := [3]int{len("RULE"), len("SEVERITY"), len("LOCATION")}
	for i, g := range gs {
		for _, f := range g.findings {
			r := tableRow{
				rule:     cleanLine(f.Rule),
				severity: cleanLine(f.Severity),
				location: cleanLine(placeOf(f, opts).String()),
				message:  cleanControl(messageBreaks.Replace(idx.message(f))),
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
	// The indent and three two-space gaps, then the columns.
	msgW := width - 2 - 3*2 - widths[0] - widths[1] - widths[2]
	if msgW < minMessageWidth {
		widths[2] = max(widths[2]-(minMessageWidth-msgW), minLocationWidth)
		msgW = max(width-2-3*2-widths[0]-widths[1]-widths[2], minMessageWidth)
	}
	for i, g := range gs {
		if len(rows[i]) == 0 {
			continue
		}
		fmt.Fprintf(bw, "\n%s\n", pal.paint(fmt.Sprintf("%s (%d)", strings.ToUpper(g.title), len(rows[i])), color.Bold))
		t := newTable([]table.ColumnConfig{
			{Number: 1, WidthMin: widths[0]},
			{Number: 2, WidthMin: widths[1]},
			{Number: 3, WidthMin: widths[2], WidthMax: widths[2], WidthMaxEnforcer: text.WrapHard},
			{Number: 4, WidthMax: msgW, WidthMaxEnforcer: wrapMessage},
		})
		t.AppendHeader(dimRow(pal, "RULE", "SEVERITY", "LOCATION", "MESSAGE"))
		for _, r := range rows[i] {
			msg := r.message
			if r.note != "" {
				msg += "\n" + pal.paint(wrapMessage(r.note, msgW), color.Faint)
			}
			t.AppendRow(table.Row{pal.paint(r.rule, color.Bold), pal.paint(r.severity, severityColor(r.severity)...), r.location, msg})
		}
		writeRendered(bw, t)
	}

	if objs := sortedObjectives(d); len(objs) > 0 {
		parts := make([]string, 0, len(objs))
		for _, o := range objs {
			s := cleanLine(o.Name) + " " + pal.paint(cleanLine(o.Result), resultColor(o.Result)...)
			if o.Key {
				s += " (key)"
			}
			parts = append(parts, s)
		}
		fmt.Fprintf(bw, "\n%s\n", text.WrapSoft(pal.paint("OBJECTIVES", color.Bold)+" "+strings.Join(parts, " · "), width))
	}

	if runs := sortedScanners(d); len(runs) > 0 {
		nameW, statusW, durW := len("NAME"), len("STATUS"), len("DURATION")
		for _, r := range runs {
			nameW = max(nameW, runewidth.StringWidth(cleanLine(r.Name)))
			statusW = max(statusW, runewidth.StringWidth(cleanLine(r.Status)))
			durW = max(durW, len(formatDuration(r.DurationMS)))
		}
		fmt.Fprintf(bw, "\n%s\n", pal.paint(fmt.Sprintf("SCANNERS (%d)", len(runs)), color.Bold))
		t := newTable([]table.ColumnConfig{
			{Number: 4, WidthMax: max(width-2-3*2-nameW-statusW-durW, minMessageWidth), WidthMaxEnforcer: wrapMessage},
		})
		t.AppendHeader(dimRow(pal, "NAME", "STATUS", "DURATION", "DETAIL"))
		for _, r := range runs {
			var attrs []color.Attribute
			switch r.Status {
			case engine.StatusError:
				attrs = []color.Attribute{color.FgRed}
			case engine.StatusSkipped:
				attrs = []color.Attribute{color.FgYellow}
			}
			t.AppendRow(table.Row{cleanLine(r.Name), pal.paint(cleanLine(r.Status), attrs...), formatDuration(r.DurationMS), cleanLine(scannerDetail(r))})
		}
		writeRendered(bw, t)
	}

	if d.InputDigest != "" || d.PolicyDigest != "" {
		in, pol := "input "+orDash(cleanLine(d.InputDigest)), "policy "+orDash(cleanLine(d.PolicyDigest))
		if line := in + " · " + pol; runewidth.StringWidth(line) <= width {
			fmt.Fprintf(bw, "\n%s\n", pal.paint(line, color.Faint))
		} else {
			fmt.Fprintf(bw, "\n%s\n%s\n", pal.paint(in, color.Faint), pal.paint(pol, color.Faint))
		}
	}
	return bw.Flush()
}

func newTable(cols []table.ColumnConfig) table.Writer {
	t := table.NewWriter()
	t.SetStyle(tableStyle)
	t.SetColumnConfigs(cols)
	return t
}

func dimRow(pal palette, cells ...string) table.Row {
	row := make(table.Row, len(cells))
	for i, c := range cells {
		row[i] = pal.paint(c, color.Faint)
	}
	return row
}

// writeRendered writes the table indented by two spaces, without the
// padding go-pretty leaves after the last column.
func writeRendered(w io.Writer, t table.Writer) {
	for _, line := range strings.Split(t.Render(), "\n") {
		fmt.Fprintf(w, "  %s\n", strings.TrimRight(line, " "))
	}
}

// wrapMessage wraps each line of s at word boundaries to width cells,
// breaking a word only when it is longer than the line (a long path).
func wrapMessage(s string, width int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if runewidth.StringWidth(l) <= width {
			continue
		}
		var words []string
		for _, w := range strings.Split(l, " ") {
			if text.StringWidthWithoutEscSequences(w) > width {
				w = text.WrapHard(w, width)
			}
			words = append(words, w)
		}
		lines[i] = text.WrapSoft(strings.Join(words, " "), width)
	}
	return strings.Join(lines, "\n")
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
