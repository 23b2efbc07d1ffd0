package scanners

import (
	"fmt"
	"slices"
	"strings"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/scanners/release"
)

// Target is what the gate looks at.
type Target struct {
	// Dir is the repository (or project) root, absolute.
	Dir string
	// Base is the --base REF: the change is Base..HEAD.
	Base string
	// Staged limits the change to the git index (pre-commit).
	Staged bool
	// Images are container image references or archives (--image).
	Images []string
	// Offline forbids network access to vulnerability databases.
	Offline bool
	// DBDir holds the offline vulnerability databases.
	DBDir string
}

// Names lists every scanner relgate knows, in the order they are reported.
func Names() []string {
	return []string{"release"}
}

// New returns the named scanner for the target. An unknown name is an error.
func New(name string, t Target, cfg *config.Config) (Scanner, error) {
	switch name {
	case "release":
		return release.New(release.Options{Dir: t.Dir, Base: t.Base}), nil
	default:
		return nil, fmt.Errorf("unknown scanner %q (known: %s)", name, strings.Join(Names(), ", "))
	}
}

// Select resolves the scanners to run: the listed names (or all when none
// are listed), de-duplicated, each checked against the registry.
func Select(names []string) ([]string, error) {
	if len(names) == 0 {
		return Names(), nil
	}
	var out []string
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || slices.Contains(out, n) {
			continue
		}
		if !slices.Contains(Names(), n) {
			return nil, fmt.Errorf("unknown scanner %q (known: %s)", n, strings.Join(Names(), ", "))
		}
		out = append(out, n)
	}
	return out, nil
}
