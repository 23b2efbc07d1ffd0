package engine

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/open-policy-agent/opa/v1/rego"
)

// everyFact is an input with facts in every section the built-in rules
// read, each of them a finding, and waivers (live and expired).
func everyFact() *Input {
	in := NewInput()
	in.Release = Release{Environment: "production", Branch: "main", Tag: "v2.0.0", Version: "2.0.0",
		PreviousVersion: "1.9.0", Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	for i := range 8 {
		sev := []string{"critical", "high", "medium", "low"}[i%4]
		in.Secrets = append(in.Secrets, Secret{RuleID: "generic-api-key", Where: []string{"tree", "history"}[i%2],
			Location: Location{Path: fmt.Sprintf("src/f%d.go", i), StartLine: i + 1}, Fingerprint: fmt.Sprintf("fp%d", i),
			SecretHash: fmt.Sprintf("sha256:%064x", i), Redacted: "abcd…"})
		in.Vulnerabilities = append(in.Vulnerabilities, Vulnerability{ID: fmt.Sprintf("GHSA-%d", i),
			Package: Package{Name: fmt.Sprintf("pkg%d", i), Version: "1.0.0", Ecosystem: "npm"}, Severity: sev,
			FixedVersions: []string{"1.0.1"}[:i%2], Source: "osv", Location: Location{Path: "package-lock.json", StartLine: i + 1}})
		in.Misconfigurations = append(in.Misconfigurations, Misconfiguration{ID: fmt.Sprintf("AVD-%d", i), Title: "t",
			Severity: sev, Type: "kubernetes", Location: Location{Path: fmt.Sprintf("k8s/d%d.yaml", i), StartLine: 3}})
		in.Migrations = append(in.Migrations, Migration{Path: fmt.Sprintf("db/%05d_x.up.sql", i), Tool: "golang-migrate",
			Dialect: "postgres", InChange: true, Statements: []Statement{{Line: 1, Kind: "AlterTable", Table: "t",
				Destructive: i%2 == 0, Lock: "AccessExclusiveLock", NotNullWithoutDefault: i%3 == 0}}})
	}
	in.Containers = []Container{{Image: "app:1", User: "root"}}
	old := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
	in.Scanners = []ScannerRun{{Name: "deps", Status: "ok", DBUpdatedAt: &old},
		{Name: "secrets", Status: "error", Error: "e"}}
	in.Waivers = []Waiver{
		{Rule: "VUL001", Scope: WaiverScope{ID: "GHSA-1"}, Reason: "r", Approver: "a", Expires: "2026-11-20"},
		{Rule: "SEC001", Scope: WaiverScope{Path: "src/f2.go"}, Reason: "r", Expires: "2020-01-01"},
	}
	return in
}

// without is in with the named sections emptied.
func without(in *Input, sections ...string) *Input {
	out := *in
	for _, s := range sections {
		switch s {
		case "secrets":
			out.Secrets = nil
		case "vulnerabilities":
			out.Vulnerabilities = nil
		case "containers":
			out.Containers = nil
		case "misconfigurations":
			out.Misconfigurations = nil
		case "migrations":
			out.Migrations = nil
		case "scanners":
			out.Scanners = nil
		default:
			panic("unknown section " + s)
		}
	}
	return &out
}

// TestFactsCompileLessSameDecision: an engine built for one input's facts
// compiles fewer packages and decides that input exactly as the engine
// that compiled everything, with the same rules, catalog and digest.
func TestFactsCompileLessSameDecision(t *testing.T) {
	ctx := context.Background()
	full, err := New(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	all := everyFact()
	cases := map[string]*Input{
		"every fact":             all,
		"vulnerabilities only":   without(all, "secrets", "containers", "misconfigurations", "migrations"),
		"secrets and migrations": without(all, "vulnerabilities", "containers", "misconfigurations", "scanners"),
		"nothing":                NewInput(),
		"scanners only":          without(all, "secrets", "vulnerabilities", "containers", "misconfigurations", "migrations"),
	}
	for name, in := range cases {
		t.Run(name, func(t *testing.T) {
			e, err := New(ctx, Options{Facts: in})
			if err != nil {
				t.Fatal(err)
			}
			if name != "every fact" && len(e.compiler.Modules) >= len(full.compiler.Modules) {
				t.Errorf("compiled %d modules, as many as the full engine", len(e.compiler.Modules))
			}
			if !slices.EqualFunc(e.Rules(), full.Rules(), func(a, b RuleInfo) bool { return fmt.Sprint(a) == fmt.Sprint(b) }) {
				t.Errorf("rules differ: %d, want %d", len(e.Rules()), len(full.Rules()))
			}
			if e.PolicyDigest() != full.PolicyDigest() {
				t.Error("policy digest differs")
			}
			if got, want := catalogOf(t, e), catalogOf(t, full); got != want {
				t.Errorf("catalog differs:\n%s\nwant\n%s", got, want)
			}
			want, err := full.Evaluate(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			got, err := e.Evaluate(ctx, in)
			if err != nil {
				t.Fatal(err)
			}
			gb, _ := json.Marshal(got)
			wb, _ := json.Marshal(want)
			if string(gb) != string(wb) {
				t.Errorf("decision differs:\n%s\nwant\n%s", gb, wb)
			}
			if name == "every fact" && len(want.Violations) < 10 {
				t.Errorf("only %d violations: the input does not exercise the rules", len(want.Violations))
			}
		})
	}
}

func catalogOf(t *testing.T, e *Engine) string {
	t.Helper()
	rs, err := rego.New(rego.Query("data.relgate.catalog"), rego.Compiler(e.compiler), rego.Store(e.store)).Eval(context.Background())
	if err != nil || len(rs) != 1 {
		t.Fatalf("read catalog: %v", err)
	}
	b, _ := json.Marshal(rs[0].Expressions[0].Value)
	return string(b)
}

// TestReadsDeclaredTruly holds every built-in package's custom.reads to
// its rules: with the sections it names empty and every other fact there,
// none of its rules fires (a rule that judges a missing fact must not be
// in a package that declares what it reads).
func TestReadsDeclaredTruly(t *testing.T) {
	ctx := context.Background()
	full, err := New(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	declared := map[string][]string{}
	for _, m := range full.compiler.Modules {
		for _, a := range m.Annotations {
			if r, ok := a.Custom[readsKey].([]any); ok && a.Scope == scopePackage {
				for _, s := range r {
					declared[m.Package.Path.String()] = append(declared[m.Package.Path.String()], s.(string))
				}
			}
		}
	}
	if len(declared) < 5 {
		t.Fatalf("%d packages declare what they read, want at least 5", len(declared))
	}
	for pkg, sections := range declared {
		for _, s := range sections {
			if !NewInput().sectionEmpty(s) {
				t.Errorf("%s reads %q, a section relgate cannot tell empty", pkg, s)
			}
		}
		all := everyFact()
		p, err := Prepare(all)
		if err != nil {
			t.Fatal(err)
		}
		n := count(t, full, pkg, p)
		if n == 0 {
			t.Errorf("%s: no finding from every fact: the test input does not exercise it", pkg)
		}
		if p, err = Prepare(without(all, sections...)); err != nil {
			t.Fatal(err)
		}
		if n := count(t, full, pkg, p); n != 0 {
			t.Errorf("%s: %d findings without %s, which it declares it reads", pkg, n, strings.Join(sections, ", "))
		}
	}
}

func count(t *testing.T, e *Engine, pkg string, p *Prepared) int {
	t.Helper()
	q := fmt.Sprintf("count(%s.deny) + count(%s.warn)", pkg, pkg)
	rs, err := rego.New(rego.Query(q), rego.Compiler(e.compiler), rego.Store(e.store), rego.ParsedInput(p.value)).Eval(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) == 0 {
		return 0
	}
	n, _ := rs[0].Expressions[0].Value.(json.Number).Int64()
	return int(n)
}
