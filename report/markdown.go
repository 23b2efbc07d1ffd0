package report

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/relgate/relgate/engine"
)

// writeMarkdown writes a GitHub-flavoured Markdown summary, sized for
// $GITHUB_STEP_SUMMARY: a headline, the findings by kind, the objectives and
// the scanner runs. Every cell is escaped: findings quote text from the
// repository, which must render as text, never as markup.
func writeMarkdown(w io.Writer, d *engine.Decision, opts Options) error {
	bw := bufio.NewWriter(w)
	idx := indexRules(opts.Rules)

	result := strings.ToUpper(d.Result)
	if result == "" {
		result = "UNKNOWN"
	}
	fmt.Fprintf(bw, "## relgate: %s\n\n", mdText(result))
	fmt.Fprintf(bw, "**Result:** %s · **Score:** %s", mdText(result), formatScore(d.Score))
	if d.Environment != "" {
		fmt.Fprintf(bw, " · **Environment:** %s", mdText(d.Environment))
	}
	fmt.Fprintf(bw, "\n\n%s\n", mdText(summaryLine(d)))

	for _, g := range groups(d) {
		if len(g.findings) == 0 {
			continue
		}
		fmt.Fprintf(bw, "\n### %s (%d)\n\n", g.title, len(g.findings))
		if g.kind == kindWaived {
			fmt.Fprintln(bw, "| Rule | Severity | Location | Message | Approved by | Reason | Expires |")
			fmt.Fprintln(bw, "| --- | --- | --- | --- | --- | --- | --- |")
		} else {
			fmt.Fprintln(bw, "| Rule | Severity | Location | Message |")
			fmt.Fprintln(bw, "| --- | --- | --- | --- |")
		}
		for _, f := range g.findings {
			rule := "**" + mdText(f.Rule) + "**"
			if t := idx.title(f); t != f.Rule {
				rule += " " + mdText(t)
			}
			cells := []string{rule, mdText(f.Severity), mdText(placeOf(f, opts).String()), mdText(idx.message(f))}
			if g.kind == kindWaived {
				var who, why, until string
				if f.Waiver != nil {
					who, why, until = f.Waiver.Approver, f.Waiver.Reason, f.Waiver.Expires
					if f.Waiver.Ticket != "" {
						why = strings.TrimSpace(why + " (" + f.Waiver.Ticket + ")")
					}
				}
				cells = append(cells, mdText(who), mdText(why), mdText(until))
			}
			fmt.Fprintf(bw, "| %s |\n", strings.Join(cells, " | "))
		}
	}

	if objs := sortedObjectives(d); len(objs) > 0 {
		fmt.Fprint(bw, "\n### Objectives\n\n| Objective | Result | Weight | Key |\n| --- | --- | --- | --- |\n")
		for _, o := range objs {
			key := ""
			if o.Key {
				key = "yes"
			}
			fmt.Fprintf(bw, "| %s | %s | %s | %s |\n", mdText(o.Name), mdText(o.Result), formatScore(o.Weight), key)
		}
	}

	if runs := sortedScanners(d); len(runs) > 0 {
		fmt.Fprint(bw, "\n### Scanners\n\n| Scanner | Version | Status | Duration | Detail |\n| --- | --- | --- | --- | --- |\n")
		for _, r := range runs {
			fmt.Fprintf(bw, "| %s | %s | %s | %s | %s |\n", mdText(r.Name), mdText(r.Version), mdText(r.Status),
				formatDuration(r.DurationMS), mdText(scannerDetail(r)))
		}
	}

	if d.InputDigest != "" || d.PolicyDigest != "" || opts.Version != "" {
		var parts []string
		if d.InputDigest != "" {
			parts = append(parts, "input "+mdText(d.InputDigest))
		}
		if d.PolicyDigest != "" {
			parts = append(parts, "policy "+mdText(d.PolicyDigest))
		}
		if opts.Version != "" {
			parts = append(parts, "relgate "+mdText(opts.Version))
		}
		fmt.Fprintf(bw, "\n<sub>%s</sub>\n", strings.Join(parts, " · "))
	}
	return bw.Flush()
}

// mdText escapes text for a Markdown table cell: the characters that would
// end the cell, open markup or HTML are escaped, and line breaks become <br>
// so that a multi-line message stays in its row.
func mdText(s string) string {
	s = cleanControl(s)
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '\\', '`', '*', '_', '[', ']', '|', '~', '#', '!':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '\r':
			if i+1 < len(s) && s[i+1] == '\n' {
				continue
			}
			b.WriteString("<br>")
		case '\n':
			b.WriteString("<br>")
		case '\t':
			b.WriteByte(' ')
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}
