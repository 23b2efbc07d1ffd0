package engine

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
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
// editors and terminals can jump to them. Then what was checked: the file
// count (so that an empty run is visible) and where the rules' METADATA
// was found.
func WriteLintText(w io.Writer, d *Decision, checked LintScope) error {
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
		fmt.Fprintf(&b, "no problems in %s\n", plural(checked.Files, "file"))
	} else {
		fmt.Fprintf(&b, "\n%s in %s\n", plural(len(problems), "problem"), plural(len(files), "file"))
	}
	if checked.RuleScope+checked.PackageScope > 0 {
		fmt.Fprintf(&b, "METADATA of the deny and warn rules: %d rule-scope, %d package-scope\n", checked.RuleScope, checked.PackageScope)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// LintScope is what lint looked at.
type LintScope struct {
	// Files is the number of policy files linted: the user's, or the
	// built-in ones when the user named none.
	Files int
	// RuleScope and PackageScope count the deny and warn rules whose id
	// comes from their own METADATA block and from their package's.
	RuleScope, PackageScope int
}

// LintScope says what Lint looks at.
func (w *Workbench) LintScope() LintScope {
	subject := w.subject()
	s := LintScope{Files: len(subject)}
	mods := make([]*ast.Module, 0, len(w.Modules))
	byName := map[string]*ast.Module{}
	for name, m := range w.Modules {
		mods = append(mods, m)
		if slices.Contains(subject, name) && !isTestFile(name) {
			byName[name] = m
		}
	}
	as, _ := ast.BuildAnnotationSet(mods) // errors are lint's (POL001)
	for _, rm := range ruleMetadata(as, byName) {
		if ruleKind(rm.rule) == "" || rm.id == "" || !slices.Contains(subject, rm.rule.Location.File) {
			continue
		}
		if rm.scope == scopePackage {
			s.PackageScope++
		} else {
			s.RuleScope++
		}
	}
	return s
}
