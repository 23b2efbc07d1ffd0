package main

import (
	"context"
	"maps"
	"slices"
	"strings"
	"testing"
	"time"
)

// A mutant meets its own file's tests first, then every other test file
// that can read its package, one stage each, cheapest first (until one
// kills mutants: then that one first), each compiled
// with only what it needs; tests that cannot see the package are left out,
// and a package split across files always comes whole.
func TestPlanHoldsTheTestsThatCanSeeAFile(t *testing.T) {
	_, modules, err := load("../../policies")
	if err != nil {
		t.Fatal(err)
	}
	d := newDeps(modules)
	has := func(s stage, names ...string) bool {
		for _, n := range names {
			if _, ok := s[n]; !ok {
				return false
			}
		}
		return true
	}
	tests := func(stages ...stage) []string {
		var out []string
		for _, s := range stages {
			for n := range s {
				if isTest(n) {
					out = append(out, n)
				}
			}
		}
		slices.Sort(out)
		return out
	}

	p := d.plan("rules/secrets.rego", nil).stages
	if len(p) < 2 || !has(p[0], "rules/secrets.rego", "rules/secrets_test.rego", "lib/lib.rego") || has(p[0], "main/main_test.rego") || has(p[0], "rules/iac.rego") {
		t.Fatalf("rules/secrets.rego stage 0 = %v", slices.Sorted(maps.Keys(p[0])))
	}
	got := tests(p...)
	if !slices.Contains(got, "main/main_test.rego") || slices.Contains(got, "rules/iac_test.rego") {
		t.Errorf("rules/secrets.rego observers = %v", got)
	}
	for _, s := range p[1:] {
		if has(s, "main/main_test.rego") && !has(s, "main/main.rego", "rules/iac.rego", "rules/secrets.rego") {
			t.Errorf("main/main_test.rego's stage lacks what it reads: %v", slices.Sorted(maps.Keys(s)))
		}
	}

	// lib is read by every rule, so every rule's tests observe it; admission
	// reads no lib, so its tests do not. The quicker test file goes first.
	cost := map[string]time.Duration{"rules/iac_test.rego": time.Second, "rules/waivers_test.rego": time.Millisecond}
	lib := d.plan("lib/lib.rego", cost)
	p = lib.stages
	got = tests(p...)
	if !has(p[0], "lib/lib_test.rego") || !slices.Contains(got, "rules/iac_test.rego") || !slices.Contains(got, "main/numbers_test.rego") || slices.Contains(got, "admission/admission_test.rego") {
		t.Errorf("lib/lib.rego observers = %v", got)
	}
	iac, waivers := -1, -1
	for i, s := range p {
		if has(s, "rules/iac_test.rego") {
			iac = i
		}
		if has(s, "rules/waivers_test.rego") {
			waivers = i
		}
	}
	if waivers < 0 || iac < waivers {
		t.Errorf("stages: waivers_test at %d, iac_test at %d; want the cheaper waivers_test first", waivers, iac)
	}

	// The stage that kills mutants is tried first from then on.
	if lib.next()[0] != 0 {
		t.Errorf("before any kill, next() = %v, want the planned order", lib.next())
	}
	lib.killed(iac)
	if first := lib.next()[0]; first != iac {
		t.Errorf("after iac_test killed a mutant, the first stage is %d, want %d", first, iac)
	}

	// Reading one file of a package brings every file of it.
	p = d.plan("rules/migrations_mysql.rego", nil).stages
	if len(p) == 0 || !has(p[0], "rules/migrations_mysql_test.rego", "rules/migrations.rego", "rules/migrations_objects.rego") {
		t.Errorf("rules/migrations_mysql.rego plan = %d stages", len(p))
	}
}

// TestEveryStagePassesUnmutated: a stage that fails without a mutant
// (a test file missing the helpers another test file of its package
// defines, say) would count every mutant it meets as killed. Each stage of
// every file's plan must compile and pass on the unmutated policies.
func TestEveryStagePassesUnmutated(t *testing.T) {
	_, modules, err := load("../../policies")
	if err != nil {
		t.Fatal(err)
	}
	d := newDeps(modules)
	seen := map[string]bool{}
	for file := range modules {
		if isTest(file) {
			continue
		}
		for _, s := range d.plan(file, nil).stages {
			key := strings.Join(slices.Sorted(maps.Keys(s)), ",")
			if seen[key] {
				continue
			}
			seen[key] = true
			if failed := runTests(context.Background(), s); failed != "" {
				t.Errorf("a stage of %s fails unmutated: %s", file, failed)
			}
		}
	}
}
