package engine

import (
	"context"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/rego"
)

// derivedInputs are inputs with vulnerabilities of every shape result() in
// vulnerabilities.rego tells apart: from an image or a lockfile, with and
// without aliases (a CVE among them or as the id), summary, fix,
// publication date, layer and CWEs; dev-only; not in the change.
func derivedInputs(t *testing.T) map[string]*Input {
	t.Helper()
	at := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
	recent, old := at.Add(-5*24*time.Hour), at.Add(-400*24*time.Hour)
	in := NewInput()
	in.Release = Release{Environment: "production", Branch: "main", Tag: "v2.0.0", Version: "2.0.0", Time: at}
	pkg := func(n string) Package { return Package{Name: n, Version: "1.2.3", Ecosystem: "npm"} }
	in.Vulnerabilities = []Vulnerability{
		{ID: "GHSA-aaaa", Package: pkg("a"), Severity: "high", FixedVersions: []string{"1.2.4", "2.0.1"}, Source: "osv",
			Location: Location{Path: "web/package-lock.json", StartLine: 12}, InChange: true},
		{ID: "GHSA-bbbb", Aliases: []string{"GO-2026-1", "CVE-2026-0002"}, Summary: "bad parse", Package: pkg("b"),
			Severity: "critical", FixedVersions: []string{}, Published: &old, Source: "osv",
			Location: Location{Path: "package-lock.json"}, CWEs: []string{"CWE-79"}},
		{ID: "CVE-2026-0003", Aliases: []string{"CVE-2026-0004"}, Package: pkg("c"), Severity: "medium",
			FixedVersions: []string{}, Published: &recent, Source: "osv", Location: Location{Path: "package-lock.json", StartLine: 3, EndLine: 4}},
		{ID: "GHSA-dddd", Package: pkg("d"), Severity: "unknown", FixedVersions: []string{"9"}, Source: "osv", Dev: true,
			Location: Location{Path: "package-lock.json", StartLine: 7}, InChange: true},
		{ID: "CVE-2026-0005", Package: Package{Name: "openssl", Version: "3.0.1", Ecosystem: "debian"}, Severity: "high",
			FixedVersions: []string{"3.0.2"}, Source: "trivy", Image: "registry.local/app:1", Location: Location{Path: "Dockerfile", StartLine: 1},
			Layer: &Layer{Digest: "sha256:aa", DiffID: "sha256:bb"}},
		{ID: "GHSA-ffff", Package: pkg("f"), Severity: "low", FixedVersions: []string{}, Source: "trivy",
			Image: "registry.local/app:1", Location: Location{Path: "Dockerfile"}},
		{ID: "GHSA-gggg", Package: pkg("g"), Severity: "high", FixedVersions: []string{"1.3"}, Source: "osv",
			Location: Location{Path: "package-lock.json", StartLine: 30}, InChange: false},
	}
	in.Waivers = []Waiver{{Rule: "VUL001", Scope: WaiverScope{Package: "a"}, Reason: "r", Expires: "2099-01-01"}}
	pr := *in
	pr.Options = &GateOptions{Base: "main"}
	unfixed := *in
	unfixed.Options = &GateOptions{IgnoreUnfixed: true}
	inputs := map[string]*Input{"production": in, "pr": &pr, "ignore-unfixed": &unfixed, "large": largeMix(400)}
	f, err := os.Open("../report/testdata/demo-input.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if inputs["demo"], err = DecodeInput("demo-input.json", f); err != nil {
		t.Fatal(err)
	}
	return inputs
}

// largeMix is vulnerabilities of every severity, some dev-only, some
// unfixed, some from an image.
func largeMix(n int) *Input {
	in := NewInput()
	in.Release = Release{Environment: "staging", Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	sevs := []string{"critical", "high", "medium", "low", "unknown"}
	for i := range n {
		v := Vulnerability{ID: "GHSA-" + strings.Repeat("x", i%7+1), Package: Package{Name: "p" + sevs[i%5], Version: "1", Ecosystem: "npm"},
			Severity: sevs[i%5], FixedVersions: []string{}, Source: "osv", Dev: i%6 == 0, InChange: i%2 == 0,
			Location: Location{Path: "package-lock.json", StartLine: i + 1}}
		if i%3 == 0 {
			v.FixedVersions = []string{"2"}
		}
		if i%4 == 0 {
			v.Source, v.Image = "trivy", "img:1"
		}
		in.Vulnerabilities = append(in.Vulnerabilities, v)
	}
	return in
}

// TestDerivedSameDecision: the decision document (every key of every
// finding) is the same whether the policies read what Prepare derives for
// each vulnerability or build it themselves, with the default config and
// with budgets.
func TestDerivedSameDecision(t *testing.T) {
	ctx := context.Background()
	configs := map[string]any{
		"default": nil,
		"budgets": map[string]any{"defaults": map[string]any{"vulnerabilities": map[string]any{"budgets": map[string]any{"medium": 50}, "dev": "deny"}}},
	}
	for cname, cfg := range configs {
		e, err := New(ctx, Options{Config: cfg})
		if err != nil {
			t.Fatal(err)
		}
		for name, in := range derivedInputs(t) {
			fast, err := prepare(in, true)
			if err != nil {
				t.Fatal(err)
			}
			slow, err := prepare(in, false)
			if err != nil {
				t.Fatal(err)
			}
			a, b := e.rawDecision(t, fast.value), e.rawDecision(t, slow.value)
			if a.Compare(b) != 0 {
				t.Errorf("%s/%s: the decision differs with the derived findings:\n%v\nwithout:\n%v", cname, name, a, b)
			}
			if n := countFindings(t, a); len(in.Vulnerabilities) > 0 && n == 0 {
				t.Errorf("%s/%s: no finding: the comparison proves nothing", cname, name)
			}
			// The derived part was really there to be read.
			if len(in.Vulnerabilities) > 0 && !strings.Contains(fast.value.String(), `"`+DerivedKey+`": {"fields"`) {
				t.Errorf("%s/%s: Prepare derived nothing", cname, name)
			}
		}
	}
}

func (e *Engine) rawDecision(t *testing.T, input ast.Value) ast.Value {
	t.Helper()
	rs, err := e.query.Eval(context.Background(), rego.EvalParsedInput(input), rego.EvalGenerateJSON(keepTerm))
	if err != nil {
		t.Fatal(err)
	}
	return rs[0].Expressions[0].Value.(*ast.Term).Value
}

func countFindings(t *testing.T, d ast.Value) int {
	t.Helper()
	n := 0
	for _, k := range []string{"violations", "warnings", "waived"} {
		if s, ok := d.(ast.Object).Get(ast.InternedTerm(k)).Value.(ast.Set); ok {
			n += s.Len()
		}
	}
	return n
}

// TestDerivedOnlyWellTyped: a vulnerability whose fields are not what the
// schema says gets nothing derived, so the policies judge it (or fail) as
// they would without Prepare's help; the others still get theirs.
func TestDerivedOnlyWellTyped(t *testing.T) {
	v, err := valueOf([]byte(`{"vulnerabilities": [
		{"id": 7, "package": {"name": "a", "version": "1", "ecosystem": "npm"}},
		{"id": "X", "package": {"name": "a", "version": "1"}},
		{"id": "X", "package": {"name": "a", "version": "1", "ecosystem": "npm"}, "aliases": [1]},
		{"id": "X", "package": {"name": "a", "version": "1", "ecosystem": "npm"}, "location": {"path": 3}},
		{"id": "X", "package": {"name": "a", "version": "1", "ecosystem": "npm"}}
	]}`))
	if err != nil {
		t.Fatal(err)
	}
	deriveFindings(v)
	vulns := v.(ast.Object).Get(ast.InternedTerm("vulnerabilities")).Value.(*ast.Array)
	for i := range vulns.Len() {
		got := vulns.Elem(i).Value.(ast.Object).Get(ast.InternedTerm(DerivedKey)) != nil
		if want := i == 4; got != want {
			t.Errorf("vulnerability %d: derived %v, want %v", i, got, want)
		}
	}
	want := `{"fields": {"aliases": [], "cve": "", "cwe": [], "fixed_version": "", "id": "X", "in_change": true, "installed_version": "1", "layer": "", "location": {"end_line": 0, "path": "", "start_line": 0}, "package": "a"}, "key": "|||npm|a|1|X", "msg": "a 1 (npm) in  has X; no fixed version yet"}`
	if got := vulns.Elem(4).Value.(ast.Object).Get(ast.InternedTerm(DerivedKey)).String(); got != want {
		t.Errorf("derived\n%s\nwant\n%s", got, want)
	}
}
