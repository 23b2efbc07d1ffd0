package engine

import (
	"context"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"

	"github.com/relgate/relgate/policies"
)

// Workbench is the built-in and the user's policies with their tests, for
// the policy author's commands (relgate policy test, lint and doc). Unlike
// an Engine it is not compiled for gating: each command compiles what it
// needs, the way it needs it.
type Workbench struct {
	// Modules are every policy and test module by file name: the built-in
	// ones as policies/<path>, the user's as given.
	Modules map[string]*ast.Module
	// User names the modules that came from the user's paths.
	User map[string]bool
	// Data is the user's data documents (JSON and YAML beside the policies).
	Data map[string]any
	caps *ast.Capabilities
}

// WorkbenchOptions configure LoadWorkbench.
type WorkbenchOptions struct {
	// Paths are the user's policy directories, files, bundle archives or
	// oci:// bundle references.
	Paths []string
	// AllowBuiltins are sandboxed builtins the config allows, as for gating.
	AllowBuiltins []string
}

// LoadWorkbench parses the built-in policies and the user's paths, tests
// included, under the same sandbox as gating. Problems are *PolicyError.
func LoadWorkbench(ctx context.Context, opts WorkbenchOptions) (*Workbench, error) {
	caps, err := capabilities(opts.AllowBuiltins)
	if err != nil {
		return nil, err
	}
	w := &Workbench{Modules: map[string]*ast.Module{}, User: map[string]bool{}, Data: map[string]any{}, caps: caps}
	popts := ast.ParserOptions{ProcessAnnotation: true, RegoVersion: ast.RegoV1, Capabilities: caps}
	// The built-in files are parsed under the name they have in the
	// repository, so test failures and coverage point at real files.
	err = fs.WalkDir(policies.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".rego") {
			return err
		}
		src, err := fs.ReadFile(policies.FS, p)
		if err != nil {
			return err
		}
		name := path.Join("policies", p)
		m, err := ast.ParseModuleWithOpts(name, string(src), popts)
		if err != nil {
			return err
		}
		w.Modules[name] = m
		return nil
	})
	if err != nil {
		return nil, policyLoadError(err)
	}
	if len(opts.Paths) == 0 {
		return w, nil
	}
	paths, done, err := pullOCI(ctx, opts.Paths)
	if err != nil {
		return nil, err
	}
	defer done()
	user, data, err := loadUser(paths, caps, true, w.Modules)
	if err != nil {
		return nil, err
	}
	for name, m := range user {
		w.Modules[name] = m
		w.User[name] = true
	}
	w.Data = data
	return w, nil
}

// UserOnly reports whether the commands should look at the user's modules
// alone: when the user named paths, their policies are the subject and the
// built-in ones only the library they build on.
func (w *Workbench) UserOnly() bool { return len(w.User) > 0 }

// subject lists the modules a command reports on, sorted.
func (w *Workbench) subject() []string {
	var out []string
	for _, name := range slices.Sorted(maps.Keys(w.Modules)) {
		if !w.UserOnly() || w.User[name] {
			out = append(out, name)
		}
	}
	return out
}

// loadUser loads the user's policy paths: directories and files of Rego,
// JSON and YAML data, and OPA bundles. Test files are left out unless
// tests is set (they are for relgate policy test, not for gating).
// builtin are the built-in modules, whose packages bundles may not claim.
func loadUser(paths []string, caps *ast.Capabilities, tests bool, builtin map[string]*ast.Module) (map[string]*ast.Module, map[string]any, error) {
	var files, bundles []string
	for _, p := range paths {
		if IsBundle(p) {
			bundles = append(bundles, p)
		} else {
			files = append(files, p)
		}
	}
	modules := map[string]*ast.Module{}
	data := map[string]any{}
	if len(files) > 0 {
		var filter loader.Filter
		if !tests {
			filter = excludeTests
		}
		res, err := loader.NewFileLoader().
			WithProcessAnnotation(true).
			WithRegoVersion(ast.RegoV1).
			WithCapabilities(caps).
			Filtered(files, filter)
		if err != nil {
			return nil, nil, policyLoadError(err)
		}
		for _, f := range res.Modules {
			// Keyed by the file name the module's locations carry, so that
			// coverage and errors agree on it.
			modules[f.Name] = f.Parsed
		}
		data = res.Documents
	}
	bs := &bundleSet{caps: caps, tests: tests, builtin: builtinRoots(builtin), modules: modules, data: data, roots: map[string]string{}}
	for _, b := range bundles {
		if err := bs.load(b); err != nil {
			return nil, nil, err
		}
	}
	return modules, data, nil
}

func isTestFile(name string) bool { return strings.HasSuffix(name, "_test.rego") }
