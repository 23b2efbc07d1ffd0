package container

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sync"

	"github.com/aquasecurity/trivy/pkg/fanal/analyzer"
	"github.com/aquasecurity/trivy/pkg/fanal/walker"
	"github.com/aquasecurity/trivy/pkg/iac/detection"
	ansibleparser "github.com/aquasecurity/trivy/pkg/iac/scanners/ansible/parser"
	"github.com/aquasecurity/trivy/pkg/mapfs"
)

// errClaimed stops the walk at the first file trivy would check.
var errClaimed = errors.New("a file trivy checks")

// iacGroup is trivy's analyzer group as a misconfiguration scan builds it,
// minus the compiled checks: it answers which files trivy's scanners claim.
// It is built once per process, under the trivy lock, because building it
// initialises trivy's process-wide analyzers.
var iacGroup = newIaCGroup()

func newIaCGroup() func() (analyzer.AnalyzerGroup, error) {
	return sync.OnceValues(func() (analyzer.AnalyzerGroup, error) {
		trivyMu.Lock()
		defer trivyMu.Unlock()
		opt := artifactOption(iacDisabledAnalyzers(), true)
		opt.MisconfScannerOption = misconfOptions()
		g, err := analyzer.NewAnalyzerGroup(opt.AnalyzerOptions())
		if err != nil {
			return analyzer.AnalyzerGroup{}, fmt.Errorf("set up trivy's analyzers: %w", err)
		}
		return g, nil
	})
}

// hasConfigFiles reports whether trivy's misconfiguration scanners would
// check any file under dir. Starting them costs seconds (compiling some
// thousand Rego checks) and a repository without Dockerfiles, manifests or
// Terraform needs none of it. The answer is trivy's own, in its own two
// steps: its walker with its skip rules, each post-analyzer's Required
// (name and size), then the file-type detection each misconfiguration
// scanner filters its files with (for Ansible, its search for projects). A
// file that cannot be read counts as claimed, so that trivy runs and
// reports on it as it always did.
func hasConfigFiles(ctx context.Context, dir string, walk walker.Option) (bool, error) {
	g, err := iacGroup()
	if err != nil {
		return false, err
	}
	// trivy's Ansible scanner takes every YAML, JSON, INI and extensionless
	// file, then checks only the Ansible projects it finds among them: it
	// gets the same files, in the same in-memory tree, to look for one.
	ansible := mapfs.New(mapfs.WithUnderlyingRoot(dir))
	err = walker.NewFS().Walk(dir, walk, func(rel string, info os.FileInfo, open analyzer.Opener) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		for _, t := range g.RequiredPostAnalyzers(rel, info) {
			if t == analyzer.TypeAnsible {
				if d := path.Dir(rel); d != "." {
					if err := ansible.MkdirAll(d, os.ModePerm); err != nil && !errors.Is(err, fs.ErrExist) {
						return err
					}
				}
				if err := ansible.WriteFile(rel, filepath.Join(dir, rel)); err != nil {
					return err
				}
				continue
			}
			if t == analyzer.TypeHelm {
				// trivy's Helm scanner takes every YAML, JSON and template
				// file but checks only charts: a Chart.yaml or an archive.
				if path.Base(rel) == "Chart.yaml" || detection.IsArchive(rel) {
					return errClaimed
				}
				continue
			}
			if claims(rel, open, detection.FileType(t)) {
				return errClaimed
			}
		}
		return nil
	})
	switch {
	case errors.Is(err, errClaimed):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("look for configuration files in %s: %w", dir, err)
	}
	projects, err := ansibleparser.FindProjects(ansible, ".")
	if err != nil {
		return true, nil // trivy's scanner will meet the same problem and say so
	}
	return len(projects) > 0, nil
}

// claims is trivy's test of whether its scanner for type t checks the file.
func claims(rel string, open analyzer.Opener, t detection.FileType) bool {
	f, err := open()
	if err != nil {
		return true
	}
	defer func() { _ = f.Close() }()
	return detection.IsType(rel, f, t)
}
