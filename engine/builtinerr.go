package engine

import (
	"errors"
	"fmt"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/topdown"
)

// RuleError is a builtin that failed while a rule was evaluated (a bad
// regex, a string where a number was expected). Evaluation is strict, so
// the rule did not silently fail to fire: the decision cannot be made, and
// the error says which rule to fix — its id from METADATA where it has
// one, its document, and the file and line of the failing call.
type RuleError struct {
	// ID is the rule's METADATA id ("" for a rule without one, e.g. a
	// helper function).
	ID string
	// Rule is the rule's document, e.g. data.relgate.rules.num.deny.
	Rule string
	// File and Line locate the call that failed.
	File string
	Line int
	// Err is OPA's error.
	Err *topdown.Error
}

func (e *RuleError) Error() string {
	var b strings.Builder
	b.WriteString("rule ")
	if e.ID != "" {
		fmt.Fprintf(&b, "%s (%s)", e.ID, e.Rule)
	} else {
		b.WriteString(e.Rule)
	}
	fmt.Fprintf(&b, " failed at %s:%d: %s", e.File, e.Line, e.Err.Message)
	return b.String()
}

func (e *RuleError) Unwrap() error { return e.Err }

// ruleError names the rule a strict builtin error came from; any other
// error is returned as it is.
func (e *Engine) ruleError(err error) error {
	var te *topdown.Error
	if !errors.As(err, &te) || te.Code != topdown.BuiltinErr || te.Location == nil || e.compiler == nil {
		return err
	}
	loc := te.Location
	r := enclosingRule(e.compiler.Modules, loc)
	if r == nil {
		return err
	}
	re := &RuleError{Rule: ruleDocRef(r).String(), File: loc.File, Line: loc.Row, Err: te}
	for _, rm := range ruleMetadata(e.compiler.GetAnnotationSet(), e.compiler.Modules) {
		if rm.rule == r || rm.rule.Location.Equal(r.Location) {
			re.ID = rm.id
			break
		}
	}
	return re
}

// enclosingRule is the rule whose text holds loc.
func enclosingRule(modules map[string]*ast.Module, loc *ast.Location) *ast.Rule {
	for _, m := range modules {
		for _, r := range m.Rules {
			rl := r.Location
			if rl == nil || rl.File != loc.File {
				continue
			}
			end := rl.Row + strings.Count(string(rl.Text), "\n")
			if loc.Row >= rl.Row && loc.Row <= end {
				return r
			}
		}
	}
	return nil
}
