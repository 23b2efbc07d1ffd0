package main

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
)

// deps knows which policy modules can see which: a mutant is tested only
// against the tests that can observe it, compiled with only the modules
// those tests need. Compiling every module for every mutant is what made
// the check too slow for CI; a test that cannot reach a package through
// its data references cannot notice a change to it.
type deps struct {
	modules map[string]*ast.Module
	pkg     map[string]ast.Ref   // module -> its package path (data.…)
	refs    map[string][]ast.Ref // module -> the ground prefixes of the data references it makes
}

func newDeps(modules map[string]*ast.Module) *deps {
	d := &deps{modules: modules, pkg: map[string]ast.Ref{}, refs: map[string][]ast.Ref{}}
	for name, m := range modules {
		d.pkg[name] = m.Package.Path
		ast.WalkRefs(m, func(r ast.Ref) bool {
			if r.HasPrefix(ast.DefaultRootRef) {
				d.refs[name] = append(d.refs[name], r.ConstantPrefix())
			}
			return false
		})
	}
	return d
}

// isTest says whether a module holds tests rather than policy.
func isTest(name string) bool { return strings.HasSuffix(name, "_test.rego") }

// reaches says whether a reference with ground prefix r may read package
// path p: r names p or something inside it (data.relgate.lib.x), or p lies
// under r (data.relgate.rules[_] reads every rule package).
func reaches(r, p ast.Ref) bool { return r.HasPrefix(p) || p.HasPrefix(r) }

// closure returns the roots and every policy module they reach, directly
// or through other policy modules. Test modules are never pulled in as
// dependencies of policy (data.relgate.rules[_] must not drag in every
// rule's tests), only as the other test files of a test root's package.
func (d *deps) closure(roots []string) map[string]*ast.Module {
	out := map[string]*ast.Module{}
	queue := append([]string(nil), roots...)
	for len(queue) > 0 {
		name := queue[0]
		queue = queue[1:]
		if _, done := out[name]; done {
			continue
		}
		out[name] = d.modules[name]
		for other := range d.modules {
			if _, done := out[other]; done {
				continue
			}
			if isTest(other) {
				// The test files of one package share their helpers
				// (main/change_test.rego reads main_test.rego's inputs):
				// without them a test root does not compile, and every
				// mutant would look killed by that error.
				if isTest(name) && d.pkg[other].Equal(d.pkg[name]) {
					queue = append(queue, other)
				}
				continue
			}
			// A package may span files (rules/migrations*.rego): every
			// file of a package that is read comes along.
			if d.pkg[other].Equal(d.pkg[name]) && !isTest(name) {
				queue = append(queue, other)
				continue
			}
			for _, r := range d.refs[name] {
				if reaches(r, d.pkg[other]) {
					queue = append(queue, other)
					break
				}
			}
		}
	}
	return out
}

// observers returns the test modules whose closure holds file: the only
// tests a mutant of file can fail.
func (d *deps) observers(file string) []string {
	var out []string
	for name := range d.modules {
		if !isTest(name) {
			continue
		}
		if _, ok := d.closure([]string{name})[file]; ok {
			out = append(out, name)
		}
	}
	return out
}

// stage is one compile-and-test run: the test modules it runs and the
// policy modules they need.
type stage map[string]*ast.Module

// with returns the stage with file replaced by its mutant.
func (s stage) with(file string, mod *ast.Module) map[string]*ast.Module {
	out := make(map[string]*ast.Module, len(s))
	for k, v := range s {
		out[k] = v
	}
	out[file] = mod
	return out
}

// plan is the stages a mutant of one file meets, one test file each: the
// file's own tests first (most mutants die there, in a small compile), then
// every other test file that can observe it, the quickest first (cost is
// each test file's time on the unmutated policies). A mutant survives only
// if it passes them all. As mutants of the file are killed, the stages
// that killed most move to the front (next): mutants of one file tend to
// die in the same test file, so later ones pay for little else, which is
// most of the saving for the library files every test reads.
type plan struct {
	stages []stage
	mu     sync.Mutex
	kills  []int
}

func (d *deps) plan(file string, cost map[string]time.Duration) *plan {
	stem := strings.TrimSuffix(file, ".rego")
	var own, rest []string
	for _, t := range d.observers(file) {
		if strings.HasPrefix(t, stem+"_") {
			own = append(own, t)
		} else {
			rest = append(rest, t)
		}
	}
	slices.Sort(own)
	slices.SortStableFunc(rest, func(a, b string) int {
		if c := cmp.Compare(cost[a], cost[b]); c != 0 {
			return c
		}
		return strings.Compare(a, b)
	})
	p := &plan{}
	for _, t := range append(own, rest...) {
		p.stages = append(p.stages, stage(d.closure([]string{t})))
	}
	p.kills = make([]int, len(p.stages))
	return p
}

// next returns the order to try the stages in: most kills first, else
// the planned order.
func (p *plan) next() []int {
	p.mu.Lock()
	defer p.mu.Unlock()
	order := make([]int, len(p.stages))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(p.kills[b], p.kills[a]) })
	return order
}

// killed records that stage i killed a mutant.
func (p *plan) killed(i int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.kills[i]++
}
