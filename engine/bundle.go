package engine

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/bundle"
	"github.com/open-policy-agent/opa/v1/loader"
)

// IsBundle reports whether a policy path is an OPA bundle archive
// (`opa build` output) rather than a directory or a file of Rego.
func IsBundle(path string) bool {
	return strings.HasSuffix(path, ".tar.gz") || strings.HasSuffix(path, ".tgz")
}

// builtinRoots are the data paths the built-in policies own: their
// packages, and the catalogue the engine adds. A bundle that declares one
// of them (or a path above or below one) as a root would replace or extend
// built-in policy, so it is refused.
func builtinRoots(builtin map[string]*ast.Module) []string {
	set := map[string]bool{"relgate/catalog": true}
	for _, m := range builtin {
		set[strings.ReplaceAll(strings.TrimPrefix(m.Package.Path.String(), "data."), ".", "/")] = true
	}
	return slices.Sorted(maps.Keys(set))
}

// bundleSet loads OPA bundles under the sandbox, as OPA activates them:
// each keeps to its manifest's roots and no two bundles' roots overlap.
type bundleSet struct {
	caps    *ast.Capabilities
	tests   bool
	builtin []string // builtinRoots
	modules map[string]*ast.Module
	data    map[string]any
	roots   map[string]string // root → bundle
}

func (s *bundleSet) load(path string) error {
	b, err := loader.NewFileLoader().
		WithProcessAnnotation(true).
		WithRegoVersion(ast.RegoV1).
		WithCapabilities(s.caps).
		AsBundle(path)
	if err != nil {
		var errs ast.Errors
		if errors.As(err, &errs) {
			return &PolicyError{Errs: errs}
		}
		return &PolicyError{Err: fmt.Errorf("load policies: %w", err)} // OPA's error names the bundle
	}
	roots := []string{""}
	if b.Manifest.Roots != nil {
		roots = *b.Manifest.Roots
	}
	for _, r := range roots {
		for _, other := range slices.Sorted(maps.Keys(s.roots)) {
			if bundle.RootPathsOverlap(r, other) {
				return &PolicyError{Err: fmt.Errorf("load bundle %s: its root %q overlaps the root %q of bundle %s", path, r, other, s.roots[other])}
			}
		}
		if r == "" {
			continue // an undeclared root: its packages are checked at compile time
		}
		for _, own := range s.builtin {
			if bundle.RootPathsOverlap(r, own) {
				return &PolicyError{Err: fmt.Errorf("load bundle %s: its root %q overlaps the built-in policies at %q", path, r, own)}
			}
		}
	}
	for _, r := range roots {
		s.roots[r] = path
	}
	for _, mf := range b.Modules {
		if !s.tests && isTestFile(mf.Path) {
			continue
		}
		// The module's locations name it inside the bundle; keying it the
		// same way keeps coverage and errors in agreement.
		name := mf.Path
		if mf.Parsed.Package != nil && mf.Parsed.Package.Location != nil && mf.Parsed.Package.Location.File != "" {
			name = mf.Parsed.Package.Location.File
		}
		if _, dup := s.modules[name]; dup {
			return &PolicyError{Err: fmt.Errorf("load bundle %s: module %s is loaded twice", path, name)}
		}
		s.modules[name] = mf.Parsed
	}
	if err := mergeData(s.data, b.Data, ""); err != nil {
		return &PolicyError{Err: fmt.Errorf("load bundle %s: %w", path, err)}
	}
	return nil
}

// mergeData merges src into dst; two values at one path that are not both
// objects conflict.
func mergeData(dst, src map[string]any, at string) error {
	for k, v := range src {
		p := strings.TrimPrefix(at+"/"+k, "/")
		old, ok := dst[k]
		if !ok {
			dst[k] = v
			continue
		}
		om, ok1 := old.(map[string]any)
		nm, ok2 := v.(map[string]any)
		if !ok1 || !ok2 {
			return fmt.Errorf("data at %s is defined twice", p)
		}
		if err := mergeData(om, nm, p); err != nil {
			return err
		}
	}
	return nil
}
