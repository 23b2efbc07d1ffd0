package engine

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/ast"
)

// LintRules are the checks `relgate policy lint` makes, for the reports'
// rule descriptions. They judge policy source, not a release, so they are
// written in Go, like a compiler's checks; every one is about the contract
// relgate.main and the reports rely on.
var LintRules = []RuleInfo{
	{ID: "POL001", Title: "Policy does not compile strictly", Severity: "high", Package: "relgate.lint",
		Description: "OPA's strict compiler rejects the module: unused variables or imports, shadowed or deprecated builtins, and every ordinary compile error.",
		Remediation: "Fix the reported expression; `opa check --strict` reports the same."},
	{ID: "POL002", Title: "deny or warn rule without METADATA", Severity: "high", Package: "relgate.lint",
		Description: "Every deny and warn rule carries a METADATA block: the reports, SARIF rules and the policy catalogue are written from it.",
		Remediation: "Add a `# METADATA` comment block right above the rule with title and custom.id, custom.severity, custom.remediation; or, for one rule id per package, a block with `scope: package` above `package`."},
	{ID: "POL003", Title: "Rule METADATA has no custom.id", Severity: "high", Package: "relgate.lint",
		Description: "A rule id (custom.id, e.g. SEC001) is the stable name waivers, baselines and SARIF use for the rule's findings.",
		Remediation: "Add `custom: {id: PREFIX001}` to the METADATA block."},
	{ID: "POL004", Title: "Rule METADATA has no valid custom.severity", Severity: "high", Package: "relgate.lint",
		Description: "custom.severity is one of critical, high, medium, low, info; it decides whether a deny fails the gate in an environment.",
		Remediation: "Set custom.severity to critical, high, medium, low or info."},
	{ID: "POL005", Title: "Rule METADATA has no title", Severity: "high", Package: "relgate.lint",
		Description: "The title is the one line every report shows for a finding.",
		Remediation: "Add `title:` to the METADATA block."},
	{ID: "POL006", Title: "Rule id without a known prefix", Severity: "high", Package: "relgate.lint",
		Description: "Rule ids are a prefix of capital letters and at least three digits (SEC001). The prefix must be one the built-in rules use or one the team registered (policy.id_prefixes, --prefix), so ids stay sortable and owned.",
		Remediation: "Rename the id with a registered prefix, or register the team's prefix in .relgate.yaml (policy.id_prefixes)."},
	{ID: "POL007", Title: "Rule id defined in two packages", Severity: "high", Package: "relgate.lint",
		Description: "A rule id names one rule; the deny and warn variants of a rule share it within one package, but two packages must not.",
		Remediation: "Give one of the rules a new id."},
	{ID: "POL008", Title: "Rule id collides with a built-in rule", Severity: "high", Package: "relgate.lint",
		Description: "A user rule reuses the id of a built-in rule, so its findings, waivers and SARIF rule would be mistaken for the built-in one.",
		Remediation: "Give the rule an id of the team's own prefix."},
	{ID: "POL009", Title: "Result without the contract's fields", Severity: "medium", Package: "relgate.lint",
		Description: "A deny or warn result should be built with lib.finding(rego.metadata.rule(), {msg, location, fingerprint}) (rego.metadata.chain() under package-scope METADATA, which rego.metadata.rule() does not see); a plain string or an object without msg is normalised by relgate.main but loses its id, severity and location.",
		Remediation: "Build the result with `lib.finding(rego.metadata.rule(), {\"msg\": …, \"location\": …, \"fingerprint\": …})` (import data.relgate.lib)."},
	{ID: "POL010", Title: "deny or warn is not a multi-value rule", Severity: "high", Package: "relgate.lint",
		Description: "relgate.main iterates deny and warn as sets: `deny contains v if { … }`. A boolean or single-value rule reports nothing.",
		Remediation: "Write the rule as `deny contains v if { … }`."},
	{ID: "POL011", Title: "deny or warn outside relgate.rules", Severity: "medium", Package: "relgate.lint",
		Description: "relgate gates on the rules of the packages relgate.rules.<area> only (one level: relgate.rules.a.b is not read); a deny or warn elsewhere is never evaluated.",
		Remediation: "Move the rule to a package relgate.rules.<area>."},
	{ID: "POL012", Title: "Rule file without tests", Severity: "medium", Package: "relgate.lint",
		Description: "Each rule file has a _test.rego beside it with a passing and a failing input per rule, so `relgate policy test` proves it.",
		Remediation: "Add <name>_test.rego next to the file."},
	{ID: "POL013", Title: "Rule METADATA has no remediation", Severity: "low", Package: "relgate.lint",
		Description: "custom.remediation tells whoever meets the finding how to fix it; reports and SARIF help show it.",
		Remediation: "Add custom.remediation to the METADATA block."},
}

var (
	ruleIDPattern = regexp.MustCompile(`^([A-Z]+)([0-9]{3,})$`)
	lintTitles    = func() map[string]RuleInfo {
		m := map[string]RuleInfo{}
		for _, r := range LintRules {
			m[r.ID] = r
		}
		return m
	}()
)

// LintOptions configure Workbench.Lint.
type LintOptions struct {
	// Prefixes are rule id prefixes the team registered, besides those the
	// built-in rules use.
	Prefixes []string
}

// ruleDef is one deny or warn rule as the source says it.
type ruleDef struct {
	module string
	pkg    string
	rule   *ast.Rule
	ann    *ast.Annotations
	id     string
	scope  string // of the METADATA the id came from
}

// Lint checks the subject policies (the user's, or the built-in ones when
// the user named none): strict compilation, then relgate's contract. The
// result is a decision, so that every report format can show it; it fails
// when a finding is high or worse.
func (w *Workbench) Lint(opts LintOptions) *Decision {
	l := &linter{w: w, subject: map[string]bool{}}
	for _, name := range w.subject() {
		l.subject[name] = true
	}
	l.compile()
	defs := l.contract()
	l.ids(defs, opts.Prefixes)
	return l.decision()
}

// LintLoadError turns policies that could not even be parsed into POL001
// findings, so lint's reports (SARIF too) point at them like at any other
// problem. ok is false for other errors.
func LintLoadError(err error) (d *Decision, ok bool) {
	var pe *PolicyError
	if !errors.As(err, &pe) || len(pe.Errs) == 0 {
		return nil, false
	}
	l := &linter{}
	for _, e := range pe.Errs {
		file, row := "", 0
		if e.Location != nil {
			file, row = e.Location.File, e.Location.Row
		}
		l.add("POL001", file, row, "%s: %s", e.Code, e.Message)
	}
	return l.decision(), true
}

func (l *linter) decision() *Decision {
	d := &Decision{APIVersion: APIVersion, Kind: KindDecision, Result: ResultPass, Score: 100, Environment: "policy-lint"}
	for _, f := range l.findings {
		if SeverityRank(f.Severity) <= SeverityRank("high") {
			d.Violations = append(d.Violations, f)
		} else {
			d.Warnings = append(d.Warnings, f)
		}
	}
	switch {
	case len(d.Violations) > 0:
		d.Result, d.Score = ResultFail, 0
	case len(d.Warnings) > 0:
		d.Result, d.Score = ResultWarn, 50
	}
	d.sort()
	return d
}

type linter struct {
	w        *Workbench
	subject  map[string]bool
	findings []Finding
}

func (l *linter) add(id, file string, row int, format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	h := sha256.Sum256([]byte(id + "|" + file + "|" + msg))
	l.findings = append(l.findings, Finding{
		Rule: id, Title: lintTitles[id].Title, Severity: lintTitles[id].Severity, Message: msg,
		Location:    Location{Path: file, StartLine: row, EndLine: row},
		Fingerprint: hex.EncodeToString(h[:]),
	})
}

// compile runs OPA's strict compiler over every module, the built-in
// library included so references resolve, and reports the errors in the
// subject files.
func (l *linter) compile() {
	c := ast.NewCompiler().
		WithCapabilities(l.w.caps).
		WithEnablePrintStatements(true).
		WithStrict(true)
	c.Compile(l.w.Modules)
	for _, e := range c.Errors {
		file, row := "", 0
		if e.Location != nil {
			file, row = e.Location.File, e.Location.Row
		}
		if file != "" && !l.subject[file] {
			continue
		}
		l.add("POL001", file, row, "%s: %s", e.Code, e.Message)
	}
}

// contract checks every deny and warn rule of the subject modules and
// returns them with their ids, for the id checks.
func (l *linter) contract() []ruleDef {
	var all []ruleDef
	names := slices.Sorted(maps.Keys(l.w.Modules))
	mods := make([]*ast.Module, 0, len(names))
	for _, n := range names {
		mods = append(mods, l.w.Modules[n])
	}
	as, _ := ast.BuildAnnotationSet(mods) // errors are the compiler's (POL001)
	metas := map[*ast.Rule]ruleMeta{}
	for _, rm := range ruleMetadata(as, l.w.Modules) {
		metas[rm.rule] = rm
	}
	for _, name := range names {
		m := l.w.Modules[name]
		if isTestFile(name) {
			continue
		}
		pkg := strings.TrimPrefix(m.Package.Path.String(), "data.")
		// relgate.main reads data.relgate.rules[area].deny: one level, so a
		// deeper package's rules are never evaluated.
		area, under := strings.CutPrefix(pkg, "relgate.rules.")
		gated := under && !strings.Contains(area, ".")
		if !gated && !under && strings.HasPrefix(pkg, "relgate.") {
			// relgate's own entry points (relgate.main, relgate.admission)
			// answer other queries, with contracts of their own.
			continue
		}
		hasRules := false
		for _, r := range m.Rules {
			kind := ruleKind(r)
			if kind == "" {
				continue
			}
			hasRules = true
			def := ruleDef{module: name, pkg: pkg, rule: r}
			if rm, ok := metas[r]; ok {
				def.ann, def.id, def.scope = rm.ann, rm.id, rm.scope
			}
			all = append(all, def)
			if l.subject[name] {
				l.checkRule(def, kind, gated)
			}
		}
		if hasRules && gated && l.subject[name] {
			if _, ok := l.w.Modules[strings.TrimSuffix(name, ".rego")+"_test.rego"]; !ok {
				l.add("POL012", name, m.Package.Location.Row, "%s has no %s beside it", baseName(name), strings.TrimSuffix(baseName(name), ".rego")+"_test.rego")
			}
		}
	}
	return all
}

// ruleKind is "deny" or "warn" for the rules relgate gates on, else "".
func ruleKind(r *ast.Rule) string {
	ref := r.Head.Ref()
	if len(ref) == 0 {
		return ""
	}
	v, ok := ref[0].Value.(ast.Var)
	if !ok || (v != "deny" && v != "warn") {
		return ""
	}
	return string(v)
}

func (l *linter) checkRule(def ruleDef, kind string, gated bool) {
	r, file, row := def.rule, def.module, def.rule.Location.Row
	label := kind + " rule"
	if def.id != "" {
		label += " " + def.id
	}
	if !gated {
		// A conftest-style package: the other checks would only repeat it.
		l.add("POL011", file, row, "%s in package %s is never evaluated: relgate gates on the packages relgate.rules.<area>, one level deep", kind, def.pkg)
		return
	}
	if r.Head.RuleKind() != ast.MultiValue || len(r.Head.Ref()) != 1 {
		l.add("POL010", file, row, "%s is not a multi-value rule; write `%s contains v if { … }`", kind, kind)
	}
	a := def.ann
	if a == nil {
		l.add("POL002", file, row, "%s: no METADATA block", label)
	} else {
		if def.id == "" {
			l.add("POL003", file, row, "%s: METADATA has no custom.id", label)
		}
		sev, _ := a.Custom["severity"].(string)
		if SeverityRank(sev) > SeverityRank("info") || sev != strings.ToLower(sev) {
			l.add("POL004", file, row, "%s: custom.severity %q is not one of critical, high, medium, low, info", label, sev)
		}
		if strings.TrimSpace(a.Title) == "" {
			l.add("POL005", file, row, "%s: METADATA has no title", label)
		}
		if rem, _ := a.Custom["remediation"].(string); strings.TrimSpace(rem) == "" {
			l.add("POL013", file, row, "%s: METADATA has no custom.remediation", label)
		}
	}
	if msg := resultProblem(r); msg != "" {
		l.add("POL009", file, row, "%s: %s", label, msg)
	}
	if def.scope == scopePackage && callsMetadataRule(r) {
		// rego.metadata.rule() sees the rule's own block only: lib.finding
		// would get no id and the rule would report nothing, silently.
		l.add("POL009", file, row, "%s: its METADATA is package-scope, which rego.metadata.rule() does not see; pass rego.metadata.chain() to lib.finding", label)
	}
}

// resultProblem says what a rule's result lacks, as far as the source
// shows: a plain string, or an object without msg. Results built by a call
// (lib.finding, a helper) are trusted.
func resultProblem(r *ast.Rule) string {
	t := r.Head.Key
	if t == nil {
		t = r.Head.Value
	}
	if t == nil {
		return ""
	}
	if v, ok := t.Value.(ast.Var); ok {
		t = assignedTo(r.Body, v)
		if t == nil {
			return ""
		}
	}
	switch v := t.Value.(type) {
	case ast.String:
		return "the result is a plain string; build it with lib.finding so it carries the rule's id, severity, location and fingerprint"
	case ast.Object:
		if v.Get(ast.StringTerm("msg")) == nil && v.Get(ast.StringTerm("message")) == nil {
			return "the result object has no msg"
		}
	case ast.Call:
		if name := v[0].String(); name == "sprintf" || name == "concat" {
			return "the result is a plain string (" + name + "); build it with lib.finding so it carries the rule's id, severity, location and fingerprint"
		}
	}
	return ""
}

// callsMetadataRule reports whether a rule calls rego.metadata.rule().
func callsMetadataRule(r *ast.Rule) bool {
	found := false
	ast.WalkTerms(r, func(t *ast.Term) bool {
		if c, ok := t.Value.(ast.Call); ok && c[0].Value.Compare(ast.RegoMetadataRule.Ref()) == 0 {
			found = true
		}
		return found
	})
	if !found {
		ast.WalkExprs(r, func(e *ast.Expr) bool {
			if e.IsCall() && e.Operator().Equal(ast.RegoMetadataRule.Ref()) {
				found = true
			}
			return found
		})
	}
	return found
}

// assignedTo finds the term a body assigns to v (v := x or v = x).
func assignedTo(body ast.Body, v ast.Var) *ast.Term {
	for _, e := range body {
		if !e.IsAssignment() && !e.IsEquality() {
			continue
		}
		ops := e.Operands()
		if len(ops) != 2 {
			continue
		}
		if lhs, ok := ops[0].Value.(ast.Var); ok && lhs == v {
			return ops[1]
		}
	}
	return nil
}

// ids checks rule ids across all modules: the pattern and a known prefix,
// one package per id, and no user id equal to a built-in one.
func (l *linter) ids(defs []ruleDef, extra []string) {
	prefixes := map[string]bool{}
	for _, p := range extra {
		prefixes[strings.ToUpper(p)] = true
	}
	for _, d := range defs {
		if !l.w.User[d.module] && d.id != "" {
			if m := ruleIDPattern.FindStringSubmatch(d.id); m != nil {
				prefixes[m[1]] = true
			}
		}
	}
	firstPkg := map[string]ruleDef{}
	slices.SortStableFunc(defs, func(a, b ruleDef) int {
		// Built-in definitions first: a collision is the user's to fix.
		return cmp.Or(cmp.Compare(btoi(l.w.User[a.module]), btoi(l.w.User[b.module])), cmp.Compare(a.module, b.module),
			cmp.Compare(a.rule.Location.Row, b.rule.Location.Row))
	})
	for _, d := range defs {
		if d.id == "" {
			continue
		}
		file, row := d.module, d.rule.Location.Row
		if l.subject[file] {
			if m := ruleIDPattern.FindStringSubmatch(d.id); m == nil {
				l.add("POL006", file, row, "rule id %q is not a prefix of capital letters and three or more digits (e.g. SEC001)", d.id)
			} else if !prefixes[m[1]] {
				l.add("POL006", file, row, "rule id %s: prefix %s is not known (known: %s); register it in policy.id_prefixes", d.id, m[1], strings.Join(slices.Sorted(maps.Keys(prefixes)), ", "))
			}
		}
		first, seen := firstPkg[d.id]
		switch {
		case !seen:
			firstPkg[d.id] = d
		case l.w.User[d.module] && !l.w.User[first.module]:
			if l.subject[file] {
				l.add("POL008", file, row, "rule id %s is the built-in rule %q (%s)", d.id, first.ann.Title, first.pkg)
			}
		case first.pkg != d.pkg && l.subject[file]:
			l.add("POL007", file, row, "rule id %s is also defined in package %s (%s:%d)", d.id, first.pkg, first.module, first.rule.Location.Row)
		}
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func baseName(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }
