package engine

import (
	"maps"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// readsKey is the package METADATA key in which a built-in rule package
// declares the input sections its rules judge: `custom.reads: [secrets]`
// says that none of its rules can fire while input.secrets is empty.
const readsKey = "reads"

// sectionEmpty reports whether an input section is empty. A section it
// does not know is not empty: the package that reads it is compiled.
func (in *Input) sectionEmpty(name string) bool {
	switch name {
	case "secrets":
		return len(in.Secrets) == 0
	case "vulnerabilities":
		return len(in.Vulnerabilities) == 0
	case "containers":
		return len(in.Containers) == 0
	case "misconfigurations":
		return len(in.Misconfigurations) == 0
	case "migrations":
		return len(in.Migrations) == 0
	case "scanners":
		return len(in.Scanners) == 0
	}
	return false
}

// modulesFor returns the modules to compile for judging in alone: all of
// them but the built-in rule packages whose METADATA declares custom.reads
// and each of whose declared sections is empty in `in`. Compiling a rule
// package costs more than judging its facts; one whose facts are absent
// would find nothing. It fails safe: a package is left out whole, only when
// every one of its modules is built in, it declares what it reads, and no
// module that is compiled refers to it.
func modulesFor(modules map[string]*ast.Module, in *Input) map[string]*ast.Module {
	byPkg := map[string][]string{}
	for name, m := range modules {
		p := m.Package.Path.String()
		byPkg[p] = append(byPkg[p], name)
	}
	skip := map[string]bool{}
	for p, names := range byPkg {
		if !strings.HasPrefix(p, "data.relgate.rules.") {
			continue
		}
		var reads []string
		declared, builtin := false, true
		for _, name := range names {
			builtin = builtin && strings.HasPrefix(name, "policies/")
			for _, a := range modules[name].Annotations {
				if a.Scope != scopePackage {
					continue
				}
				if r, ok := a.Custom[readsKey].([]any); ok {
					declared = true
					for _, s := range r {
						sec, _ := s.(string)
						reads = append(reads, sec)
					}
				}
			}
		}
		if !builtin || !declared || len(reads) == 0 {
			continue
		}
		if !slices.ContainsFunc(reads, func(s string) bool { return !in.sectionEmpty(s) }) {
			skip[p] = true
		}
	}
	// A package some compiled module refers to is compiled too, and so
	// on until nothing changes.
	for changed := len(skip) > 0; changed; {
		changed = false
		for p := range skip {
			for q, names := range byPkg {
				if skip[q] || q == p {
					continue
				}
				if slices.ContainsFunc(names, func(n string) bool { return refersTo(modules[n], p) }) {
					delete(skip, p)
					changed = true
					break
				}
			}
		}
	}
	if len(skip) == 0 {
		return modules
	}
	out := make(map[string]*ast.Module, len(modules))
	for name, m := range modules {
		if !skip[m.Package.Path.String()] {
			out[name] = m
		}
	}
	return out
}

// refersTo reports whether m names package p (data.a.b) in an import or a
// reference.
func refersTo(m *ast.Module, p string) bool {
	for _, imp := range m.Imports {
		if s := imp.Path.String(); s == p || strings.HasPrefix(s, p+".") || strings.HasPrefix(p, s+".") {
			return true
		}
	}
	found := false
	ast.WalkRefs(m, func(r ast.Ref) bool {
		s := r.String()
		if s == p || strings.HasPrefix(s, p+".") || strings.HasPrefix(s, p+"[") {
			found = true
		}
		return found
	})
	return found
}

// annotationsOf is the annotation set of modules as the compiler would
// build it, for the rules of modules that were not compiled.
func annotationsOf(modules map[string]*ast.Module) *ast.AnnotationSet {
	ms := make([]*ast.Module, 0, len(modules))
	for _, name := range slices.Sorted(maps.Keys(modules)) {
		ms = append(ms, modules[name])
	}
	as, _ := ast.BuildAnnotationSet(ms)
	return as
}
