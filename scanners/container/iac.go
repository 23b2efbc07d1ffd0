package container

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	bkparser "github.com/moby/buildkit/frontend/dockerfile/parser"
	"go.yaml.in/yaml/v3"

	"github.com/aquasecurity/trivy/pkg/cache"
	"github.com/aquasecurity/trivy/pkg/fanal/artifact"
	artlocal "github.com/aquasecurity/trivy/pkg/fanal/artifact/local"
	"github.com/aquasecurity/trivy/pkg/fanal/walker"
	"github.com/aquasecurity/trivy/pkg/iac/detection"
	dfparser "github.com/aquasecurity/trivy/pkg/iac/scanners/dockerfile/parser"
	"github.com/aquasecurity/trivy/pkg/types"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/skip"
)

// scanIaC runs trivy's misconfiguration scanners over dir, as `trivy config`
// does, and returns every failed check. walk says what to skip.
func scanIaC(ctx context.Context, dir string, walk walker.Option) ([]engine.Misconfiguration, error) {
	rs, err := regoScanner()
	if err != nil {
		return nil, err
	}
	mo := misconfOptions()
	mo.RegoScanner = rs
	opt := artifactOption(iacDisabledAnalyzers(), true)
	opt.MisconfScannerOption = mo
	opt.WalkerOption = walk
	_, resp, err := scan(ctx, func(c cache.ArtifactCache) (artifact.Artifact, error) {
		return artlocal.NewArtifact(dir, c, walker.NewFS(), opt)
	}, types.ScanOptions{Scanners: types.Scanners{types.MisconfigScanner}})
	if err != nil {
		return nil, fmt.Errorf("scan %s for misconfigurations: %w", dir, err)
	}
	return misconfFacts(resp.Results), nil
}

// misconfFacts keeps the failed checks of trivy's results.
func misconfFacts(results types.Results) []engine.Misconfiguration {
	var out []engine.Misconfiguration
	for _, r := range results {
		if r.Class != types.ClassConfig {
			continue
		}
		for _, m := range r.Misconfigurations {
			if m.Status != types.MisconfStatusFailure {
				continue
			}
			out = append(out, engine.Misconfiguration{
				ID:         m.ID,
				Title:      m.Title,
				Severity:   severity(m.Severity),
				Message:    m.Message,
				Resolution: m.Resolution,
				Resource:   m.CauseMetadata.Resource,
				Type:       string(r.Type),
				Location: engine.Location{
					Path:      filepath.ToSlash(r.Target),
					StartLine: m.CauseMetadata.StartLine,
					EndLine:   m.CauseMetadata.EndLine,
				},
			})
		}
	}
	return out
}

// severity maps trivy's upper-case severities to the document's.
func severity(s string) string {
	switch s = strings.ToLower(s); s {
	case "critical", "high", "medium", "low":
		return s
	default:
		return "unknown"
	}
}

// parseErrors finds the Terraform, YAML and Dockerfiles under dir that do not
// parse. trivy only logs such a file and moves on, so without this fact a
// broken manifest would look like a clean one.
func parseErrors(dir string, skipped *skip.Paths) ([]engine.Misconfiguration, error) {
	// Reading through os.Root keeps every read inside dir, whatever
	// symlinks the repository holds.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("check files for parse errors: %w", err)
	}
	defer func() { _ = root.Close() }()
	fsys := root.FS()
	var out []engine.Misconfiguration
	err = fs.WalkDir(fsys, ".", func(rel string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if d.Name() == ".git" || (rel != "." && skipped.Dir(rel)) {
				return fs.SkipDir
			}
			return nil
		}
		if !d.Type().IsRegular() || skipped.File(rel) {
			return nil
		}
		kind, check := parserFor(rel)
		if check == nil || isHelmTemplate(fsys, rel) {
			return nil
		}
		data, err := fs.ReadFile(fsys, rel)
		if err != nil {
			return fmt.Errorf("read %s: %w", rel, err)
		}
		if line, msg, bad := check(rel, data); bad {
			out = append(out, engine.Misconfiguration{
				Title:    "File could not be parsed",
				Severity: "unknown",
				Message:  msg,
				Type:     kind,
				Error:    msg,
				Location: engine.Location{Path: rel, StartLine: line, EndLine: line},
			})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("check files for parse errors: %w", err)
	}
	return out, nil
}

// checkFunc parses a file and reports the first error's line and message.
type checkFunc func(name string, data []byte) (line int, msg string, bad bool)

func parserFor(name string) (kind string, check checkFunc) {
	base := path.Base(name)
	switch {
	case strings.HasSuffix(base, ".tf.json"), strings.HasSuffix(base, ".tofu.json"):
		return "terraform", checkHCL(true)
	case strings.HasSuffix(base, ".tf"), strings.HasSuffix(base, ".tofu"):
		return "terraform", checkHCL(false)
	case strings.HasSuffix(base, ".yaml"), strings.HasSuffix(base, ".yml"):
		return "yaml", checkYAML
	case detection.IsType(base, nil, detection.FileTypeDockerfile):
		// trivy's own test of a Dockerfile's name (Dockerfile,
		// Dockerfile.prod, app.dockerfile, Containerfile …).
		return "dockerfile", checkDockerfile
	}
	return "", nil
}

// checkDockerfile parses a Dockerfile as trivy's Dockerfile checks do. When
// that fails (`COPY onlyone`, an unknown instruction) trivy logs the file
// and checks nothing in it.
func checkDockerfile(name string, data []byte) (int, string, bool) {
	_, err := dfparser.NewParser().Parse(context.Background(), bytes.NewReader(data), name)
	if err == nil {
		return 0, "", false
	}
	line := 0
	var le *bkparser.LocationError
	if errors.As(err, &le) && len(le.Locations) > 0 && len(le.Locations[0]) > 0 {
		line = le.Locations[0][0].Start.Line
	}
	return line, err.Error(), true
}

func checkHCL(json bool) checkFunc {
	return func(name string, data []byte) (int, string, bool) {
		p := hclparse.NewParser()
		var diags hcl.Diagnostics
		if json {
			_, diags = p.ParseJSON(data, name)
		} else {
			_, diags = p.ParseHCL(data, name)
		}
		for _, d := range diags {
			if d.Severity != hcl.DiagError {
				continue
			}
			line := 0
			if d.Subject != nil {
				line = d.Subject.Start.Line
			}
			msg := d.Summary
			if d.Detail != "" {
				msg += ": " + d.Detail
			}
			return line, msg, true
		}
		return 0, "", false
	}
}

var yamlLineRE = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserProblems are the YAML library's parser (not scanner) errors.
// It reports their line counting from 0, and its scanner's from 1.
var yamlParserProblems = map[string]bool{
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"did not find expected '-' indicator":    true,
	"did not find expected <document start>": true,
	"did not find expected key":              true,
	"did not find expected node content":     true,
	"found duplicate %TAG directive":         true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found undefined tag handle":             true,
}

func checkYAML(_ string, data []byte) (int, string, bool) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			return 0, "", false
		}
		if err != nil {
			msg := err.Error()
			if m := yamlLineRE.FindStringSubmatch(msg); m != nil {
				line, _ := strconv.Atoi(m[1])
				if yamlParserProblems[m[2]] {
					line++
				}
				return line, m[2], true
			}
			return 0, strings.TrimPrefix(msg, "yaml: "), true
		}
	}
}

// isHelmTemplate is true for files under a chart's templates directory:
// they are Go templates, which trivy renders before checking.
func isHelmTemplate(fsys fs.FS, rel string) bool {
	parts := strings.Split(rel, "/")
	for i := 0; i < len(parts)-1; i++ {
		if parts[i] != "templates" {
			continue
		}
		if _, err := fs.Stat(fsys, path.Join(append(parts[:i:i], "Chart.yaml")...)); err == nil {
			return true
		}
	}
	return false
}

func sortMisconfigurations(ms []engine.Misconfiguration) {
	slices.SortFunc(ms, func(a, b engine.Misconfiguration) int {
		return cmp.Or(
			cmp.Compare(a.Location.Path, b.Location.Path),
			cmp.Compare(a.Location.StartLine, b.Location.StartLine),
			cmp.Compare(a.ID, b.ID),
			cmp.Compare(a.Resource, b.Resource),
			cmp.Compare(a.Location.EndLine, b.Location.EndLine),
			cmp.Compare(a.Message, b.Message),
		)
	})
}
