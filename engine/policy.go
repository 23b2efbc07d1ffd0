package engine

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"path"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/loader"

	"github.com/relgate/relgate/policies"
)

// PolicyError is a policy that cannot be loaded or compiled. It keeps OPA's
// errors, each with its file:row and code.
type PolicyError struct {
	Errs ast.Errors
	Err  error
}

func (e *PolicyError) Error() string {
	if e.Err != nil {
		return e.Err.Error()
	}
	lines := make([]string, 0, len(e.Errs))
	for _, err := range e.Errs {
		// One line per error: file:row: code: message, without OPA's
		// source snippet, so the CLI's error stays on one line.
		msg := err.Code + ": " + err.Message
		if err.Location != nil {
			msg = fmt.Sprintf("%s:%d: %s", err.Location.File, err.Location.Row, msg)
		}
		lines = append(lines, msg)
	}
	return "compile policies: " + strings.Join(lines, "; ")
}

func (e *PolicyError) Unwrap() error { return e.Err }

// sandboxed lists builtins that are refused even though OPA does not mark
// them non-deterministic: they reveal the environment or reach out.
var sandboxed = []string{"opa.runtime", "http.send", "net.lookup_ip_addr", "net.cidr_is_valid"}

// capabilities returns OPA's builtins less those that reach the network, read
// the environment or are non-deterministic — a decision must depend on its
// input and policies alone — except the ones the config allows.
func capabilities(allow []string) (*ast.Capabilities, error) {
	caps := ast.CapabilitiesForThisVersion()
	known := map[string]bool{}
	for _, b := range caps.Builtins {
		known[b.Name] = true
	}
	for _, a := range allow {
		if !known[a] {
			return nil, &PolicyError{Err: fmt.Errorf("policy.allow_builtins: unknown builtin %q", a)}
		}
	}
	kept := caps.Builtins[:0]
	for _, b := range caps.Builtins {
		refused := b.Nondeterministic || slices.Contains(sandboxed, b.Name) || strings.HasPrefix(b.Name, "net.")
		if !refused || slices.Contains(allow, b.Name) {
			kept = append(kept, b)
		}
	}
	caps.Builtins = kept
	caps.AllowNet = []string{} // no remote schema fetches either
	return caps, nil
}

// loadModules parses the built-in policies and the user's policy paths
// (directories or files). Test files (*_test.rego) are left out: they are
// for `relgate policy test`, not for gating.
func loadModules(userPaths []string, caps *ast.Capabilities) (map[string]*ast.Module, map[string]any, error) {
	modules := map[string]*ast.Module{}
	builtin, err := loader.NewFileLoader().
		WithFS(policies.FS).
		WithProcessAnnotation(true).
		WithRegoVersion(ast.RegoV1).
		WithCapabilities(caps).
		Filtered([]string{"."}, excludeTests)
	if err != nil {
		return nil, nil, policyLoadError(err)
	}
	for name, f := range builtin.Modules {
		modules[path.Join("policies", name)] = f.Parsed
	}
	data := map[string]any{}
	if len(userPaths) == 0 {
		return modules, data, nil
	}
	user, data, err := loadUser(userPaths, caps, false, modules)
	if err != nil {
		return nil, nil, err
	}
	if err := checkIDCollisions(modules, user); err != nil {
		return nil, nil, err
	}
	if err := checkRuleCollisions(modules, user); err != nil {
		return nil, nil, err
	}
	maps.Copy(modules, user)
	return modules, data, nil
}

func excludeTests(_ string, info fs.FileInfo, _ int) bool {
	return !info.IsDir() && strings.HasSuffix(info.Name(), "_test.rego")
}

func policyLoadError(err error) error {
	var errs ast.Errors
	if errors.As(err, &errs) {
		return &PolicyError{Errs: errs}
	}
	var lerrs loader.Errors
	if errors.As(err, &lerrs) {
		pe := &PolicyError{}
		for _, e := range lerrs {
			var ae *ast.Error
			if !errors.As(e, &ae) {
				return &PolicyError{Err: fmt.Errorf("load policies: %w", err)}
			}
			pe.Errs = append(pe.Errs, ae)
		}
		return pe
	}
	return &PolicyError{Err: fmt.Errorf("load policies: %w", err)}
}

// policyDigest hashes what decides: every module's source and the data
// (config) the policies read.
func policyDigest(modules map[string]*ast.Module, data map[string]any) (string, error) {
	h := sha256.New()
	for _, name := range slices.Sorted(maps.Keys(modules)) {
		fmt.Fprintf(h, "%s\x00%s\x00", name, modules[name].String())
	}
	b, err := json.Marshal(data) // map keys are sorted: deterministic
	if err != nil {
		return "", fmt.Errorf("encode policy data: %w", err)
	}
	h.Write(b)
	return "sha256:" + hex.EncodeToString(h.Sum(nil)), nil
}

// rulesFromAnnotations collects the METADATA of every rule with a custom.id,
// its own or its package's.
// A rule id defined by several rules (deny in one environment, warn in
// another) is listed once, from its first definition.
func rulesFromAnnotations(as *ast.AnnotationSet, modules map[string]*ast.Module) []RuleInfo {
	seen := map[string]bool{}
	var out []RuleInfo
	for _, rm := range ruleMetadata(as, modules) {
		a, id := rm.ann, rm.id
		if id == "" || seen[id] {
			continue
		}
		seen[id] = true
		ri := RuleInfo{ID: id, Title: a.Title, Description: strings.TrimSpace(a.Description)}
		ri.Severity, _ = a.Custom["severity"].(string)
		if r, ok := a.Custom["remediation"].(string); ok {
			ri.Remediation = strings.TrimSpace(r)
		}
		if tags, ok := a.Custom["tags"].([]any); ok {
			for _, t := range tags {
				if s, ok := t.(string); ok {
					ri.Tags = append(ri.Tags, s)
				}
			}
		}
		for _, rr := range a.RelatedResources {
			ri.RelatedResources = append(ri.RelatedResources, rr.Ref.String())
		}
		pkg := rm.path
		if len(pkg) > 1 {
			pkg = pkg[:len(pkg)-1]
		}
		ri.Package = strings.TrimPrefix(pkg.String(), "data.")
		if a.Location != nil {
			ri.File, ri.Line = a.Location.File, a.Location.Row
		}
		out = append(out, ri)
	}
	slices.SortFunc(out, func(a, b RuleInfo) int { return strings.Compare(a.ID, b.ID) })
	return out
}
