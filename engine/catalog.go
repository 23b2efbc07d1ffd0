package engine

import (
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// ruleCatalog is what policies may know of the rules compiled with them, as
// data.relgate.catalog: each rule id's title, package and most severe
// severity. The waiver rules need it — a waiver names a rule id, and how
// strictly it is governed (approver, lifetime) depends on that rule's
// severity even when no finding of the rule is there to say it.
func ruleCatalog(c *ast.Compiler) map[string]any {
	out := map[string]any{}
	for _, ref := range c.GetAnnotationSet().Flatten() {
		a := ref.Annotations
		if a == nil || a.Scope != "rule" {
			continue
		}
		id, _ := a.Custom["id"].(string)
		if id == "" {
			continue
		}
		sev, _ := a.Custom["severity"].(string)
		pkg := ref.Path
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
