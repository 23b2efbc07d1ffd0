package container

import (
	"context"
	"path/filepath"

	"github.com/aquasecurity/trivy/pkg/fanal/walker"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/gitchange"
	"github.com/relgate/relgate/internal/skip"
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

// walkOption is trivy's walker option for the skipped paths. The patterns
// are passed joined to the scanned root: trivy resolves a relative pattern
// against the working directory when it can, and relgate's patterns are
// relative to the scanned directory whatever the working directory is.
func walkOption(root string, skipped *skip.Paths) walker.Option {
	var o walker.Option
	for _, d := range skipped.Dirs() {
		o.SkipDirs = append(o.SkipDirs, filepath.Join(root, filepath.FromSlash(d)))
	}
	for _, f := range skipped.Files() {
		o.SkipFiles = append(o.SkipFiles, filepath.Join(root, filepath.FromSlash(f)))
	}
	return o
}
