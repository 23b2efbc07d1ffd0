package container

import (
	"bufio"
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	dbtypes "github.com/aquasecurity/trivy-db/pkg/types"
	"github.com/aquasecurity/trivy/pkg/cache"
	"github.com/aquasecurity/trivy/pkg/fanal/artifact"
	artimage "github.com/aquasecurity/trivy/pkg/fanal/artifact/image"
	ftypes "github.com/aquasecurity/trivy/pkg/fanal/types"
	"github.com/aquasecurity/trivy/pkg/types"

	"github.com/relgate/relgate/engine"
)

// Image sources, as reported in containers[].source.
const (
	sourceRegistry      = "registry"
	sourceDockerArchive = "docker-archive"
	sourceOCILayout     = "oci-layout"
)

type imageFacts struct {
	container engine.Container
	vulns     []engine.Vulnerability
}

// scanImage scans one image; every error names it.
func (s *Scanner) scanImage(ctx context.Context, ref string) (imageFacts, error) {
	name := s.displayName(ref)
	img, source, cleanup, err := openImage(ctx, ref)
	if err != nil {
		return imageFacts{}, fmt.Errorf("open image %s: %w", name, err)
	}
	defer cleanup()
	opt := artifactOption(imageDisabledAnalyzers(), s.opts.Offline)
	aref, resp, err := scan(ctx, func(c cache.ArtifactCache) (artifact.Artifact, error) {
		return artimage.NewArtifact(img, c, opt)
	}, vulnScanOptions())
	if err != nil {
		return imageFacts{}, fmt.Errorf("scan image %s: %w", name, err)
	}
	loc, err := s.location(ref)
	if err != nil {
		return imageFacts{}, fmt.Errorf("locate image %s: %w", name, err)
	}

	c := engine.Container{
		Image:    name,
		ID:       aref.ImageMetadata.ID,
		Source:   source,
		Tags:     sortedUnique(aref.ImageMetadata.RepoTags),
		User:     aref.ImageMetadata.ConfigFile.Config.User,
		Layers:   len(aref.ImageMetadata.DiffIDs),
		Location: loc,
	}
	if source != sourceDockerArchive {
		// A docker-save archive has no manifest digest of its own; computing
		// one would mean compressing every layer.
		if d, err := img.Digest(); err == nil {
			c.Digest = d.String()
		}
	}
	if resp.OS.Family != "" && resp.OS.Family != "none" {
		c.OS = engine.OS{Family: string(resp.OS.Family), Version: resp.OS.Name, EOL: resp.OS.Eosl}
	}

	var vulns []engine.Vulnerability
	for _, r := range resp.Results {
		if r.Class != types.ClassOSPkg && r.Class != types.ClassLangPkg {
			continue
		}
		for _, p := range r.Packages {
			// The application's own manifest is not a package it ships.
			if p.Relationship != ftypes.RelationshipRoot && p.Relationship != ftypes.RelationshipWorkspace {
				c.Packages++
			}
		}
		eco := ecosystem(r, resp.OS)
		pkgs := make(map[string]ftypes.Package, len(r.Packages))
		for _, p := range r.Packages {
			pkgs[p.ID] = p
		}
		for _, v := range r.Vulnerabilities {
			vulns = append(vulns, vulnFact(v, pkgs[v.PkgID], eco, name, loc))
		}
	}
	sortVulnerabilities(vulns)
	return imageFacts{container: c, vulns: vulns}, nil
}

// vulnFact turns one of trivy's detected vulnerabilities into the fields
// the dependency scanner reports, so one set of rules judges both.
func vulnFact(v types.DetectedVulnerability, p ftypes.Package, eco, image string, loc engine.Location) engine.Vulnerability {
	out := engine.Vulnerability{
		ID:            v.VulnerabilityID,
		Summary:       cmp.Or(v.Title, firstLine(v.Description)),
		Severity:      severity(v.Severity), //nolint:staticcheck // the severity trivy selected by its source order, as its reports show
		FixedVersions: splitVersions(v.FixedVersion),
		Published:     v.PublishedDate,
		Modified:      v.LastModifiedDate,
		Source:        "trivy",
		Location:      loc,
		Image:         image,
		Dev:           p.Dev,
		Package: engine.Package{
			Name:      v.PkgName,
			Version:   v.InstalledVersion,
			Ecosystem: eco,
		},
	}
	if v.PkgIdentifier.PURL != nil {
		out.Package.PURL = v.PkgIdentifier.PURL.String()
	}
	for _, id := range sortedUnique(v.VendorIDs) {
		if id != v.VulnerabilityID {
			out.Aliases = append(out.Aliases, id)
		}
	}
	switch p.Relationship {
	case ftypes.RelationshipDirect:
		out.Direct = new(true)
	case ftypes.RelationshipIndirect:
		out.Direct = new(false)
	}
	out.CVSSScore, out.CVSSVector = pickCVSS(v.CVSS, v.SeveritySource)
	out.CWEs = sortedUnique(v.CweIDs)
	if v.Layer.Digest != "" || v.Layer.DiffID != "" {
		out.Layer = &engine.Layer{Digest: v.Layer.Digest, DiffID: v.Layer.DiffID}
	}
	return out
}

// pickCVSS prefers the CVSS of the source trivy took the severity from,
// then NVD's, then any other source's in name order; within a source, v3
// over v4.0 over v2 (v3 is what most tools and thresholds use).
func pickCVSS(all dbtypes.VendorCVSS, preferred dbtypes.SourceID) (float64, string) {
	pick := func(c dbtypes.CVSS) (float64, string, bool) {
		switch {
		case c.V3Score > 0 || c.V3Vector != "":
			return c.V3Score, c.V3Vector, true
		case c.V40Score > 0 || c.V40Vector != "":
			return c.V40Score, c.V40Vector, true
		case c.V2Score > 0 || c.V2Vector != "":
			return c.V2Score, c.V2Vector, true
		}
		return 0, "", false
	}
	order := []dbtypes.SourceID{preferred, "nvd"}
	var rest []dbtypes.SourceID
	for id := range all {
		rest = append(rest, id)
	}
	slices.Sort(rest)
	for _, id := range append(order, rest...) {
		if c, ok := all[id]; ok {
			if score, vector, ok := pick(c); ok {
				return score, vector
			}
		}
	}
	return 0, ""
}

// splitVersions reads trivy's fixed versions, a comma-separated list.
func splitVersions(s string) []string {
	out := []string{}
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" && !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

func firstLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func sortedUnique(s []string) []string {
	if len(s) == 0 {
		return nil
	}
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}

// ecosystem names a result's packages as OSV does, so that the same
// package reads the same from both vulnerability sources.
func ecosystem(r types.Result, os ftypes.OS) string {
	if r.Class == types.ClassOSPkg {
		major, minor, _ := strings.Cut(os.Name, ".")
		minor, _, _ = strings.Cut(minor, ".")
		switch os.Family {
		case ftypes.Alpine:
			return "Alpine:v" + major + "." + minor
		case ftypes.Debian:
			return "Debian:" + major
		case ftypes.Ubuntu:
			return "Ubuntu:" + os.Name
		}
		return string(os.Family) + ":" + os.Name
	}
	switch r.Type {
	case ftypes.Npm, ftypes.Yarn, ftypes.Pnpm, ftypes.Bun, ftypes.NodePkg:
		return "npm"
	case ftypes.Pip, ftypes.Pipenv, ftypes.Poetry, ftypes.Uv, ftypes.PyLock, ftypes.PythonPkg:
		return "PyPI"
	case ftypes.GoModule, ftypes.GoBinary:
		return "Go"
	case ftypes.Cargo, ftypes.RustBinary:
		return "crates.io"
	case ftypes.Composer, ftypes.ComposerVendor:
		return "Packagist"
	case ftypes.Bundler, ftypes.GemSpec:
		return "RubyGems"
	case ftypes.Jar, ftypes.Pom, ftypes.Gradle, ftypes.Sbt:
		return "Maven"
	case ftypes.NuGet, ftypes.DotNetCore, ftypes.PackagesProps:
		return "NuGet"
	case ftypes.Pub:
		return "Pub"
	case ftypes.Hex:
		return "Hex"
	case ftypes.Swift:
		return "SwiftURL"
	case ftypes.Cocoapods:
		return "CocoaPods"
	case ftypes.Conan:
		return "ConanCenter"
	}
	return string(r.Type)
}

// displayName is how an image appears in the facts: a registry reference as
// given, an archive by its repo-relative path when it lies in the repository.
func (s *Scanner) displayName(ref string) string {
	if !isLocal(ref) || s.opts.Dir == "" {
		return ref
	}
	abs, err := filepath.Abs(ref)
	if err != nil {
		return ref
	}
	root, err := filepath.Abs(s.opts.Dir)
	if err != nil {
		return ref
	}
	if rel, err := filepath.Rel(root, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
		return filepath.ToSlash(rel)
	}
	return filepath.ToSlash(ref)
}

// location is where an image's findings point: the FROM line of the
// Dockerfile that builds it when the config names one, else the line of the
// config file that lists the image (or the file itself).
func (s *Scanner) location(ref string) (engine.Location, error) {
	df, ok := s.opts.ImageDockerfiles[ref]
	if !ok {
		df, ok = s.opts.ImageDockerfiles[s.displayName(ref)]
	}
	if ok {
		df = filepath.ToSlash(filepath.Clean(df))
		start, end, err := fromLines(filepath.Join(s.opts.Dir, filepath.FromSlash(df)))
		if err != nil {
			return engine.Location{}, err
		}
		return engine.Location{Path: df, StartLine: start, EndLine: end}, nil
	}
	loc := engine.Location{Path: s.opts.ConfigPath}
	config := filepath.Join(s.opts.Dir, filepath.FromSlash(s.opts.ConfigPath))
	for _, name := range []string{s.displayName(ref), ref} {
		if line := lineContaining(config, name); line > 0 {
			loc.StartLine, loc.EndLine = line, line
			break
		}
	}
	return loc, nil
}

// lineContaining is the first line of the file that contains s, or 0.
func lineContaining(path, s string) int {
	f, err := os.Open(path)
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		if strings.Contains(sc.Text(), s) {
			return n
		}
	}
	return 0
}

func sortContainers(cs []engine.Container) {
	slices.SortFunc(cs, func(a, b engine.Container) int {
		return cmp.Or(cmp.Compare(a.Image, b.Image), cmp.Compare(a.ID, b.ID))
	})
}

func sortVulnerabilities(vs []engine.Vulnerability) {
	slices.SortStableFunc(vs, func(a, b engine.Vulnerability) int {
		return cmp.Or(
			cmp.Compare(a.Image, b.Image),
			cmp.Compare(a.Package.Ecosystem, b.Package.Ecosystem),
			cmp.Compare(a.Package.Name, b.Package.Name),
			cmp.Compare(a.Package.Version, b.Package.Version),
			cmp.Compare(a.ID, b.ID),
			cmp.Compare(a.Package.PURL, b.Package.PURL),
		)
	})
}
