package engine

import (
	"maps"
	"slices"

	"github.com/open-policy-agent/opa/v1/ast"
)

// Where a rule's id was found: its own METADATA block, or its package's
// (`scope: package` before `package`, one rule id per package — the layout
// trivy-checks uses).
const (
	scopeRule    = "rule"
	scopePackage = "package"
)

// ruleMeta is the METADATA a rule reports under.
type ruleMeta struct {
	// ann is the rule's METADATA; for a package-scope id, the package's
	// block with whatever the rule's own block sets laid over it, as
	// rego.metadata.chain() reads them (nearest first).
	ann   *ast.Annotations
	id    string
	scope string
	rule  *ast.Rule
	// path is the rule's document, data.<package>.<name>.
	path ast.Ref
}

// ruleMetadata lists the METADATA of every rule with a rule-scope block,
// and of every deny and warn rule that takes its id from a package-scope
// block, in OPA's annotation order (by rule path, then location). Rules
// whose own block has no id are listed too, with id "", for lint to say so.
func ruleMetadata(as *ast.AnnotationSet, modules map[string]*ast.Module) []ruleMeta {
	if as == nil {
		return nil
	}
	var out []ruleMeta
	for _, ref := range as.Flatten() {
		a, r := ref.Annotations, ref.GetRule()
		if a == nil || r == nil || a.Scope != scopeRule {
			continue
		}
		id := idOf(a)
		if id == "" && ruleKind(r) != "" && packageID(as, r) != "" {
			continue // listed below, with the package's id
		}
		out = append(out, ruleMeta{ann: a, id: id, scope: scopeRule, rule: r, path: ref.Path})
	}
	for _, name := range slices.Sorted(maps.Keys(modules)) {
		m := modules[name]
		pa := as.GetPackageScope(m.Package)
		if idOf(pa) == "" {
			continue
		}
		for _, r := range m.Rules {
			if ruleKind(r) == "" || ownID(as, r) != "" {
				continue
			}
			a := pa.Copy(nil)
			for _, ra := range as.GetRuleScope(r) {
				overlay(a, ra)
			}
			out = append(out, ruleMeta{ann: a, id: idOf(a), scope: scopePackage, rule: r, path: ruleDocRef(r)})
		}
	}
	slices.SortStableFunc(out, func(x, y ruleMeta) int {
		if c := x.path.Compare(y.path); c != 0 {
			return c
		}
		return x.rule.Location.Compare(y.rule.Location)
	})
	return out
}

// ownID is the id a rule's own METADATA gives it.
func ownID(as *ast.AnnotationSet, r *ast.Rule) string {
	for _, a := range as.GetRuleScope(r) {
		if id := idOf(a); id != "" {
			return id
		}
	}
	return ""
}

// packageID is the id the package-scope METADATA of r's package gives.
func packageID(as *ast.AnnotationSet, r *ast.Rule) string {
	if r.Module == nil {
		return ""
	}
	return idOf(as.GetPackageScope(r.Module.Package))
}

func idOf(a *ast.Annotations) string {
	if a == nil {
		return ""
	}
	id, _ := a.Custom["id"].(string)
	return id
}

// overlay lays a rule's own METADATA over its package's, field by field,
// as rego.metadata.chain() merged nearest-first does.
func overlay(dst, src *ast.Annotations) {
	if src.Title != "" {
		dst.Title = src.Title
	}
	if src.Description != "" {
		dst.Description = src.Description
	}
	if len(src.RelatedResources) > 0 {
		dst.RelatedResources = src.RelatedResources
	}
	if len(src.Custom) > 0 {
		if dst.Custom == nil {
			dst.Custom = map[string]any{}
		}
		maps.Copy(dst.Custom, src.Custom)
	}
}
