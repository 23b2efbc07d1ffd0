package engine_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
)

// largeInput spreads n findings across the sections the built-in rules read.
func largeInput(n int) *engine.Input {
	in := engine.NewInput()
	in.Release = engine.Release{Environment: "production", Branch: "main", Tag: "v2.0.0", Version: "2.0.0",
		PreviousVersion: "1.9.0", Time: time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)}
	sevs := []string{"critical", "high", "medium", "low"}
	for i := range n {
		switch i % 5 {
		case 0:
			in.Secrets = append(in.Secrets, engine.Secret{RuleID: "generic-api-key", Where: "tree",
				Location:    engine.Location{Path: fmt.Sprintf("src/f%d.go", i), StartLine: i%300 + 1},
				Fingerprint: fmt.Sprintf("fp%d", i), SecretHash: fmt.Sprintf("%064x", i), Redacted: "abcd…"})
		case 1:
			in.Vulnerabilities = append(in.Vulnerabilities, engine.Vulnerability{ID: fmt.Sprintf("GHSA-%d", i),
				Package:  engine.Package{Name: fmt.Sprintf("pkg%d", i), Version: "1.0.0", Ecosystem: "npm"},
				Severity: sevs[i%4], FixedVersions: []string{"1.0.1"}, Source: "osv",
				Location: engine.Location{Path: "package-lock.json", StartLine: i + 1}})
		case 2:
			in.Misconfigurations = append(in.Misconfigurations, engine.Misconfiguration{ID: fmt.Sprintf("AVD-%d", i%40),
				Title: "t", Severity: sevs[i%4], Type: "kubernetes",
				Location: engine.Location{Path: fmt.Sprintf("k8s/d%d.yaml", i), StartLine: 3}})
		case 3:
			in.Migrations = append(in.Migrations, engine.Migration{Path: fmt.Sprintf("db/%05d_x.up.sql", i), Tool: "golang-migrate",
				Dialect: "postgres", InChange: true,
				Statements: []engine.Statement{{Line: 1, Kind: "AlterTable", Table: "t", Destructive: i%2 == 0, Lock: "AccessExclusiveLock"}}})
		case 4:
			in.Scanners = append(in.Scanners, engine.ScannerRun{Name: fmt.Sprintf("s%d", i), Status: []string{"ok", "error"}[i%2], Error: "e"})
		}
	}
	return in
}

// BenchmarkEvaluate: 10,000 findings, every built-in rule; the input is
// converted once and the query prepared once (target ≤100 ms/op).
func BenchmarkEvaluate(b *testing.B) {
	e := newEngine(b, engine.Options{})
	p, err := engine.Prepare(largeInput(10_000))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.EvaluatePrepared(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEvaluateWithConversion includes converting the input document.
func BenchmarkEvaluateWithConversion(b *testing.B) {
	e := newEngine(b, engine.Options{})
	in := largeInput(10_000)
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.Evaluate(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNew is the one-off cost of compiling every policy.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		newEngine(b, engine.Options{})
	}
}
