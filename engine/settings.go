package engine

import (
	"context"
	"log/slog"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
)

// settingsQuery names every environment whose settings are layered: the
// built-in ones and those the config sets.
const settingsEnvQuery = `{e | some e, _ in data.relgate.defaults.environments} | {e | some e, _ in object.get(data.relgate.config, "environments", {})}`

// settingsByEnvironment evaluates relgate.lib.settings once per known
// environment. The layers (defaults, config, environment) depend on the
// config, not on the input, so policies read the result as
// data.relgate.environment_settings[env] instead of merging the layers on
// every evaluation. It is a cache: where it cannot be computed, policies
// merge the layers themselves, with the same result or error.
func settingsByEnvironment(ctx context.Context, c *ast.Compiler, data map[string]any) map[string]any {
	store := inmem.NewFromObject(data)
	rs, err := rego.New(rego.Query(settingsEnvQuery), rego.Compiler(c), rego.Store(store)).Eval(ctx)
	if err != nil || len(rs) != 1 || len(rs[0].Expressions) != 1 {
		slog.Debug("settings per environment not precomputed", "err", err)
		return nil
	}
	envs, _ := rs[0].Expressions[0].Value.([]any)
	pq, err := rego.New(rego.Query("data.relgate.lib.settings"), rego.Compiler(c), rego.Store(store)).PrepareForEval(ctx)
	if err != nil {
		slog.Debug("settings per environment not precomputed", "err", err)
		return nil
	}
	out := map[string]any{}
	for _, e := range envs {
		env, ok := e.(string)
		if !ok {
			continue
		}
		input := map[string]any{"release": map[string]any{"environment": env}}
		rs, err := pq.Eval(ctx, rego.EvalInput(input))
		if err != nil || len(rs) != 1 || len(rs[0].Expressions) != 1 {
			slog.Debug("settings not precomputed", "environment", env, "err", err)
			continue
		}
		out[env] = rs[0].Expressions[0].Value
	}
	return out
}
