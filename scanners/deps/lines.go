package deps

import (
	"encoding/json"
	"path"
	"strings"
)

// lockfile is the text of one lockfile, split into lines once, with what
// can be read from it about which dependencies are direct.
type lockfile struct {
	name  string // base name
	lines []string
	// roots are the direct dependencies the lockfile declares, nil when
	// its format does not say.
	roots map[string]bool
}

func newLockfile(rel string, data []byte) *lockfile {
	lf := &lockfile{name: path.Base(rel), lines: strings.Split(string(data), "\n")}
	switch lf.name {
	case "package-lock.json", "npm-shrinkwrap.json":
		lf.roots = npmRoots(data)
	case "Cargo.lock":
		lf.roots = cargoRoots(lf.lines)
	}
	return lf
}

// findLine returns the 1-based line where the package is declared, or 0.
// osv-scanner gives a line for most formats; for the others (Cargo.lock,
// composer.lock, …) the declaration is found in the text: a line naming
// the package as a key (name = "time", "name": "vendor/pkg") with its
// version within the next lines, else a line with both name and version.
func (lf *lockfile) findLine(name, version string) int {
	if name == "" {
		return 0
	}
	const window = 6
	for i, l := range lf.lines {
		if n, ok := keyName(l); !ok || n != name {
			continue
		}
		// The version belongs to this entry only up to the next one.
		for j := i; j < len(lf.lines) && j <= i+window; j++ {
			if _, next := keyName(lf.lines[j]); j > i && next {
				break
			}
			if hasVersion(lf.lines[j], version) {
				return i + 1
			}
		}
	}
	for i, l := range lf.lines {
		if containsToken(l, name) && hasVersion(l, version) {
			return i + 1
		}
	}
	return 0
}

// keyName reads a line declaring a package by name: `name = "x"` (TOML),
// `"name": "x",` (JSON), `name: x` (YAML).
func keyName(line string) (string, bool) {
	t := strings.TrimSpace(line)
	t, ok := strings.CutPrefix(t, `"name"`)
	if !ok {
		if t, ok = strings.CutPrefix(t, "name"); !ok {
			return "", false
		}
	}
	t = strings.TrimSpace(t)
	if t == "" || (t[0] != ':' && t[0] != '=') {
		return "", false
	}
	t = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(t[1:]), ","))
	if len(t) >= 2 && (t[0] == '"' || t[0] == '\'') && t[len(t)-1] == t[0] {
		t = t[1 : len(t)-1]
	}
	return t, true
}

// containsToken reports whether s holds tok not run into a longer word or
// version (so 1.2.3 is not found in 1.2.30).
func containsToken(s, tok string) bool {
	if tok == "" {
		return false
	}
	for off := 0; ; {
		i := strings.Index(s[off:], tok)
		if i < 0 {
			return false
		}
		start, end := off+i, off+i+len(tok)
		if (start == 0 || !tokenByte(s[start-1])) && (end == len(s) || !tokenByte(s[end])) {
			return true
		}
		off = start + 1
	}
}

// hasVersion finds a version as written, or with the "v" some formats
// (composer.lock, go.mod) put before it.
func hasVersion(s, version string) bool {
	return containsToken(s, version) || containsToken(s, "v"+version)
}

func tokenByte(b byte) bool {
	return b == '.' || b == '-' || b == '_' || b == '+' ||
		'0' <= b && b <= '9' || 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z'
}

// direct says whether the package declared at line is a direct dependency:
// true or false where the lockfile tells, nil where it does not.
func (lf *lockfile) direct(name string, line int) *bool {
	text := ""
	if line > 0 && line <= len(lf.lines) {
		text = lf.lines[line-1]
	}
	switch lf.name {
	case "go.mod":
		if text == "" {
			return nil
		}
		return boolPtr(!strings.Contains(text, "// indirect"))
	case "package-lock.json", "npm-shrinkwrap.json":
		if lf.roots == nil || text == "" {
			return nil
		}
		// "node_modules/a/node_modules/b" is installed for a, never a
		// top-level dependency; "node_modules/b" is direct when the root
		// package asks for it.
		key := strings.TrimSpace(text)
		if !strings.HasPrefix(key, `"node_modules/`) {
			return nil
		}
		return boolPtr(key == `"node_modules/`+name+`": {` && lf.roots[name])
	case "Cargo.lock":
		if lf.roots == nil {
			return nil
		}
		return boolPtr(lf.roots[name])
	}
	return nil
}

func boolPtr(b bool) *bool { return &b }

// npmRoots reads the root package's declared dependencies from a v2/v3
// package-lock.json; nil for a v1 lockfile, which does not record them.
func npmRoots(data []byte) map[string]bool {
	var lock struct {
		Packages map[string]struct {
			Dependencies         map[string]string `json:"dependencies"`
			DevDependencies      map[string]string `json:"devDependencies"`
			OptionalDependencies map[string]string `json:"optionalDependencies"`
			PeerDependencies     map[string]string `json:"peerDependencies"`
		} `json:"packages"`
	}
	if json.Unmarshal(data, &lock) != nil {
		return nil
	}
	root, ok := lock.Packages[""]
	if !ok {
		return nil
	}
	out := map[string]bool{}
	for _, m := range []map[string]string{root.Dependencies, root.DevDependencies, root.OptionalDependencies, root.PeerDependencies} {
		for n := range m {
			out[n] = true
		}
	}
	return out
}

// cargoRoots collects the dependencies of the workspace's own crates (the
// [[package]] entries without a source) from a Cargo.lock.
func cargoRoots(lines []string) map[string]bool {
	out := map[string]bool{}
	var deps []string
	local, inDeps := false, false
	flush := func() {
		if local {
			for _, d := range deps {
				out[d] = true
			}
		}
		deps, local, inDeps = nil, false, false
	}
	for _, l := range lines {
		t := strings.TrimSpace(l)
		switch {
		case t == "[[package]]":
			flush()
			local = true
		case strings.HasPrefix(t, "["):
			flush()
		case strings.HasPrefix(t, "source ="):
			local = false
		case strings.HasPrefix(t, "dependencies = ["):
			inDeps = !strings.HasSuffix(t, "]")
		case inDeps && t == "]":
			inDeps = false
		case inDeps:
			// ` "name",` or ` "name 0.2.22",` or ` "name 0.2.22 (registry+…)",`
			d := strings.Trim(strings.TrimSuffix(t, ","), `"`)
			d, _, _ = strings.Cut(d, " ")
			deps = append(deps, d)
		}
	}
	flush()
	return out
}
