package deps

import (
	"cmp"
	"slices"
	"strings"

	"github.com/google/osv-scalibr/semantic"
	"github.com/google/osv-scanner/v2/pkg/models"
	"github.com/ossf/osv-schema/bindings/go/osvschema"
	gocvss20 "github.com/pandatix/go-cvss/20"
	gocvss30 "github.com/pandatix/go-cvss/30"
	gocvss31 "github.com/pandatix/go-cvss/31"
	gocvss40 "github.com/pandatix/go-cvss/40"

	"github.com/relgate/relgate/engine"
)

// vulnFacts turns one vulnerable package's advisories into facts: one per
// group of advisories that alias each other (GO-2022-1059 and
// GHSA-69ch-w2m2-3vjp are one vulnerability, not two findings), as
// osv-scanner's own reports group them.
func vulnFacts(pv models.PackageVulns) []engine.Vulnerability {
	byID := make(map[string]*osvschema.Vulnerability, len(pv.Vulnerabilities))
	for _, v := range pv.Vulnerabilities {
		byID[v.GetId()] = v
	}
	var out []engine.Vulnerability
	for _, g := range pv.Groups {
		var group []*osvschema.Vulnerability
		for _, id := range g.IDs {
			if v := byID[id]; v != nil {
				group = append(group, v)
			}
		}
		if len(group) == 0 {
			continue
		}
		out = append(out, groupFact(pv.Package, g, group))
	}
	return out
}

func groupFact(pkg models.PackageInfo, g models.GroupInfo, group []*osvschema.Vulnerability) engine.Vulnerability {
	primary := group[0]
	f := engine.Vulnerability{
		ID:            primary.GetId(),
		Summary:       primary.GetSummary(),
		Source:        "osv",
		FixedVersions: []string{},
	}
	for _, a := range g.Aliases {
		if a != f.ID {
			f.Aliases = append(f.Aliases, a)
		}
	}
	best := severity{label: "unknown"}
	for _, v := range group {
		if f.Summary == "" {
			f.Summary = v.GetSummary()
		}
		if s := vulnSeverity(v); s.better(best) {
			best = s
		}
		f.FixedVersions = append(f.FixedVersions, fixedVersions(v, pkg)...)
		f.CWEs = append(f.CWEs, cweIDs(v)...)
		if p := v.GetPublished(); p != nil && (f.Published == nil || p.AsTime().Before(*f.Published)) {
			t := p.AsTime().UTC()
			f.Published = &t
		}
		if m := v.GetModified(); m != nil && (f.Modified == nil || m.AsTime().After(*f.Modified)) {
			t := m.AsTime().UTC()
			f.Modified = &t
		}
	}
	f.Severity, f.CVSSScore, f.CVSSVector = best.label, best.score, best.vector
	f.FixedVersions = upgrades(pkg.Ecosystem, pkg.Version, f.FixedVersions)
	slices.Sort(f.CWEs)
	f.CWEs = slices.Compact(f.CWEs)
	return f
}

// cweIDs are the weaknesses an advisory names: GitHub's advisories (and
// the OSV records built from them) list them in database_specific.cwe_ids.
func cweIDs(v *osvschema.Vulnerability) []string {
	var out []string
	for _, id := range v.GetDatabaseSpecific().GetFields()["cwe_ids"].GetListValue().GetValues() {
		if s := strings.TrimSpace(id.GetStringValue()); strings.HasPrefix(s, "CWE-") {
			out = append(out, s)
		}
	}
	return out
}

// upgrades keeps the fixed versions above the installed one, lowest
// first, comparing as the ecosystem does. A range fixed before the
// installed version was introduced (time 0.2.0 for time 0.2.22) is no fix
// for it. Where the ecosystem's versions cannot be compared, every fixed
// version is kept: a fix is never hidden.
func upgrades(ecosystem, installed string, fixed []string) []string {
	out := []string{}
	cur, err := semantic.Parse(installed, ecosystem)
	for _, f := range fixed {
		if slices.Contains(out, f) {
			continue
		}
		if err == nil {
			if c, cerr := cur.CompareStr(f); cerr == nil && c >= 0 {
				continue
			}
		}
		out = append(out, f)
	}
	slices.SortStableFunc(out, func(a, b string) int {
		if va, err := semantic.Parse(a, ecosystem); err == nil {
			if c, err := va.CompareStr(b); err == nil && c != 0 {
				return c
			}
		}
		return strings.Compare(a, b)
	})
	return out
}

// severity is an advisory's severity: from a CVSS vector when it has one
// (scored with a CVSS library, never trusted from a label), otherwise
// from its database's own label, otherwise unknown.
type severity struct {
	label  string
	score  float64
	vector string
	// fromCVSS ranks a computed score above a database's label.
	fromCVSS bool
}

var labelRank = map[string]int{"critical": 4, "high": 3, "medium": 2, "low": 1, "unknown": 0}

func (s severity) better(o severity) bool {
	if s.fromCVSS != o.fromCVSS {
		return s.fromCVSS
	}
	return cmp.Or(cmp.Compare(s.score, o.score), cmp.Compare(labelRank[s.label], labelRank[o.label])) > 0
}

func vulnSeverity(v *osvschema.Vulnerability) severity {
	best := severity{label: "unknown"}
	for _, s := range v.GetSeverity() {
		score, ok := cvssScore(s)
		if !ok {
			continue
		}
		cand := severity{label: cvssLabel(score), score: score, vector: s.GetScore(), fromCVSS: true}
		if cand.better(best) {
			best = cand
		}
	}
	if best.fromCVSS {
		return best
	}
	if l := databaseLabel(v.GetDatabaseSpecific().GetFields()["severity"].GetStringValue()); l != "" {
		return severity{label: l}
	}
	for _, a := range v.GetAffected() {
		if l := databaseLabel(a.GetDatabaseSpecific().GetFields()["severity"].GetStringValue()); l != "" {
			return severity{label: l}
		}
	}
	return best
}

// cvssScore computes the base score of a CVSS v2, v3.0, v3.1 or v4.0 vector.
func cvssScore(s *osvschema.Severity) (float64, bool) {
	vec := s.GetScore()
	switch {
	case s.GetType() == osvschema.Severity_CVSS_V2:
		if c, err := gocvss20.ParseVector(vec); err == nil {
			return c.BaseScore(), true
		}
	case s.GetType() == osvschema.Severity_CVSS_V3 && strings.HasPrefix(vec, "CVSS:3.0/"):
		if c, err := gocvss30.ParseVector(vec); err == nil {
			return c.BaseScore(), true
		}
	case s.GetType() == osvschema.Severity_CVSS_V3 && strings.HasPrefix(vec, "CVSS:3.1/"):
		if c, err := gocvss31.ParseVector(vec); err == nil {
			return c.BaseScore(), true
		}
	case s.GetType() == osvschema.Severity_CVSS_V4:
		if c, err := gocvss40.ParseVector(vec); err == nil {
			return c.Score(), true
		}
	}
	return 0, false
}

// cvssLabel is the qualitative rating of a score (CVSS v3/v4 bands; v2
// scores are read on the same bands, as osv-scanner does). A score of
// 0.0 ("none") still names a known vulnerability, so it reads as low.
func cvssLabel(score float64) string {
	switch {
	case score >= 9:
		return "critical"
	case score >= 7:
		return "high"
	case score >= 4:
		return "medium"
	default:
		return "low"
	}
}

// databaseLabel reads a database's own severity label (GitHub's
// CRITICAL/HIGH/MODERATE/LOW and the like).
func databaseLabel(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical":
		return "critical"
	case "high", "important":
		return "high"
	case "moderate", "medium":
		return "medium"
	case "low", "negligible":
		return "low"
	}
	return ""
}

// fixedVersions are the versions that fix v for this package: the "fixed"
// events of the ranges of every affected entry naming the package. Git
// commit ranges are left out; they are not versions a lockfile can pin.
func fixedVersions(v *osvschema.Vulnerability, pkg models.PackageInfo) []string {
	var out []string
	eco, _, _ := strings.Cut(pkg.Ecosystem, ":")
	for _, a := range v.GetAffected() {
		ap := a.GetPackage()
		aeco, _, _ := strings.Cut(ap.GetEcosystem(), ":")
		if ap.GetName() != pkg.Name || !strings.EqualFold(aeco, eco) {
			continue
		}
		for _, r := range a.GetRanges() {
			if r.GetType() == osvschema.Range_GIT {
				continue
			}
			for _, e := range r.GetEvents() {
				if e.GetFixed() != "" {
					out = append(out, e.GetFixed())
				}
			}
		}
	}
	return out
}
