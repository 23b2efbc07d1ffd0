package main

import (
	"context"

	"github.com/relgate/relgate/engine"
)

// applyBaseline gives the policies the findings of the --baseline run.
func applyBaseline(ctx context.Context, eng *engine.Engine, path string) error {
	if path == "" {
		return nil
	}
	entries, err := eng.ReadBaseline(ctx, path)
	if err != nil {
		return usage(err)
	}
	return eng.SetBaseline(ctx, entries)
}
