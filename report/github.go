package report

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/relgate/relgate/engine"
)

// writeGitHub writes GitHub Actions workflow commands that annotate the
// change: ::error for violations, ::warning for warnings, ::notice for waived
// findings. Findings without a file are pinned to the config file so that
// every annotation has a place.
func writeGitHub(w io.Writer, d *engine.Decision, opts Options) error {
	bw := bufio.NewWriter(w)
	idx := indexRules(opts.Rules)
	// The decision itself comes first, as a notice without a file: the
	// result and the score show in the run's annotations too.
	if d.Result != "" {
		summary := fmt.Sprintf("%s, score %s", strings.ToUpper(d.Result), formatScore(d.Score))
		if d.Environment != "" {
			summary += " in " + d.Environment
		}
		summary += " — " + summaryLine(d)
		fmt.Fprintf(bw, "::notice title=%s::%s\n", escapeProperty("relgate "+strings.ToUpper(d.Result)), escapeData(summary))
	}
	for _, g := range groups(d) {
		command := map[string]string{kindViolation: "error", kindWarning: "warning", kindWaived: "notice"}[g.kind]
		for _, f := range g.findings {
			pl := placeOf(f, opts)
			var props []string
			if pl.path != "" {
				props = append(props, "file="+escapeProperty(pl.path))
			}
			line := pl.startLine
			if pl.config {
				line = 1
			}
			if line > 0 && pl.path != "" {
				props = append(props, "line="+strconv.Itoa(line))
				if pl.endLine > line {
					props = append(props, "endLine="+strconv.Itoa(pl.endLine))
				}
				// GitHub reads columns only within one line.
				if pl.startCol > 0 && (pl.endLine == 0 || pl.endLine == line) {
					props = append(props, "col="+strconv.Itoa(pl.startCol))
					if pl.endCol > 0 {
						props = append(props, "endColumn="+strconv.Itoa(pl.endCol))
					}
				}
			}
			title := f.Rule
			if t := idx.title(f); t != f.Rule {
				title = strings.TrimSpace(f.Rule + " " + t)
			}
			props = append(props, "title="+escapeProperty(title))

			msg := idx.message(f)
			if sev := strings.TrimSpace(f.Severity); sev != "" {
				msg = fmt.Sprintf("[%s] %s", sev, msg)
			}
			if g.kind == kindWaived {
				msg += "\n" + waiverText(f.Waiver)
			}
			fmt.Fprintf(bw, "::%s %s::%s\n", command, strings.Join(props, ","), escapeData(msg))
		}
	}
	return bw.Flush()
}

// escapeData escapes a workflow command's message the way the Actions
// toolkit does, so a finding's text can neither end the command early nor
// start a new one on a fresh line.
func escapeData(s string) string {
	return dataEscaper.Replace(cleanControl(s))
}

// Replacers are built once: building one per call dominated the writer.
var (
	dataEscaper     = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A")
	propertyEscaper = strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C")
)

// escapeProperty additionally escapes the property separators.
func escapeProperty(s string) string {
	return propertyEscaper.Replace(cleanControl(s))
}
