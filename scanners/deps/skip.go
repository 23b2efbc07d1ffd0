package deps

import (
	"path/filepath"
	"regexp"
	"strings"

	"github.com/google/osv-scanner/v2/pkg/models"

	"github.com/relgate/relgate/internal/skip"
)

// skipDirPatterns turns the --skip-dirs globs into the regular expression
// osv-scanner matches directory paths against, so that a skipped directory
// is not walked at all (its broken fixture lockfiles are not even read).
// Globs the translation does not cover ({a,b}, [ab]) still leave their
// lockfiles out through skipPaths, after the walk.
func skipDirPatterns(dir string, sp *skip.Paths) []string {
	if len(sp.Dirs()) == 0 {
		return nil
	}
	root := strings.TrimPrefix(filepath.ToSlash(dir), "/")
	alts := make([]string, 0, len(sp.Dirs()))
	for _, d := range sp.Dirs() {
		alts = append(alts, "^"+regexp.QuoteMeta(root)+"/"+globRegexp(d)+"$")
	}
	return []string{"r:(" + strings.Join(alts, "|") + ")"}
}

// skipPaths drops the lockfiles (and the errors of files) that --skip-dirs
// or --skip-files leave out, with exactly trivy's matching, and counts the
// lockfiles dropped.
func skipPaths(dir string, sp *skip.Paths, res models.VulnerabilityResults, errs []fileError) (models.VulnerabilityResults, []fileError, int) {
	if sp.Empty() {
		return res, errs, 0
	}
	n := 0
	kept := res.Results[:0:0]
	for _, src := range res.Results {
		if sp.File(relPath(dir, src.Source.Path)) {
			n++
			continue
		}
		kept = append(kept, src)
	}
	res.Results = kept
	keptErrs := errs[:0:0]
	for _, fe := range errs {
		if !sp.File(relPath(dir, fe.path)) {
			keptErrs = append(keptErrs, fe)
		}
	}
	return res, keptErrs, n
}
