// Package boundary keeps paths that come from a scanned repository or its
// config inside the scanned root. The repository is untrusted input: a
// configured "../../../outside" or a symlink to /etc or to another checkout
// must not make relgate read, and report on, files that are not the
// repository's.
package boundary

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// ErrOutside is a path that leaves the scanned root.
var ErrOutside = errors.New("is outside the scanned directory")

// Resolve joins a repository-relative (or absolute) path to root, resolves
// every symlink on the way, and checks that the result is root or inside
// it. A path that does not exist is checked as far as it exists. It
// returns the resolved absolute path.
func Resolve(root, p string) (string, error) {
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", root, err)
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(root, p)
	}
	resolved, err := evalExisting(filepath.Clean(p))
	if err != nil {
		return "", fmt.Errorf("resolve %s: %w", p, err)
	}
	rel, err := filepath.Rel(realRoot, resolved)
	if err != nil || !filepath.IsLocal(rel) && rel != "." {
		return "", ErrOutside
	}
	return resolved, nil
}

// evalExisting resolves the symlinks of the longest existing prefix of p
// and appends the rest unchanged.
func evalExisting(p string) (string, error) {
	r, err := filepath.EvalSymlinks(p)
	if err == nil {
		return r, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return "", err
	}
	parent := filepath.Dir(p)
	if parent == p {
		return p, nil
	}
	if _, lerr := os.Lstat(p); lerr == nil {
		return "", err // exists but cannot be resolved (a dangling link)
	}
	base, err := evalExisting(parent)
	if err != nil {
		return "", err
	}
	return filepath.Join(base, filepath.Base(p)), nil
}
