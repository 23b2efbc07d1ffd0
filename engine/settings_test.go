package engine

import (
	"context"
	"reflect"
	"testing"

	"github.com/open-policy-agent/opa/v1/rego"
)

// The settings precomputed per environment are the ones the policies
// merge themselves, for built-in and configured environments alike, and an
// environment nobody configured still gets its merged settings.
func TestSettingsByEnvironment(t *testing.T) {
	ctx := context.Background()
	cfg := map[string]any{
		"defaults":     map[string]any{"fail_on": "medium", "budgets": map[string]any{"high": 2}},
		"environments": map[string]any{"qa": map[string]any{"fail_on": "low"}, "production": map[string]any{"score": map[string]any{"pass": 95}}},
	}
	e, err := New(ctx, Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	cached := e.precomputedSettings(t)
	for _, env := range []string{"production", "staging", "qa"} {
		if cached[env] == nil {
			t.Errorf("no settings precomputed for %s", env)
		}
	}
	// The same query with the cache removed from the data merges the layers.
	for _, env := range []string{"production", "staging", "qa", "dev"} {
		got := e.settingsFor(t, env, true)
		want := e.settingsFor(t, env, false)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: precomputed %v, merged %v", env, got, want)
		}
	}
	if got := e.settingsFor(t, "qa", true).(map[string]any)["fail_on"]; got != "low" {
		t.Errorf("qa fail_on = %v, want low", got)
	}
}

func (e *Engine) precomputedSettings(t *testing.T) map[string]any {
	t.Helper()
	rs, err := rego.New(rego.Query("data.relgate.environment_settings"), rego.Compiler(e.compiler), rego.Store(e.store)).Eval(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatalf("read data.relgate.environment_settings: %v %v", rs, err)
	}
	return rs[0].Expressions[0].Value.(map[string]any)
}

func (e *Engine) settingsFor(t *testing.T, env string, cached bool) any {
	t.Helper()
	q := "data.relgate.lib.settings"
	if !cached {
		q += " with data.relgate.environment_settings as {}"
	}
	input := map[string]any{"release": map[string]any{"environment": env}}
	rs, err := rego.New(rego.Query(q), rego.Compiler(e.compiler), rego.Store(e.store), rego.Input(input)).Eval(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatalf("%s: settings: %v %v", env, rs, err)
	}
	return rs[0].Expressions[0].Value
}
