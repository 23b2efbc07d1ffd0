package approvals

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bmatcuk/doublestar/v4"
)

// codeOwnersPaths is where GitHub looks for CODEOWNERS, in its order.
var codeOwnersPaths = []string{".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS"}

// findCodeOwners returns the CODEOWNERS file to read: the configured one
// (which must exist) or the first in GitHub's order; "" when there is none.
func findCodeOwners(dir, configured string) (string, error) {
	if configured != "" {
		p := configured
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, filepath.FromSlash(p))
		}
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("read CODEOWNERS %s: %w", configured, unwrapPath(err))
		}
		return p, nil
	}
	for _, rel := range codeOwnersPaths {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if info, err := os.Stat(p); err == nil && !info.IsDir() {
			return p, nil
		} else if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("read CODEOWNERS %s: %w", rel, unwrapPath(err))
		}
	}
	return "", nil
}

// ownerRule is one CODEOWNERS line.
type ownerRule struct {
	globs  []string
	owners []string
	line   int
}

// codeOwners is a parsed CODEOWNERS file; the last matching rule wins.
type codeOwners []ownerRule

// maxCodeOwnersSize is GitHub's own limit: larger files are not loaded.
const maxCodeOwnersSize = 3 << 20

// readCodeOwners parses a CODEOWNERS file. Lines GitHub would reject
// (negation, character ranges) are skipped as GitHub skips them.
func readCodeOwners(path string) (codeOwners, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read CODEOWNERS %s: %w", path, unwrapPath(err))
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.Size() > maxCodeOwnersSize {
		return nil, fmt.Errorf("read CODEOWNERS %s: %d bytes is over GitHub's 3 MB limit", path, info.Size())
	}
	var co codeOwners
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxCodeOwnersSize)
	n := 0
	for sc.Scan() {
		n++
		line := sc.Text()
		if i := strings.Index(line, " #"); i >= 0 {
			line = line[:i]
		}
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			continue
		}
		globs, ok := ownerGlobs(fields[0])
		if !ok {
			continue
		}
		co = append(co, ownerRule{globs: globs, owners: fields[1:], line: n})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read CODEOWNERS %s: %w", path, err)
	}
	return co, nil
}

// ownerGlobs turns a CODEOWNERS pattern (gitignore-like) into doublestar
// globs over repo-relative paths: a pattern without a slash but at its end
// matches at any depth; one with a leading or inner slash is anchored at
// the root; a trailing slash or a last segment without wildcards also
// matches everything below it, while "docs/*" stays one level deep.
func ownerGlobs(p string) ([]string, bool) {
	if strings.HasPrefix(p, "!") || strings.ContainsAny(p, "[]") {
		return nil, false
	}
	p = strings.ReplaceAll(p, `\#`, "#")
	dir := strings.HasSuffix(p, "/")
	p = strings.TrimSuffix(p, "/")
	anchored := strings.HasPrefix(p, "/") || strings.Contains(p, "/")
	p = strings.TrimPrefix(p, "/")
	if p == "" || p == "*" || p == "**" {
		return []string{"**"}, true
	}
	if !anchored {
		p = "**/" + p
	}
	if !doublestar.ValidatePattern(p) {
		return nil, false
	}
	if dir {
		return []string{p + "/**"}, true
	}
	last := p[strings.LastIndexByte(p, '/')+1:]
	if strings.Contains(last, "*") && last != "**" {
		return []string{p}, true
	}
	return []string{p, p + "/**"}, true
}

// owners returns the owners of a path by its last matching rule, and the
// rule's line; no match gives no owners and line 0.
func (co codeOwners) owners(path string) ([]string, int) {
	for i := len(co) - 1; i >= 0; i-- {
		for _, g := range co[i].globs {
			if ok, _ := doublestar.Match(g, path); ok {
				return append([]string{}, co[i].owners...), co[i].line
			}
		}
	}
	return []string{}, 0
}
