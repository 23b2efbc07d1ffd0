package report

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"net/url"
	"slices"
	"strconv"
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
	fmt.Fprintf(bw, "**Result:** %s · **Score:** `%s` %s / 100", mdText(result), scoreBar(d.Score), formatScore(d.Score))
	if d.Environment != "" {
		fmt.Fprintf(bw, " · **Environment:** %s", mdText(d.Environment))
	}
	fmt.Fprintf(bw, "\n\n%s — %s\n", mdText(summaryLine(d)), mdText(totalLine(d)))
	writeChangeCounts(bw, d, opts)
	writeAreaCounts(bw, d, idx)

	for _, g := range groups(d) {
		if len(g.findings) == 0 {
			continue
		}
		// A long table is folded, so the verdict and the counts stay on
		// the first screen of the job summary.
		fold := len(g.findings) > markdownFoldAt
		if fold {
			fmt.Fprintf(bw, "\n<details><summary><b>%s (%d)</b></summary>\n\n", g.title, len(g.findings))
		} else {
			fmt.Fprintf(bw, "\n### %s (%d)\n\n", g.title, len(g.findings))
		}
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
			cells := []string{rule, mdText(f.Severity), mdLocation(placeOf(f, opts), d, opts), mdText(idx.message(f))}
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
		if fold {
			fmt.Fprint(bw, "\n</details>\n")
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

// markdownFoldAt is the longest findings table shown unfolded.
const markdownFoldAt = 10

// scoreBar draws the score (0–100) as ten cells.
func scoreBar(score float64) string {
	full := int(min(max(score, 0), 100) / 10)
	return strings.Repeat("█", full) + strings.Repeat("░", 10-full)
}

// writeAreaCounts tabulates the open findings (violations and warnings) by
// area and severity; only severities that occur get a column.
func writeAreaCounts(bw *bufio.Writer, d *engine.Decision, idx ruleIndex) {
	counts := map[string]map[string]int{}
	used := map[string]bool{}
	for _, fs := range [][]engine.Finding{d.Violations, d.Warnings} {
		for _, f := range fs {
			info, known := idx[f.Rule]
			a, sev := area(f.Rule, info, known), severityKey(f.Severity)
			if counts[a] == nil {
				counts[a] = map[string]int{}
			}
			counts[a][sev]++
			used[sev] = true
		}
	}
	if len(counts) == 0 {
		return
	}
	var cols []string
	for _, s := range severities {
		if used[s] {
			cols = append(cols, s)
		}
	}
	fmt.Fprintf(bw, "\n| Area | %s |\n|%s\n", strings.Join(cols, " | "), strings.Repeat(" --- |", len(cols)+1))
	for _, a := range slices.Sorted(maps.Keys(counts)) {
		cells := []string{mdText(a)}
		for _, s := range cols {
			cells = append(cells, strconv.Itoa(counts[a][s]))
		}
		fmt.Fprintf(bw, "| %s |\n", strings.Join(cells, " | "))
	}
}

// mdLocation is a finding's place, linked to the file and line on GitHub
// when the repository and the commit are known.
func mdLocation(p place, d *engine.Decision, opts Options) string {
	text := mdText(p.String())
	if opts.RepositoryURL == "" || p.config || d.Release == nil || d.Release.Commit == "" {
		return text
	}
	u := strings.TrimSuffix(opts.RepositoryURL, "/") + "/blob/" + url.PathEscape(d.Release.Commit) + "/" + escapePath(p.path)
	if p.startLine > 0 {
		u += fmt.Sprintf("#L%d", p.startLine)
		if p.endLine > p.startLine {
			u += fmt.Sprintf("-L%d", p.endLine)
		}
	}
	return "[" + text + "](" + u + ")"
}

// escapePath escapes each segment of a repository path for a URL; the
// result holds no character that could end a Markdown link.
func escapePath(p string) string {
	segs := strings.Split(p, "/")
	for i, s := range segs {
		segs[i] = strings.NewReplacer("(", "%28", ")", "%29").Replace(url.PathEscape(s))
	}
	return strings.Join(segs, "/")
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
