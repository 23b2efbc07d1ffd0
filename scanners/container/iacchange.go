package container

import (
	"context"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/gitchange"
)

// markChanged sets in_change on each finding: whether the change since base
// touched its file. A fact for PR mode, where the policies let findings in
// files the change left alone warn as pre-existing.
func markChanged(ctx context.Context, dir, base string, found []engine.Misconfiguration) error {
	changed, err := gitchange.Files(ctx, dir, base)
	if err != nil {
		return err
	}
	for i := range found {
		in := changed[found[i].Location.Path]
		found[i].InChange = &in
	}
	return nil
}
