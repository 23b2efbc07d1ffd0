package engine

import (
	"maps"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// ruleCatalog is what policies may know of the rules compiled with them, as
// data.relgate.catalog: each rule id's title, package and most severe
// severity. The waiver rules need it — a waiver names a rule id, and how
// strictly it is governed (approver, lifetime) depends on that rule's
// severity even when no finding of the rule is there to say it.
func ruleCatalog(as *ast.AnnotationSet, modules map[string]*ast.Module) map[string]any {
	out := map[string]any{}
	for _, rm := range ruleMetadata(as, modules) {
		a, id := rm.ann, rm.id
		if id == "" {
			continue
		}
		sev, _ := a.Custom["severity"].(string)
		pkg := rm.path
		if len(pkg) > 1 {
			pkg = pkg[:len(pkg)-1]
		}
		if prev, seen := out[id].(map[string]any); seen {
			if SeverityRank(sev) < SeverityRank(prev["severity"].(string)) {
				prev["severity"] = sev
			}
			continue
		}
		out[id] = map[string]any{"severity": sev, "title": a.Title, "package": strings.TrimPrefix(pkg.String(), "data.")}
	}
	return out
}

// checkIDCollisions refuses user rules whose id is a built-in rule's: their
// findings, waivers and SARIF rule would be taken for the built-in one.
func checkIDCollisions(builtin, user map[string]*ast.Module) error {
	own := map[string]string{}
	for _, m := range builtin {
		for _, a := range m.Annotations {
			if id, _ := a.Custom["id"].(string); id != "" && (a.Scope == scopeRule || a.Scope == scopePackage) {
				own[id] = a.Title
			}
		}
	}
	var errs ast.Errors
	for _, name := range slices.Sorted(maps.Keys(user)) {
		for _, a := range user[name].Annotations {
			id, _ := a.Custom["id"].(string)
			if title, taken := own[id]; taken && (a.Scope == scopeRule || a.Scope == scopePackage) {
				errs = append(errs, ast.NewError(ast.CompileErr, a.Location, "rule id %s is the built-in rule %q: give the rule an id of the team's own prefix", id, title))
			}
		}
	}
	if len(errs) > 0 {
		return &PolicyError{Errs: errs}
	}
	return nil
}
