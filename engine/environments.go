package engine

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/relgate/relgate/policies"
)

// EnvironmentError is an environment that is neither built in nor declared
// in the config: a typo (`prodution`) must not quietly become a lenient
// environment. It is a usage error (exit 2, HTTP 400).
type EnvironmentError struct {
	Name  string
	Known []string
}

func (e *EnvironmentError) Error() string {
	return fmt.Sprintf("unknown environment %q (known: %s; declare others under environments: in .relgate.yaml)", e.Name, strings.Join(e.Known, ", "))
}

// builtinEnvironments are the environments policies/lib/defaults.rego
// defines, read from the policy itself so the list cannot drift from it.
var builtinEnvironments = sync.OnceValues(func() ([]string, error) {
	src, err := policies.FS.ReadFile("lib/defaults.rego")
	if err != nil {
		return nil, fmt.Errorf("read built-in defaults: %w", err)
	}
	m, err := ast.ParseModuleWithOpts("lib/defaults.rego", string(src), ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		return nil, fmt.Errorf("parse built-in defaults: %w", err)
	}
	rs, err := rego.New(rego.Query("object.keys(data.relgate.defaults.environments)"), rego.ParsedModule(m)).Eval(context.Background())
	if err != nil {
		return nil, fmt.Errorf("read built-in environments: %w", err)
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return nil, errors.New("read built-in environments: data.relgate.defaults.environments is undefined")
	}
	var out []string
	for _, v := range rs[0].Expressions[0].Value.([]any) {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out, nil
})

// KnownEnvironments lists the built-in environments and those the config
// (the JSON form of .relgate.yaml, or nil) declares, sorted.
func KnownEnvironments(cfg any) ([]string, error) {
	builtin, err := builtinEnvironments()
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	for _, e := range builtin {
		set[e] = true
	}
	v, err := toJSONValue(cfg)
	if err != nil {
		return nil, fmt.Errorf("encode config: %w", err)
	}
	if m, ok := v.(map[string]any); ok {
		if envs, ok := m["environments"].(map[string]any); ok {
			for e := range envs {
				set[e] = true
			}
		}
	}
	return slices.Sorted(maps.Keys(set)), nil
}

// CheckEnvironment returns an *EnvironmentError unless name is empty (the
// policies then assume production) or a known environment.
func CheckEnvironment(name string, known []string) error {
	if name == "" || slices.Contains(known, name) {
		return nil
	}
	return &EnvironmentError{Name: name, Known: known}
}

// CheckEnvironment returns an *EnvironmentError for an environment neither
// built in nor declared in the engine's config.
func (e *Engine) CheckEnvironment(name string) error {
	return CheckEnvironment(name, e.environments)
}
