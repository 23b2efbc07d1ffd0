package engine

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"
)

// LintProblems is every finding of a lint decision, by file and line. Lint
// has no pass or warn for its author: each finding is a problem to fix, its
// severity only says how much it matters.
func LintProblems(d *Decision) []Finding {
	out := slices.Concat(d.Violations, d.Warnings)
	slices.SortStableFunc(out, func(a, b Finding) int {
		return cmp.Or(cmp.Compare(a.Location.Path, b.Location.Path), cmp.Compare(a.Location.StartLine, b.Location.StartLine),
			cmp.Compare(a.Rule, b.Rule), cmp.Compare(a.Message, b.Message))
	})
	return out
}

// WriteLintText writes lint problems the way compilers and linters do, one
// line each as file:line: ID severity: message, then a count, so that
// editors and terminals can jump to them. checked is the number of files
// linted, said when there is no problem so that an empty run is visible.
func WriteLintText(w io.Writer, d *Decision, checked int) error {
	var b strings.Builder
	problems := LintProblems(d)
	files := map[string]bool{}
	for _, f := range problems {
		switch {
		case f.Location.Path == "":
			// A load error without a position still names its cause.
		case f.Location.StartLine > 0:
			fmt.Fprintf(&b, "%s:%d: ", f.Location.Path, f.Location.StartLine)
		default:
			fmt.Fprintf(&b, "%s: ", f.Location.Path)
		}
		if f.Location.Path != "" {
			files[f.Location.Path] = true
		}
		fmt.Fprintf(&b, "%s %s: %s\n", f.Rule, f.Severity, f.Message)
	}
	if len(problems) == 0 {
		fmt.Fprintf(&b, "no problems in %s\n", plural(checked, "file"))
	} else {
		fmt.Fprintf(&b, "\n%s in %s\n", plural(len(problems), "problem"), plural(len(files), "file"))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// LintedFiles is the number of policy files lint looks at: the user's, or
// the built-in ones when the user named none.
func (w *Workbench) LintedFiles() int { return len(w.subject()) }
