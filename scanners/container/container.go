// Package container gathers facts about container images and
// infrastructure-as-code files with trivy, embedded as a library.
//
// Two scanners live here. Scanner ("containers") looks at images given as
// registry references, docker-save tarballs, OCI layout directories or OCI
// layout tarballs, and reports each image (OS, end of life, user, layers)
// and the known vulnerabilities of its OS and language packages. IaCScanner
// ("iac") runs trivy's embedded misconfiguration checks over a directory
// (Dockerfile, Kubernetes, Helm, Terraform, CloudFormation) and reports each
// failed check with its file and lines, plus each file that could not be
// parsed. Neither judges anything: severities and thresholds are for policy.
//
// This is the only package that imports trivy. trivy keeps process-wide state
// (the vulnerability database handle, a per-process temporary directory, the
// default slog logger), so every call into it holds one lock, and the
// temporary directory is removed when each scan ends.
package container

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"runtime/debug"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/skip"
)

// DefaultConfigPath is where image facts point when no Dockerfile is known
// for an image: the config file that lists the images.
const DefaultConfigPath = ".relgate.yaml"

// Options say what to scan and where the databases are.
type Options struct {
	// Dir is the repository root. IaC is scanned under it; Dockerfile
	// paths are relative to it.
	Dir string
	// Images are registry references, docker-save tarballs, OCI layout
	// directories or OCI layout tarballs.
	Images []string
	// ImageDockerfiles maps an image (as written in Images) to the
	// repo-relative Dockerfile that builds it, so findings point at its
	// FROM line.
	ImageDockerfiles map[string]string
	// DBDir holds trivy's database as trivy lays it out: DBDir/db/trivy.db
	// and DBDir/db/metadata.json (default DefaultDBDir()).
	DBDir string
	// Offline forbids network access other than pulling the images named
	// as registry references (e.g. Maven lookups for pom.xml files).
	Offline bool
	// ConfigPath is the repo-relative config file image facts point at when
	// no Dockerfile is mapped; DefaultConfigPath when empty.
	ConfigPath string
}

// Scanner reports container images and their vulnerabilities.
type Scanner struct {
	opts Options
}

// New returns the image scanner.
func New(o Options) *Scanner {
	o.ConfigPath = cmp.Or(o.ConfigPath, DefaultConfigPath)
	o.DBDir = cmp.Or(o.DBDir, DefaultDBDir())
	return &Scanner{opts: o}
}

// IaCScanner reports failed misconfiguration checks in a directory.
type IaCScanner struct {
	dir  string
	opts IaCOptions
}

// IaCOptions say what the misconfiguration scanner looks at.
type IaCOptions struct {
	// Dir is the directory scanned.
	Dir string
	// Base is the --base REF: each finding then says whether the change
	// touched its file (in_change), for PR mode.
	Base string
	// Skip are the paths left out (--skip-dirs, --skip-files): trivy's
	// walker skips them as `trivy config --skip-dirs` does.
	Skip *skip.Paths
}

// NewIaC returns the misconfiguration scanner for the directory.
func NewIaC(dir string) *IaCScanner {
	return NewIaCWith(IaCOptions{Dir: dir})
}

// NewIaCWith returns the misconfiguration scanner for the options.
func NewIaCWith(o IaCOptions) *IaCScanner {
	return &IaCScanner{dir: o.Dir, opts: o}
}

// trivyVersion is the trivy module version in go.mod; a test keeps the two
// equal. Binaries read the version from their build info instead, but test
// binaries carry no module versions.
const trivyVersion = "v0.74.0"

// Version is the version of the embedded trivy module.
func Version() string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == "github.com/aquasecurity/trivy" {
				if d.Replace != nil {
					return d.Replace.Version
				}
				return d.Version
			}
		}
	}
	return trivyVersion
}

// Scan scans every image. Any image that cannot be scanned fails the whole
// run: a partial image list must not look like a complete one.
func (s *Scanner) Scan(ctx context.Context, out *engine.Input) (engine.ScannerRun, error) {
	run := engine.ScannerRun{Version: Version()}
	if len(s.opts.Images) == 0 {
		run.Status, run.Reason = engine.StatusSkipped, engine.ReasonNoImages
		return run, nil
	}
	db, err := openDB(s.opts.DBDir)
	if err != nil {
		return run, err
	}
	run.Database = "trivy-db " + filepath.ToSlash(db.dir)
	if !db.meta.UpdatedAt.IsZero() {
		t := db.meta.UpdatedAt.UTC()
		run.DBUpdatedAt = &t
	}
	var facts []imageFacts
	err = withTrivy(func() (err error) {
		// A damaged database file faults when read; make that an error of
		// this scan rather than a crash of the process.
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("scan images: %v", r)
			}
		}()
		if err := db.init(); err != nil {
			return err
		}
		defer db.close()
		for _, ref := range s.opts.Images {
			if err := ctx.Err(); err != nil {
				return err
			}
			f, err := s.scanImage(ctx, ref)
			if err != nil {
				return err
			}
			facts = append(facts, f)
		}
		return nil
	})
	if err != nil {
		return run, err
	}
	var vulns int
	for _, f := range facts {
		out.Containers = append(out.Containers, f.container)
		out.Vulnerabilities = append(out.Vulnerabilities, f.vulns...)
		vulns += len(f.vulns)
	}
	sortContainers(out.Containers)
	sortVulnerabilities(out.Vulnerabilities)
	run.Stats = map[string]int64{"images": int64(len(facts)), "vulnerabilities": int64(vulns)}
	return run, nil
}

// Scan runs the embedded misconfiguration checks over the directory.
func (s *IaCScanner) Scan(ctx context.Context, out *engine.Input) (engine.ScannerRun, error) {
	run := engine.ScannerRun{Version: Version()}
	if s.dir == "" {
		run.Status, run.Reason = engine.StatusSkipped, engine.ReasonNoDirectory
		return run, nil
	}
	abs, err := filepath.Abs(s.dir)
	if err != nil {
		return run, fmt.Errorf("resolve directory %s: %w", s.dir, err)
	}
	if fi, err := os.Stat(abs); err != nil {
		return run, fmt.Errorf("scan directory: %w", err)
	} else if !fi.IsDir() {
		return run, fmt.Errorf("scan directory: %s is not a directory", s.dir)
	}
	walk := walkOption(abs, s.opts.Skip)
	claimed, err := hasConfigFiles(ctx, abs, walk)
	if err != nil {
		return run, err
	}
	var found []engine.Misconfiguration
	if claimed {
		err = withTrivy(func() error {
			var err error
			found, err = scanIaC(ctx, abs, walk)
			return err
		})
		if err != nil {
			return run, err
		}
	} else {
		slog.Debug("no file trivy checks for misconfigurations: its checks are not loaded", "dir", s.dir)
	}
	broken, err := parseErrors(abs, s.opts.Skip)
	if err != nil {
		return run, err
	}
	found = append(found, broken...)
	if s.opts.Base != "" {
		if err := markChanged(ctx, abs, s.opts.Base, found); err != nil {
			return run, err
		}
	}
	sortMisconfigurations(found)
	out.Misconfigurations = append(out.Misconfigurations, found...)
	run.Stats = map[string]int64{
		"misconfigurations": int64(len(found) - len(broken)),
		"parse_errors":      int64(len(broken)),
	}
	return run, nil
}
