package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/url"
	"slices"
	"strings"
	"unicode"

	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"

	"github.com/relgate/relgate/engine"
)

const (
	// sarifSchemaURI is the OASIS standard's schema: the $schema value the
	// SARIF validator (SARIF2008, GH1013) and IDEs expect.
	sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	toolName       = "relgate"
	toolURI        = "https://github.com/relgate/relgate"
	srcRoot        = "%SRCROOT%"
	// unidentifiedRule stands in for a finding's empty rule id.
	unidentifiedRule = "NOID0"
)

// sarifLimits are the upload limits of GitHub code scanning. Past them GitHub
// rejects the file or drops data, so the report truncates deterministically
// (most severe kept: violations first, then warnings, then waived) and says
// so in run.properties.truncated.
type sarifLimits struct {
	results     int // results per run
	rules       int // rules per run
	tagsPerRule int
}

var githubLimits = sarifLimits{results: 25000, rules: 25000, tagsPerRule: 20}

// securitySeverity maps a severity to GitHub's security-severity score,
// in the middle of GitHub's bands (critical ≥ 9.0, high 7.0–8.9, medium
// 4.0–6.9, low 0.1–3.9). Presentation only: policies decided the severity.
func securitySeverity(sev string) (string, bool) {
	switch engine.SeverityRank(sev) {
	case 0:
		return "9.5", true
	case 1:
		return "8.0", true
	case 2:
		return "5.5", true
	case 3:
		return "2.0", true
	}
	return "", false
}

// sarifLevel maps a severity to a SARIF level: critical and high are errors,
// medium a warning, anything else a note.
func sarifLevel(sev string) string {
	switch engine.SeverityRank(sev) {
	case 0, 1:
		return "error"
	case 2:
		return "warning"
	}
	return "note"
}

// sarifEntry is one finding on its way to a SARIF result.
type sarifEntry struct {
	kind string
	f    engine.Finding
}

func writeSARIF(w io.Writer, d *engine.Decision, opts Options, limits sarifLimits) error {
	idx := indexRules(opts.Rules)

	var entries []sarifEntry
	for _, g := range groups(d) {
		for _, f := range g.findings {
			if f.Rule == "" { // a user policy that set no custom.id; SARIF needs an id
				f.Rule = unidentifiedRule
			}
			entries = append(entries, sarifEntry{g.kind, f})
		}
	}
	truncated := map[string]any{}
	if len(entries) > limits.results {
		truncated["results"] = map[string]any{"total": len(entries), "kept": limits.results}
		entries = entries[:limits.results]
	}

	// Rules: those the kept results use, sorted by id; a rule the engine
	// did not describe is synthesized from its first finding.
	firstOf := map[string]engine.Finding{}
	for _, e := range entries {
		if _, ok := firstOf[e.f.Rule]; !ok {
			firstOf[e.f.Rule] = e.f
		}
	}
	ruleIDs := sortedKeys(firstOf)
	if len(ruleIDs) > limits.rules {
		// Unreachable while rules ≤ results, kept so the limit can never be
		// crossed silently: drop the results of the dropped rules.
		truncated["rules"] = map[string]any{"total": len(ruleIDs), "kept": limits.rules}
		keep := map[string]bool{}
		for _, id := range ruleIDs[:limits.rules] {
			keep[id] = true
		}
		ruleIDs = ruleIDs[:limits.rules]
		entries = slices.DeleteFunc(entries, func(e sarifEntry) bool { return !keep[e.f.Rule] })
	}

	run := sarif.NewRunWithInformationURI(toolName, toolURI)
	run.Tool.Driver.WithVersion(driverVersion(opts.Version))

	ruleIndexOf := make(map[string]int, len(ruleIDs))
	var tagTruncated []string
	for i, id := range ruleIDs {
		info, known := idx[id]
		rule, cut := sarifRule(id, info, known, firstOf[id], limits.tagsPerRule)
		if cut {
			tagTruncated = append(tagTruncated, id)
		}
		run.Tool.Driver.AddRule(rule)
		ruleIndexOf[id] = i
	}
	if len(tagTruncated) > 0 {
		truncated["tags"] = map[string]any{"rules": tagTruncated, "kept_per_rule": limits.tagsPerRule}
	}

	// Results sharing a hash (one secret in two files, say) are told apart
	// by the occurrence suffix, as GitHub's own hashes are: :1, :2, …
	occurrences := map[string]int{}
	for _, e := range entries {
		h := lineHash(e.f)
		occurrences[h]++
		run.AddResult(sarifResult(e, idx, ruleIndexOf[e.f.Rule], opts, fmt.Sprintf("%s:%d", h, occurrences[h])))
	}

	props := sarif.NewPropertyBag()
	props.Add("result", d.Result)
	props.Add("score", d.Score)
	props.Add("environment", d.Environment)
	props.Add("input_digest", d.InputDigest)
	props.Add("policy_digest", d.PolicyDigest)
	props.Add("counts", map[string]int{"violations": len(d.Violations), "warnings": len(d.Warnings), "waived": len(d.Waived)})
	var scanners []map[string]any
	for _, r := range sortedScanners(d) {
		s := map[string]any{"name": r.Name, "status": r.Status, "duration_ms": r.DurationMS}
		if r.Version != "" {
			s["version"] = r.Version
		}
		if r.Error != "" {
			s["error"] = r.Error
		}
		if r.Reason != "" {
			s["reason"] = r.Reason
		}
		scanners = append(scanners, s)
	}
	if len(scanners) > 0 {
		props.Add("scanners", scanners)
	}
	if len(truncated) > 0 {
		truncated["limits"] = "GitHub code scanning: results and rules per run, tags per rule"
		props.Add("truncated", truncated)
	}
	run.WithProperties(props)

	log := sarif.NewReport()
	log.Schema = sarifSchemaURI
	log.AddRun(run)
	var raw bytes.Buffer
	if err := log.Write(&raw); err != nil {
		return fmt.Errorf("encode sarif: %w", err)
	}
	return writeCompacted(w, raw.Bytes())
}

// sarifDefaults are properties go-sarif always writes that hold SARIF's
// "unset" value (-1): writing them only inflates the log (the validator's
// SARIF2004).
var sarifDefaults = map[string]bool{"index": true, "id": true, "rank": true, "byteOffset": true, "charOffset": true, "parentIndex": true}

// writeCompacted re-encodes go-sarif's output without the empty arrays,
// empty property bags and unset indexes it writes for every object, keeping
// the arrays SARIF requires (results, rules). Object keys come out sorted,
// so the bytes depend only on the content.
func writeCompacted(w io.Writer, raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var doc any
	if err := dec.Decode(&doc); err != nil {
		return fmt.Errorf("decode sarif: %w", err)
	}
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(compact(doc)); err != nil {
		return fmt.Errorf("encode sarif: %w", err)
	}
	return nil
}

func compact(v any) any {
	switch v := v.(type) {
	case map[string]any:
		for k, e := range v {
			switch e := e.(type) {
			case []any:
				if len(e) == 0 && k != "results" && k != "rules" {
					delete(v, k)
					continue
				}
			case map[string]any:
				if len(e) == 0 && k == "properties" {
					delete(v, k)
					continue
				}
			case json.Number:
				if sarifDefaults[k] && e.String() == "-1" {
					delete(v, k)
					continue
				}
			}
			v[k] = compact(e)
		}
		return v
	case []any:
		for i, e := range v {
			v[i] = compact(e)
		}
	}
	return v
}

// sarifRule describes one rule from its METADATA, or from a finding when the
// engine does not know the rule. It reports whether tags were cut to fit.
func sarifRule(id string, info engine.RuleInfo, known bool, first engine.Finding, maxTags int) (*sarif.ReportingDescriptor, bool) {
	title, desc, sev := info.Title, info.Description, info.Severity
	if !known {
		title, sev = first.Title, first.Severity
	}
	if title == "" {
		title = id
	}
	if desc == "" {
		desc = title
	}

	rule := sarif.NewRule(id).
		WithShortDescription(sarif.NewMultiformatMessageString().WithText(title)).
		WithFullDescription(sarif.NewMultiformatMessageString().WithText(desc)).
		WithDefaultConfiguration(sarif.NewReportingConfiguration().WithLevel(sarifLevel(sev)))

	// The name must differ from the id (SARIF1001): a rule known only by
	// its id has none.
	if name := ruleName(title, id); !strings.EqualFold(name, id) && title != id {
		rule.WithName(name)
	}
	text, markdown := ruleHelp(title, desc, info.Remediation, info.RelatedResources)
	rule.WithHelp(sarif.NewMultiformatMessageString().WithText(text).WithMarkdown(markdown))
	for _, r := range info.RelatedResources {
		if u, err := url.Parse(r); err == nil && u.IsAbs() {
			rule.WithHelpURI(r)
			break
		}
	}

	props := sarif.NewPropertyBag()
	if s, ok := securitySeverity(sev); ok {
		props.Add("security-severity", s)
	}
	if sev != "" {
		props.Add("severity", sev)
	}
	tags := []string{"security", area(id, info, known)}
	for _, t := range info.Tags {
		if t != "" && !slices.Contains(tags, t) {
			tags = append(tags, t)
		}
	}
	// The first two tags (security, area) say what GitHub filters on; the
	// rule's own follow sorted.
	slices.Sort(tags[2:])
	cut := len(tags) > maxTags
	if cut {
		tags = tags[:maxTags]
	}
	props.WithTags(tags)
	rule.WithProperties(props)
	return rule, cut
}

// ruleName turns a title into the Pascal-case identifier SARIF expects in
// reportingDescriptor.name ("A scanner failed" → "ScannerFailed"): words
// capitalised, the rest lower case, one-letter words dropped.
func ruleName(title, id string) string {
	var b strings.Builder
	words := strings.FieldsFunc(title, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	for _, word := range words {
		rs := []rune(word)
		if len(rs) == 1 && unicode.IsLetter(rs[0]) {
			continue
		}
		if b.Len() == 0 && !unicode.IsLetter(rs[0]) {
			b.WriteString("Rule")
		}
		b.WriteRune(unicode.ToUpper(rs[0]))
		b.WriteString(strings.ToLower(string(rs[1:])))
	}
	if b.Len() == 0 {
		return "Rule" + strings.ToUpper(strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) {
				return r
			}
			return -1
		}, id))
	}
	return b.String()
}

// driverVersion makes the version start with a number, as SARIF consumers
// compare versions (the validator's SARIF2005): v1.2.3 → 1.2.3, and a
// development build "dev" → 0.0.0-dev.
func driverVersion(v string) string {
	v = strings.TrimSpace(v)
	if len(v) > 1 && v[0] == 'v' && '0' <= v[1] && v[1] <= '9' {
		return v[1:]
	}
	if v == "" {
		return "0.0.0-dev"
	}
	if v[0] < '0' || v[0] > '9' {
		return "0.0.0-" + v
	}
	return v
}

// ruleHelp is the rule's help: what it checks, how to fix it, where to read more.
func ruleHelp(title, desc, remediation string, related []string) (text, markdown string) {
	var t, m strings.Builder
	t.WriteString(desc)
	fmt.Fprintf(&m, "**%s**\n\n%s", title, desc)
	if remediation != "" {
		fmt.Fprintf(&t, "\n\nRemediation: %s", remediation)
		fmt.Fprintf(&m, "\n\n**Remediation**\n\n%s", remediation)
	}
	if len(related) > 0 {
		t.WriteString("\n\nRelated resources:")
		m.WriteString("\n\n**Related resources**\n")
		for _, r := range related {
			fmt.Fprintf(&t, "\n- %s", r)
			fmt.Fprintf(&m, "\n- <%s>", r)
		}
	}
	return t.String(), m.String()
}

func sarifResult(e sarifEntry, idx ruleIndex, ruleIndex int, opts Options, hash string) *sarif.Result {
	f := e.f
	pl := placeOf(f, opts)
	region := sarif.NewRegion()
	if pl.config || pl.startLine == 0 {
		region.WithStartLine(1)
	} else {
		region.WithStartLine(pl.startLine)
		if pl.endLine > 0 {
			region.WithEndLine(pl.endLine)
		}
		if pl.startCol > 0 {
			region.WithStartColumn(pl.startCol)
			if pl.endCol > 0 {
				region.WithEndColumn(pl.endCol)
			}
		}
	}
	// A finding with no file (and no config file to stand in) has no
	// location: SARIF allows that, and a location must name a real file.
	locs := []*sarif.Location{}
	if pl.path != "" {
		locs = append(locs, sarif.NewLocationWithPhysicalLocation(sarif.NewPhysicalLocation().
			WithArtifactLocation(sarif.NewSimpleArtifactLocation(artifactURI(pl.path)).WithURIBaseID(srcRoot)).
			WithRegion(region)))
	}

	res := sarif.NewRuleResult(f.Rule).
		WithRuleIndex(ruleIndex).
		WithLevel(sarifLevel(f.Severity)).
		WithMessage(sarif.NewTextMessage(idx.message(f))).
		WithLocations(locs).
		WithPartialFingerprints(map[string]string{"primaryLocationLineHash": hash})

	props := sarif.NewPropertyBag()
	props.Add("kind", e.kind)
	if f.Severity != "" {
		props.Add("severity", f.Severity)
	}
	if f.Fingerprint != "" {
		props.Add("fingerprint", f.Fingerprint)
	}
	if f.Location.Commit != "" {
		props.Add("commit", f.Location.Commit)
	}
	addDetails(props, f)
	res.WithProperties(props)

	if e.kind == kindWaived {
		s := sarif.NewSuppression().WithKind("external").WithStatus("accepted").WithJustification(waiverText(f.Waiver))
		res.WithSuppressions([]*sarif.Suppression{s})
	}
	return res
}

// lineHash is the result's primaryLocationLineHash. GitHub matches alerts
// across runs by it; it derives from the rule and the finding's fingerprint
// (which the policy builds from the fact, not its line), so a finding keeps
// its alert when code above it moves. Without a fingerprint it falls back to
// the rule, path and message — still no line.
func lineHash(f engine.Finding) string {
	key := f.Fingerprint
	if key == "" {
		key = f.Location.Path + "\x00" + f.Message
	}
	sum := sha256.Sum256([]byte(f.Rule + "\x00" + key))
	return hex.EncodeToString(sum[:8])
}

// artifactURI percent-encodes a repo-relative path into a relative URI
// reference (spaces, %, non-ASCII), as SARIF requires of artifactLocation.uri.
func artifactURI(p string) string {
	return (&url.URL{Path: p}).String()
}
