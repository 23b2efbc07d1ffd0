package engine

import (
	"maps"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
)

// builtinRule is where a built-in rule is defined.
type builtinRule struct {
	file     string
	row      int
	complete bool
}

// completeRule reports whether a rule yields one value per path: a complete
// rule (decision, a default) or a function. Two definitions of such a rule
// with different values are OPA's conflict error at evaluation time.
func completeRule(r *ast.Rule) bool {
	return len(r.Head.Args) > 0 || (r.Head.RuleKind() == ast.SingleValue && r.Head.Ref().IsGround())
}

func ruleKey(m *ast.Module, r *ast.Rule) string {
	return m.Package.Path.String() + "." + r.Head.Ref().GroundPrefix().String()
}

// checkRuleCollisions refuses a user policy that defines a rule the built-in
// policies define as complete (relgate.main.decision, a default), or that
// defines as complete a rule they extend: OPA would only fail at evaluation
// (exit 3, a conflict error) or, worse, let the user's value win. Adding
// deny/warn results to a built-in package stays allowed.
func checkRuleCollisions(builtin, user map[string]*ast.Module) error {
	own := map[string]builtinRule{}
	for _, name := range slices.Sorted(maps.Keys(builtin)) {
		m := builtin[name]
		for _, r := range m.Rules {
			key := ruleKey(m, r)
			if _, seen := own[key]; seen {
				continue
			}
			row := 0
			if r.Location != nil {
				row = r.Location.Row
			}
			own[key] = builtinRule{file: name, row: row, complete: completeRule(r)}
		}
	}
	var errs ast.Errors
	for _, name := range slices.Sorted(maps.Keys(user)) {
		m := user[name]
		for _, r := range m.Rules {
			key := ruleKey(m, r)
			b, taken := own[key]
			if !taken || (!b.complete && !completeRule(r)) {
				continue
			}
			errs = append(errs, ast.NewError(ast.CompileErr, r.Location,
				"rule %s collides with the built-in rule defined at %s:%d: rename the rule or move it to a package of its own", key, b.file, b.row))
		}
	}
	if len(errs) > 0 {
		return &PolicyError{Errs: errs}
	}
	return nil
}
