package deps

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"path"
	"strings"
	"testing/fstest"
	"time"

	"github.com/google/osv-scalibr/extractor/filesystem"
	"github.com/google/osv-scalibr/extractor/filesystem/list"
	"github.com/google/osv-scalibr/plugin/config"

	cpb "github.com/google/osv-scalibr/binary/proto/config_go_proto"

	"github.com/relgate/relgate/internal/gitsafe"
)

// change is what a lockfile looked like at the base of the change.
type change struct {
	ctx  context.Context
	dir  string
	base string // resolved commit
	// changed are the dir-relative paths that differ from base, in
	// commits or in the work tree, untracked files included.
	changed map[string]bool
	// before caches each changed lockfile's packages at base: nil when
	// the file did not exist there.
	before map[string]map[pkgKey]bool
}

type pkgKey struct{ name, version string }

// newChange resolves base and lists what changed since it.
func newChange(ctx context.Context, dir, base string) (*change, error) {
	out, err := git(ctx, dir, "rev-parse", "--verify", "--end-of-options", base+"^{commit}")
	if err != nil {
		return nil, fmt.Errorf("resolve base %q: %w", base, err)
	}
	c := &change{ctx: ctx, dir: dir, base: strings.TrimSpace(string(out)), changed: map[string]bool{}, before: map[string]map[pkgKey]bool{}}
	diff, err := git(ctx, dir, "diff", "--name-only", "--no-renames", "--relative", "-z", c.base, "--")
	if err != nil {
		return nil, fmt.Errorf("list changes since %s: %w", base, err)
	}
	untracked, err := git(ctx, dir, "ls-files", "--others", "--exclude-standard", "-z")
	if err != nil {
		return nil, fmt.Errorf("list untracked files: %w", err)
	}
	for _, p := range bytes.Split(append(diff, untracked...), []byte{0}) {
		if len(p) > 0 {
			c.changed[string(p)] = true
		}
	}
	return c, nil
}

// inChange reports whether the package was added or moved to this version
// by the change: its lockfile changed and did not hold it at base.
func (c *change) inChange(rel, plugin, name, version string) (bool, error) {
	if !c.changed[rel] {
		return false, nil
	}
	before, ok := c.before[rel]
	if !ok {
		var err error
		if before, err = c.packagesAtBase(rel, plugin); err != nil {
			return false, err
		}
		c.before[rel] = before
	}
	return !before[pkgKey{name, version}], nil
}

// packagesAtBase extracts the lockfile as it was at base with the same
// osv-scalibr extractor that read it now, so both sides name packages the
// same way.
func (c *change) packagesAtBase(rel, plugin string) (map[pkgKey]bool, error) {
	data, err := git(c.ctx, c.dir, "show", c.base+":./"+rel)
	if err != nil {
		var ee *gitError
		if errors.As(err, &ee) && (strings.Contains(ee.stderr, "does not exist") || strings.Contains(ee.stderr, "exists on disk, but not in")) {
			return nil, nil // new in the change: every package is
		}
		return nil, fmt.Errorf("read %s at base: %w", rel, err)
	}
	exs, err := list.ExtractorsFromName(plugin, &config.PluginConfig{ProtoConfig: &cpb.PluginConfig{}})
	if err != nil || len(exs) == 0 {
		return nil, fmt.Errorf("read %s at base: no extractor %q: %w", rel, plugin, err)
	}
	fsys := fstest.MapFS{rel: &fstest.MapFile{Data: data, Mode: 0o644, ModTime: time.Unix(0, 0)}}
	info, err := fs.Stat(fsys, rel)
	if err != nil {
		return nil, err
	}
	out := map[pkgKey]bool{}
	for _, ex := range exs {
		inv, err := ex.Extract(c.ctx, &filesystem.ScanInput{FS: fsys, Path: rel, Root: "/", Info: info, Reader: bytes.NewReader(data)})
		if err != nil {
			// A lockfile that did not parse at base held nothing usable:
			// everything in it now counts as part of the change.
			return map[pkgKey]bool{}, nil
		}
		for _, p := range inv.Packages {
			out[pkgKey{p.Name, p.Version}] = true
		}
	}
	return out, nil
}

type gitError struct {
	err    error
	stderr string
}

func (e *gitError) Error() string { return fmt.Sprintf("%v: %s", e.err, strings.TrimSpace(e.stderr)) }
func (e *gitError) Unwrap() error { return e.err }

func git(ctx context.Context, dir string, args ...string) ([]byte, error) {
	if err := gitsafe.Harden(ctx, dir); err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir, "-c", "core.quotePath=false"}, args...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, &gitError{err: err, stderr: stderr.String()}
	}
	return out, nil
}

// relPath is the slash-separated path of abs relative to dir.
func relPath(dir, abs string) string {
	if r, ok := strings.CutPrefix(abs, strings.TrimSuffix(dir, "/")+"/"); ok {
		return path.Clean(r)
	}
	return abs
}
