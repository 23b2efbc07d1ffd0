// Package skip holds the paths a run leaves out (--skip-dirs, --skip-files),
// in trivy's syntax so that users of trivy write the same patterns:
// doublestar globs ("**" crosses directories) matched against the path
// relative to the scanned directory, cleaned and without a leading "./" or
// "/". A directory pattern leaves out the directory and everything under
// it; a file pattern leaves out the files it matches.
//
// Every scanner that walks files asks Dir while walking, so nothing under a
// skipped directory is read, and File for each file it would read; sources
// that are not walked (a git diff, a list of lockfiles) ask File alone,
// which also answers for files under a skipped directory.
package skip

import (
	"encoding/json"
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// Paths are the patterns of one run. The zero value and nil skip nothing.
type Paths struct {
	dirs, files []string
}

// New checks and cleans the patterns. A pattern doublestar cannot parse is
// an error naming the flag, so a typo never silently skips nothing.
func New(dirs, files []string) (*Paths, error) {
	p := &Paths{}
	var err error
	if p.dirs, err = clean("--skip-dirs", dirs); err != nil {
		return nil, err
	}
	if p.files, err = clean("--skip-files", files); err != nil {
		return nil, err
	}
	return p, nil
}

func clean(flag string, patterns []string) ([]string, error) {
	var out []string
	for _, raw := range patterns {
		p := strings.TrimSpace(raw)
		if p == "" {
			continue
		}
		p = strings.TrimLeft(path.Clean(filepath.ToSlash(p)), "/")
		if p == "." || p == "" {
			return nil, fmt.Errorf("%s: pattern %q would skip the whole directory", flag, raw)
		}
		if !doublestar.ValidatePattern(p) {
			return nil, fmt.Errorf("%s: bad pattern %q", flag, raw)
		}
		out = append(out, p)
	}
	return out, nil
}

// Empty reports whether nothing is skipped.
func (p *Paths) Empty() bool { return p == nil || len(p.dirs)+len(p.files) == 0 }

// Dirs and Files are the cleaned patterns, for the input document and for
// libraries that take patterns of their own.
func (p *Paths) Dirs() []string {
	if p == nil {
		return nil
	}
	return p.dirs
}

// Files: see Dirs.
func (p *Paths) Files() []string {
	if p == nil {
		return nil
	}
	return p.files
}

// Dir reports whether the directory rel (slash-separated, relative to the
// scanned directory) is skipped.
func (p *Paths) Dir(rel string) bool {
	return p != nil && match(p.dirs, rel)
}

// File reports whether the file rel is skipped: a file pattern matches it,
// or a directory pattern matches one of its parent directories.
func (p *Paths) File(rel string) bool {
	if p.Empty() {
		return false
	}
	rel = strings.TrimLeft(path.Clean(filepath.ToSlash(rel)), "/")
	if match(p.files, rel) {
		return true
	}
	for d := path.Dir(rel); d != "." && d != "/"; d = path.Dir(d) {
		if match(p.dirs, d) {
			return true
		}
	}
	return false
}

func match(patterns []string, rel string) bool {
	rel = strings.TrimLeft(path.Clean(filepath.ToSlash(rel)), "/")
	for _, p := range patterns {
		// Patterns were validated: Match cannot fail.
		if ok, _ := doublestar.Match(p, rel); ok {
			return true
		}
	}
	return false
}

// wire is how Paths travel to relgate-scanners.
type wire struct {
	Dirs  []string `json:"dirs,omitempty"`
	Files []string `json:"files,omitempty"`
}

// MarshalJSON writes the cleaned patterns, so that the scanners relgate
// runs in its helper skip what the others skip.
func (p *Paths) MarshalJSON() ([]byte, error) {
	if p == nil {
		return []byte("null"), nil
	}
	return json.Marshal(wire{Dirs: p.dirs, Files: p.files})
}

// UnmarshalJSON reads patterns written by MarshalJSON, checked again.
func (p *Paths) UnmarshalJSON(data []byte) error {
	var w wire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	q, err := New(w.Dirs, w.Files)
	if err != nil {
		return err
	}
	*p = *q
	return nil
}
