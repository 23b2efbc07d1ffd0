// Package report writes relgate's decision in the formats people and tools
// read: a terminal table, the decision's JSON, SARIF for code scanning, JUnit
// for CI test views, Markdown for a job summary, GitHub workflow
// annotations, and a self-contained HTML page.
//
// Reporters present; they never judge. Severity only picks a colour, a SARIF
// level or an annotation kind. Every writer is deterministic: the same
// decision gives the same bytes, so reports can be diffed and golden-tested.
package report

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/relgate/relgate/engine"
)

// Options carries what a reporter needs beyond the decision itself.
type Options struct {
	Version    string            // relgate version (tool.driver.version)
	Rules      []engine.RuleInfo // every known rule, from the engine (METADATA)
	ConfigFile string            // repo-relative path of the config file, when there is one: the location for findings without a file (empty: they have none)
	Color      bool              // table only: ANSI colours (caller decides: TTY and no NO_COLOR)
	// Width is the display width the table fits (table only): the message
	// and detail columns wrap to it. 0 means DefaultTableWidth.
	Width int
	// RepositoryURL is the repository's web address (https://github.com/OWNER/REPO):
	// with the decision's commit, Markdown links each location to its file and line.
	RepositoryURL string
	// Base is the base of a PR-mode run (--base): Markdown then counts new
	// and pre-existing findings.
	Base string
}

// Formats lists the report formats Write accepts.
func Formats() []string {
	return []string{"table", "json", "sarif", "junit", "markdown", "github", "html"}
}

// Write writes d to w in format. An unknown format is an error.
func Write(w io.Writer, format string, d *engine.Decision, opts Options) error {
	if d == nil {
		return fmt.Errorf("write %s report: no decision", format)
	}
	var err error
	switch format {
	case "table":
		err = writeTable(w, d, opts)
	case "json":
		err = d.Encode(w)
	case "sarif":
		err = writeSARIF(w, d, opts, githubLimits)
	case "junit":
		err = writeJUnit(w, d, opts)
	case "markdown":
		err = writeMarkdown(w, d, opts)
	case "github":
		err = writeGitHub(w, d, opts)
	case "html":
		err = writeHTML(w, d, opts)
	default:
		return fmt.Errorf("write report: unknown format %q (want one of %s)", format, strings.Join(Formats(), ", "))
	}
	if err != nil {
		return fmt.Errorf("write %s report: %w", format, err)
	}
	return nil
}

// Kinds of findings, in the order every report lists them.
const (
	kindViolation = "violation"
	kindWarning   = "warning"
	kindWaived    = "waived"
)

// group is one kind of finding with its findings in presentation order.
type group struct {
	kind     string
	title    string
	findings []engine.Finding
}

// groups returns the decision's findings by kind, each sorted: the engine
// sorts a decision it makes, but a decision read back or built by a caller
// may not be, and the bytes must not depend on it.
func groups(d *engine.Decision) []group {
	return []group{
		{kindViolation, "Violations", sortedFindings(d.Violations)},
		{kindWarning, "Warnings", sortedFindings(d.Warnings)},
		{kindWaived, "Waived", sortedFindings(d.Waived)},
	}
}

func sortedFindings(fs []engine.Finding) []engine.Finding {
	out := slices.Clone(fs)
	slices.SortStableFunc(out, compareFindings)
	return out
}

func compareFindings(a, b engine.Finding) int {
	return cmp.Or(
		cmp.Compare(engine.SeverityRank(a.Severity), engine.SeverityRank(b.Severity)),
		cmp.Compare(a.Rule, b.Rule),
		cmp.Compare(a.Location.Path, b.Location.Path),
		cmp.Compare(a.Location.StartLine, b.Location.StartLine),
		cmp.Compare(a.Location.StartColumn, b.Location.StartColumn),
		cmp.Compare(a.Location.Commit, b.Location.Commit),
		cmp.Compare(a.Fingerprint, b.Fingerprint),
		cmp.Compare(a.Message, b.Message),
	)
}

func sortedScanners(d *engine.Decision) []engine.ScannerRun {
	out := slices.Clone(d.Scanners)
	slices.SortStableFunc(out, func(a, b engine.ScannerRun) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// scannerDetail is what a report says beside a scanner's status: its error,
// or why it was skipped — never an empty "skipped:".
func scannerDetail(r engine.ScannerRun) string {
	switch {
	case r.Error != "":
		return r.Error
	case r.Status == engine.StatusSkipped && r.Reason != "":
		return r.Reason
	case r.Status == engine.StatusSkipped:
		return engine.ReasonUnknown
	}
	return ""
}

func sortedObjectives(d *engine.Decision) []engine.Objective {
	out := slices.Clone(d.Objectives)
	slices.SortStableFunc(out, func(a, b engine.Objective) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

func findingCount(d *engine.Decision) int {
	return len(d.Violations) + len(d.Warnings) + len(d.Waived)
}

// place is where a finding points: its own file, or the config file for
// facts that have none (approvals, SLOs, release metadata).
type place struct {
	path             string
	startLine        int
	endLine          int
	startCol, endCol int
	config           bool // the path is the config file stand-in
}

func placeOf(f engine.Finding, opts Options) place {
	p := strings.TrimPrefix(f.Location.Path, "./")
	if p == "" {
		if opts.ConfigFile == "" {
			// Never a file that does not exist: no file, no location.
			return place{}
		}
		return place{path: opts.ConfigFile, config: true}
	}
	pl := place{path: p, startLine: max(f.Location.StartLine, 0), startCol: max(f.Location.StartColumn, 0)}
	if f.Location.EndLine >= pl.startLine && pl.startLine > 0 {
		pl.endLine = f.Location.EndLine
	}
	if f.Location.EndColumn > 0 && pl.startCol > 0 && (pl.endLine > pl.startLine || f.Location.EndColumn >= pl.startCol) {
		pl.endCol = f.Location.EndColumn
	}
	return pl
}

// String is the human form: path, path:line or path:line-end.
func (p place) String() string {
	switch {
	case p.startLine == 0:
		return p.path
	case p.endLine > p.startLine:
		return fmt.Sprintf("%s:%d-%d", p.path, p.startLine, p.endLine)
	default:
		return fmt.Sprintf("%s:%d", p.path, p.startLine)
	}
}

// ruleIndex looks rules up by id. Lookups only: anything written in rule
// order iterates a sorted slice, never this map.
type ruleIndex map[string]engine.RuleInfo

func indexRules(rules []engine.RuleInfo) ruleIndex {
	idx := make(ruleIndex, len(rules))
	for _, r := range rules {
		if _, dup := idx[r.ID]; !dup { // the engine lists an id once; keep the first if not
			idx[r.ID] = r
		}
	}
	return idx
}

// title is what a finding is called: its own title, its rule's, or its id.
func (idx ruleIndex) title(f engine.Finding) string {
	if f.Title != "" {
		return f.Title
	}
	if r, ok := idx[f.Rule]; ok && r.Title != "" {
		return r.Title
	}
	return f.Rule
}

// area names the rule's policy area: the package's last segment
// (relgate.rules.secrets → secrets), or the id's letter prefix for rules the
// engine did not describe (SEC001 → sec).
func area(ruleID string, info engine.RuleInfo, known bool) string {
	if known && info.Package != "" {
		pkg := info.Package
		return pkg[strings.LastIndexByte(pkg, '.')+1:]
	}
	end := strings.IndexFunc(ruleID, func(r rune) bool { return !('A' <= r && r <= 'Z' || 'a' <= r && r <= 'z') })
	if end < 0 {
		end = len(ruleID)
	}
	if end == 0 {
		return "other"
	}
	return strings.ToLower(ruleID[:end])
}

// message is a finding's text, never empty.
func (idx ruleIndex) message(f engine.Finding) string {
	if strings.TrimSpace(f.Message) != "" {
		return f.Message
	}
	return idx.title(f)
}

// waiverText says who accepted a waived finding, why and until when.
func waiverText(w *engine.Waiver) string {
	if w == nil {
		return "waived"
	}
	parts := []string{}
	if w.Approver != "" {
		parts = append(parts, "approved by "+w.Approver)
	}
	if w.Expires != "" {
		parts = append(parts, "until "+w.Expires)
	}
	if w.Ticket != "" {
		parts = append(parts, "ticket "+w.Ticket)
	}
	s := "waived"
	if len(parts) > 0 {
		s += " (" + strings.Join(parts, ", ") + ")"
	}
	if w.Reason != "" {
		s += ": " + w.Reason
	}
	return s
}

// cleanControl makes untrusted text safe for a terminal or a log: findings
// quote file paths, commit subjects and scanner errors, and an escape
// sequence in any of them must not reach the reader's terminal. Newlines and
// tabs and carriage returns are kept for the caller to lay out.
func cleanControl(s string) string {
	if !strings.ContainsFunc(s, isUnsafeControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case isUnsafeControl(r) && r <= 0xff:
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		case isUnsafeControl(r):
			fmt.Fprintf(&b, "\\u%04x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isUnsafeControl(r rune) bool {
	return r < 0x20 && r != '\n' && r != '\r' && r != '\t' || r == 0x7f || 0x80 <= r && r < 0xa0 ||
		r == '\u2028' || r == '\u2029' || 0x202a <= r && r <= 0x202e || 0x2066 <= r && r <= 0x2069 // bidi overrides: Trojan Source
}
