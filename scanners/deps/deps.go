// Package deps gathers the facts about a project's dependencies: every
// package its lockfiles and manifests pin, matched against the OSV
// vulnerability data by osv-scanner (used as a library), with the lockfile
// line of each vulnerable package, its severity, its fixes, and whether the
// change under review introduced it.
//
// Vulnerability data comes from the osv.dev API, or offline from
// osv-scanner's local layout <db>/osv-scalibr/<Ecosystem>/all.zip, which
// UpdateDB downloads, validates and installs atomically. osv-scanner drops
// every result without an error when one ecosystem's database is missing
// or unreadable; this package checks the databases itself so that never
// passes silently.
package deps

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/osv-scanner/v2/pkg/models"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/skip"
)

// Options configure a dependency scan.
type Options struct {
	// Dir is the project root; lockfiles are found recursively under it.
	Dir string
	// Base is a git ref: packages added or upgraded since it are marked
	// in_change. Empty means no change is under review.
	Base string
	// Offline matches against the local databases in DBDir instead of the
	// osv.dev API.
	Offline bool
	// DBDir holds the offline databases (default DefaultDBDir()).
	DBDir string
	// Exclude are directories to skip, besides DefaultExclude: a name
	// ("testdata") anywhere, or a slash-separated glob relative to Dir.
	Exclude []string
	// Skip are the paths left out (--skip-dirs, --skip-files), relative to
	// Dir: skipped directories are not walked, skipped lockfiles not judged.
	Skip *skip.Paths
	// HTTPClient talks to the osv.dev API in online mode (default:
	// osv-scanner's own client).
	HTTPClient *http.Client
	// Now is the clock for the age of online data (tests).
	Now func() time.Time
}

// Scanner is the dependency scanner.
type Scanner struct {
	opts Options
}

// New returns a dependency scanner.
func New(opts Options) *Scanner {
	if opts.DBDir == "" {
		opts.DBDir = DefaultDBDir()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Scanner{opts: opts}
}

// Scan fills out.Vulnerabilities with one fact per vulnerable package and
// advisory. A file that cannot be read is recorded in the run's errors
// while every other lockfile is still scanned; anything that makes the
// result as a whole untrustworthy (a missing or corrupt database, an
// unreachable API) is an error, never a silent pass.
func (s *Scanner) Scan(ctx context.Context, out *engine.Input) (engine.ScannerRun, error) {
	run := engine.ScannerRun{Version: "osv-scanner " + osvScannerVersion()}
	dir, err := filepath.Abs(cmpOr(s.opts.Dir, "."))
	if err != nil {
		return run, fmt.Errorf("resolve project directory: %w", err)
	}
	if err := ctx.Err(); err != nil {
		return run, err
	}
	dbDir, err := filepath.Abs(s.opts.DBDir)
	if err != nil {
		return run, fmt.Errorf("resolve database directory: %w", err)
	}
	if s.opts.Offline {
		run.Database = "osv.dev offline database " + filepath.ToSlash(dbDir)
		ecos, err := Ecosystems(dbDir)
		if err != nil {
			return run, err
		}
		if len(ecos) == 0 {
			return run, fmt.Errorf("%w in %s: run `relgate db update` (or scan online)", ErrNoDatabase, dbDir)
		}
	} else {
		run.Database = "osv.dev API"
	}

	acts := actions(dir, s.opts.Offline, dbDir, s.opts.Exclude, s.opts.HTTPClient)
	acts.ExcludePatterns = append(acts.ExcludePatterns, skipDirPatterns(dir, s.opts.Skip)...)
	res, logged, err := runOSV(acts)
	if err := scanError(err); err != nil {
		return run, err
	}
	fileErrs, claimed, fatal := logFacts(logged)
	fileErrs = append(fileErrs, notText(claimed)...)
	var skipped int
	res, fileErrs, skipped = skipPaths(dir, s.opts.Skip, res, fileErrs)
	if skipped > 0 {
		setStat(&run, "skipped_lockfiles", int64(skipped))
	}
	seen := map[string]bool{}
	for _, fe := range fileErrs {
		// One fact per file: an extractor may both log and return it.
		if rel := relPath(dir, fe.path); !seen[rel] {
			seen[rel] = true
			run.Errors = append(run.Errors, engine.FileError{Path: rel, Message: withoutRoot(dir, fe.msg)})
		}
	}
	slices.SortFunc(run.Errors, func(a, b engine.FileError) int { return strings.Compare(a.Path, b.Path) })

	ecos, lockfiles, packages := inventory(res)
	if s.opts.Offline {
		// Checked after the scan, against the ecosystems osv-scanner
		// actually found: a missing one means its results were dropped.
		st, err := checkDatabases(dbDir, ecos)
		if err != nil {
			return run, err
		}
		run.DBUpdatedAt = st.UpdatedAt
		if st.Invalid > 0 {
			setStat(&run, "db_invalid_records", int64(st.Invalid))
		}
	} else if packages > 0 {
		now := s.opts.Now().UTC()
		run.DBUpdatedAt = &now // the API serves current data
	}
	if len(fatal) > 0 {
		return run, fmt.Errorf("osv-scanner: %s", strings.Join(fatal, "; "))
	}
	if packages == 0 && len(run.Errors) == 0 {
		run.Status, run.Reason = engine.StatusSkipped, engine.ReasonNoLockfiles
		return run, nil
	}
	setStat(&run, "lockfiles", int64(len(lockfiles)))
	setStat(&run, "packages", int64(packages))

	var ch *change
	if s.opts.Base != "" {
		if ch, err = newChange(ctx, dir, s.opts.Base); err != nil {
			return run, err
		}
		n := 0
		for _, lf := range lockfiles {
			if ch.changed[relPath(dir, lf)] {
				n++
			}
		}
		setStat(&run, "lockfiles_changed", int64(n))
	}
	vulns, err := facts(dir, res, ch)
	if err != nil {
		return run, err
	}
	out.Vulnerabilities = append(out.Vulnerabilities, vulns...)
	setStat(&run, "vulnerabilities", int64(len(vulns)))
	return run, nil
}

// withoutRoot names the files in an extractor's message relative to the
// project, as facts do: osv-scalibr quotes them from the filesystem root,
// without the leading slash ("could not extract: tmp/…/go.mod:1: …").
func withoutRoot(dir, msg string) string {
	root := strings.TrimPrefix(filepath.ToSlash(dir), "/") + "/"
	msg = strings.ReplaceAll(msg, "/"+root, "")
	return strings.ReplaceAll(msg, root, "")
}

func cmpOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func setStat(run *engine.ScannerRun, k string, v int64) {
	if run.Stats == nil {
		run.Stats = map[string]int64{}
	}
	run.Stats[k] = v
}

// inventory lists the ecosystems (as the offline matcher names its
// databases) and lockfiles osv-scanner found, and counts the packages.
func inventory(res models.VulnerabilityResults) (ecos, lockfiles []string, packages int) {
	for _, src := range res.Results {
		if src.Source.Type == models.SourceTypeProjectPackage || src.Source.Type == models.SourceTypeSBOM {
			lockfiles = append(lockfiles, src.Source.Path)
		}
		for _, p := range src.Packages {
			packages++
			eco, _, _ := strings.Cut(p.Package.Ecosystem, ":")
			if eco == "" && p.Package.Version != "" {
				eco = "GIT"
			}
			if eco != "" && !slices.Contains(ecos, eco) {
				ecos = append(ecos, eco)
			}
		}
	}
	slices.Sort(ecos)
	slices.Sort(lockfiles)
	return ecos, slices.Compact(lockfiles), packages
}

// facts converts osv-scanner's results into vulnerability facts, reading
// each lockfile with a finding once for lines and direct dependencies.
func facts(dir string, res models.VulnerabilityResults, ch *change) ([]engine.Vulnerability, error) {
	var out []engine.Vulnerability
	for _, src := range res.Results {
		rel := relPath(dir, src.Source.Path)
		var lf *lockfile
		for _, pv := range src.Packages {
			if len(pv.Vulnerabilities) == 0 {
				continue
			}
			if lf == nil {
				data, err := os.ReadFile(src.Source.Path)
				if err != nil && !errors.Is(err, os.ErrNotExist) {
					return nil, fmt.Errorf("read %s: %w", rel, err)
				}
				lf = newLockfile(rel, data)
			}
			inv := pv.Package.Inventory
			line, plugin, name, version := 0, "", pv.Package.Name, pv.Package.Version
			if inv != nil {
				if d := inv.Location.Descriptor; d != nil && d.File != nil {
					line = d.File.LineNumber
				}
				if len(inv.Plugins) > 0 {
					plugin = inv.Plugins[0]
				}
			}
			if line <= 0 {
				line = lf.findLine(name, version)
			}
			pkg := engine.Package{Name: name, Version: version, Ecosystem: pv.Package.Ecosystem}
			if inv != nil {
				if p := inv.PURL(); p != nil {
					pkg.PURL = p.String()
				}
			}
			inChange := false
			if ch != nil && inv != nil {
				var err error
				if inChange, err = ch.inChange(rel, plugin, inv.Name, inv.Version); err != nil {
					return nil, err
				}
			}
			loc := engine.Location{Path: rel, StartLine: line, EndLine: line}
			for _, f := range vulnFacts(pv) {
				f.Package = pkg
				f.Location = loc
				f.Dev = slices.Contains(pv.DepGroups, "dev")
				f.Direct = lf.direct(name, line)
				f.InChange = inChange
				out = append(out, f)
			}
		}
	}
	return out, nil
}

// ProjectEcosystems lists the ecosystems of the packages in the project's
// lockfiles, as the offline databases are named: what `db update` fetches
// when no ecosystems are named. It reads lockfiles only and never touches
// the network.
func ProjectEcosystems(ctx context.Context, dir string, exclude []string) ([]string, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("resolve project directory: %w", err)
	}
	// Matching against an empty database fails per ecosystem (logged and
	// ignored here); the packages found are all that is wanted.
	empty, err := os.MkdirTemp("", "relgate-nodb-")
	if err != nil {
		return nil, fmt.Errorf("create temporary directory: %w", err)
	}
	defer func() { _ = os.RemoveAll(empty) }()
	res, _, err := runOSV(actions(abs, true, empty, exclude, nil))
	if err := scanError(err); err != nil {
		return nil, err
	}
	ecos, _, _ := inventory(res)
	return ecos, nil
}
