package engine_test

import (
	"context"
	"fmt"
	"syscall"
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

// BenchmarkEvaluate judges 10 (a server request), 1k, 10k and 100k findings with every built-in
// rule; the input is converted once and the query prepared once. Besides
// wall time it reports the process CPU per evaluation (GC included), which
// is what the peer comparison measures and what a loaded machine distorts
// least.
func BenchmarkEvaluate(b *testing.B) {
	// 100k findings take minutes on a loaded machine: the benchmark
	// measures speed, not the timeout that guards a runaway policy.
	e := newEngine(b, engine.Options{Timeout: 30 * time.Minute})
	ctx := context.Background()
	for _, n := range []int{10, 1_000, 10_000, 100_000} {
		b.Run(fmt.Sprintf("findings=%d", n), func(b *testing.B) {
			p, err := engine.Prepare(largeInput(n))
			if err != nil {
				b.Fatal(err)
			}
			d, err := e.EvaluatePrepared(ctx, p)
			if err != nil {
				b.Fatal(err)
			}
			checkLarge(b, d, n)
			cpu := cpuTime()
			b.ResetTimer()
			for b.Loop() {
				if d, err = e.EvaluatePrepared(ctx, p); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			reportCPU(b, cpu)
			checkLarge(b, d, n)
		})
	}
}

// checkLarge fails a benchmark whose decision is not the one largeInput
// must produce: a fail, with a finding for every secret, vulnerability,
// misconfiguration and migration and every failed scanner (9 in 10).
func checkLarge(b *testing.B, d *engine.Decision, n int) {
	b.Helper()
	if d.Result != engine.ResultFail {
		b.Fatalf("result %q, want fail", d.Result)
	}
	if got := len(d.Violations) + len(d.Warnings); got < n*9/10 {
		b.Fatalf("%d findings, want at least %d", got, n*9/10)
	}
}

// cpuTime is the CPU the process has used so far, user and system.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func reportCPU(b *testing.B, since time.Duration) {
	b.ReportMetric(float64(cpuTime()-since)/float64(time.Millisecond)/float64(b.N), "cpu-ms/op")
}

// BenchmarkEvaluateWithConversion includes converting the input document.
func BenchmarkEvaluateWithConversion(b *testing.B) {
	e := newEngine(b, engine.Options{})
	in := largeInput(10_000)
	ctx := context.Background()
	var d *engine.Decision
	var err error
	cpu := cpuTime()
	for b.Loop() {
		if d, err = e.Evaluate(ctx, in); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	reportCPU(b, cpu)
	checkLarge(b, d, 10_000)
}

// BenchmarkNew is the one-off cost of compiling every policy.
func BenchmarkNew(b *testing.B) {
	var e *engine.Engine
	cpu := cpuTime()
	for b.Loop() {
		e = newEngine(b, engine.Options{})
	}
	b.StopTimer()
	reportCPU(b, cpu)
	if len(e.Rules()) == 0 {
		b.Fatal("the engine knows no rules")
	}
}

// BenchmarkNewForFacts compiles for one input with vulnerabilities alone
// (relgate eval of a lockfile scan): the rule packages of absent facts are
// not compiled, and every rule is still listed.
func BenchmarkNewForFacts(b *testing.B) {
	full := newEngine(b, engine.Options{})
	in := largeInput(10)
	in.Secrets, in.Misconfigurations, in.Migrations = nil, nil, nil
	var e *engine.Engine
	cpu := cpuTime()
	for b.Loop() {
		e = newEngine(b, engine.Options{Facts: in})
	}
	b.StopTimer()
	reportCPU(b, cpu)
	if len(e.Rules()) != len(full.Rules()) {
		b.Fatalf("%d rules, want %d", len(e.Rules()), len(full.Rules()))
	}
}

// BenchmarkPrepare converts an input of 10k findings to OPA's value form
// and derives its vulnerabilities' findings (engine.Prepare), once per
// evaluation of a document.
func BenchmarkPrepare(b *testing.B) {
	in := largeInput(10_000)
	var p *engine.Prepared
	var err error
	for b.Loop() {
		if p, err = engine.Prepare(in); err != nil {
			b.Fatal(err)
		}
	}
	if p == nil {
		b.Fatal("nothing prepared")
	}
}
