package main

import (
	"maps"
	"slices"
	"testing"
)

// A mutant meets its own file's tests first, then every other test that
// can read its package, each compiled with only what it needs; tests that
// cannot see the package are left out, and a package split across files
// always comes whole.
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

	p := d.plan("rules/secrets.rego")
	if len(p) != 2 {
		t.Fatalf("rules/secrets.rego: %d stages, want 2", len(p))
	}
	if !has(p[0], "rules/secrets.rego", "rules/secrets_test.rego", "lib/lib.rego") || has(p[0], "main/main_test.rego") || has(p[0], "rules/iac.rego") {
		t.Errorf("rules/secrets.rego stage 0 = %v", slices.Sorted(maps.Keys(p[0])))
	}
	if !has(p[1], "main/main_test.rego", "main/main.rego", "rules/iac.rego") || has(p[1], "rules/iac_test.rego") || has(p[1], "rules/secrets_test.rego") {
		t.Errorf("rules/secrets.rego stage 1 = %v", slices.Sorted(maps.Keys(p[1])))
	}

	// lib is read by every rule, so every rule's tests observe it; admission
	// reads no lib, so its tests do not.
	p = d.plan("lib/lib.rego")
	if len(p) != 2 || !has(p[0], "lib/lib_test.rego") || !has(p[1], "rules/iac_test.rego", "main/numbers_test.rego", "rules/waivers_test.rego") || has(p[1], "admission/admission_test.rego") {
		t.Errorf("lib/lib.rego plan = %d stages", len(p))
	}

	// Reading one file of a package brings every file of it.
	p = d.plan("rules/migrations_mysql.rego")
	if len(p) == 0 || !has(p[0], "rules/migrations_mysql_test.rego", "rules/migrations.rego", "rules/migrations_objects.rego") {
		t.Errorf("rules/migrations_mysql.rego plan = %d stages", len(p))
	}
}
