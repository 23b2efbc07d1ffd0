package policies_test

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"

	"github.com/relgate/relgate/policies"
)

// regoFiles reads every .rego file of the built-in library, tests included.
func regoFiles(t *testing.T) map[string][]byte {
	t.Helper()
	files := map[string][]byte{}
	err := fs.WalkDir(policies.FS, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".rego") {
			return err
		}
		b, err := fs.ReadFile(policies.FS, path)
		if err != nil {
			return err
		}
		files[path] = b
		return nil
	})
	if err != nil {
		t.Fatalf("read policies: %v", err)
	}
	if len(files) == 0 {
		t.Fatal("no .rego files under policies/")
	}
	return files
}

// TestFormatted keeps every file exactly as `opa fmt` writes it (OPA's own
// format package, the one the CLI calls): a reader and a diff see one
// layout, and `opa fmt --list policies` stays empty in CI.
func TestFormatted(t *testing.T) {
	for path, src := range regoFiles(t) {
		got, err := format.SourceWithOpts(path, src, format.Opts{RegoVersion: ast.RegoV1})
		if err != nil {
			t.Errorf("format policies/%s: %v", path, err)
			continue
		}
		if !bytes.Equal(got, src) {
			t.Errorf("policies/%s is not opa fmt-clean: run `go run github.com/open-policy-agent/opa fmt -w policies/%s`", path, path)
		}
	}
}

// TestStrict compiles the whole library, tests included, as `opa check
// --strict` does: unused variables, imports and arguments, deprecated
// built-ins and shadowed names are errors, so a typo that makes a
// condition vacuous does not pass unnoticed.
func TestStrict(t *testing.T) {
	modules := map[string]*ast.Module{}
	for path, src := range regoFiles(t) {
		m, err := ast.ParseModuleWithOpts(path, string(src), ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			t.Fatalf("parse policies/%s: %v", path, err)
		}
		modules[path] = m
	}
	c := ast.NewCompiler().
		WithStrict(true).
		WithEnablePrintStatements(true).
		WithUseTypeCheckAnnotations(true)
	c.Compile(modules)
	for _, e := range c.Errors {
		t.Errorf("opa check --strict: %v", e)
	}
}
