package policies_test

import (
	"context"
	"io/fs"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"
	"github.com/open-policy-agent/opa/v1/tester"

	"github.com/relgate/relgate/policies"
)

// TestRego runs every built-in policy's Rego unit tests, so a broken
// policy breaks the build.
func TestRego(t *testing.T) {
	res, err := loader.NewFileLoader().
		WithFS(policies.FS).
		WithProcessAnnotation(true).
		WithRegoVersion(ast.RegoV1).
		All([]string{"."})
	if err != nil {
		t.Fatalf("load policies: %v", err)
	}
	modules := map[string]*ast.Module{}
	for name, f := range res.Modules {
		modules[name] = f.Parsed
	}
	ch, err := tester.NewRunner().
		SetModules(modules).
		CapturePrintOutput(true).
		RaiseBuiltinErrors(true).
		RunTests(context.Background(), nil)
	if err != nil {
		t.Fatalf("run rego tests: %v", err)
	}
	ran := 0
	for r := range ch {
		ran++
		name := r.Package + "." + r.Name
		switch {
		case r.Error != nil:
			t.Errorf("%s (%s): error: %v", name, r.Location, r.Error)
		case r.Fail:
			t.Errorf("%s (%s): failed\n%s", name, r.Location, r.Output)
		case r.Skip:
			t.Logf("%s: skipped", name)
		}
	}
	if ran == 0 {
		t.Fatal("no rego tests ran")
	}
	t.Logf("%d rego tests ran", ran)
}

// TestEveryRuleFileHasTests keeps the habit: a rule file without a
// _test.rego beside it fails the build.
func TestEveryRuleFileHasTests(t *testing.T) {
	err := fs.WalkDir(policies.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".rego") || strings.HasSuffix(path, "_test.rego") {
			return err
		}
		if _, err := fs.Stat(policies.FS, strings.TrimSuffix(path, ".rego")+"_test.rego"); err != nil {
			t.Errorf("%s has no _test.rego beside it", path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
