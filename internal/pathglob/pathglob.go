// Package pathglob expands the file patterns users write in config —
// doublestar globs, relative to the project or absolute — into files with
// both their absolute and their project-relative paths.
package pathglob

import (
	"cmp"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/bmatcuk/doublestar/v4"

	"github.com/relgate/relgate/internal/boundary"
)

// File is a matched file: Abs to open it, Rel as documents show it.
type File struct{ Abs, Rel string }

// Expand matches each pattern against files under dir (or the absolute
// pattern as it is). A file a relative pattern matches that is a symbolic
// link out of dir is an error: the project is untrusted input. Files matched by several patterns are listed once,
// sorted by Rel. A pattern that matches nothing is an error made by
// noMatch: facts that silently vanish would read as good news. what names
// the patterns in errors ("junit", "SLO").
func Expand(dir string, patterns []string, what string, noMatch func(pattern string) error) ([]File, error) {
	seen := map[string]bool{}
	var out []File
	for _, pat := range patterns {
		var matches []string
		var err error
		if filepath.IsAbs(pat) {
			matches, err = doublestar.FilepathGlob(pat, doublestar.WithFilesOnly())
		} else {
			pat = filepath.ToSlash(filepath.Clean(pat))
			matches, err = doublestar.Glob(os.DirFS(dir), pat, doublestar.WithFilesOnly())
			for i, m := range matches {
				matches[i] = filepath.Join(dir, filepath.FromSlash(m))
			}
		}
		if err != nil {
			return nil, fmt.Errorf("match %s pattern %q: %w", what, pat, err)
		}
		if len(matches) == 0 {
			return nil, noMatch(pat)
		}
		for _, m := range matches {
			if !filepath.IsAbs(pat) {
				if _, err := boundary.Resolve(dir, m); errors.Is(err, boundary.ErrOutside) {
					return nil, fmt.Errorf("%s file %s is a symbolic link to a file outside the repository: not read (name the file by its absolute path to read it)", what, Rel(dir, m))
				}
			}
			if !seen[m] {
				seen[m] = true
				out = append(out, File{Abs: m, Rel: Rel(dir, m)})
			}
		}
	}
	slices.SortFunc(out, func(a, b File) int { return cmp.Compare(a.Rel, b.Rel) })
	return out, nil
}

// Rel is path relative to dir with forward slashes, or the absolute path
// itself when it lies outside dir.
func Rel(dir, path string) string {
	d, err1 := filepath.Abs(dir)
	p, err2 := filepath.Abs(path)
	if err1 != nil || err2 != nil {
		return filepath.ToSlash(path)
	}
	rel, err := filepath.Rel(d, p)
	if err != nil || rel == ".." || strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(p)
	}
	return filepath.ToSlash(rel)
}
