package tests

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/engine"
)

// TestPolicies runs the scanner's facts through the built-in policies:
// failing tests fail the gate, coverage below the minimum warns, a green
// run passes.
func TestPolicies(t *testing.T) {
	min := 75.0
	// These runs judge the test results alone: that is the evidence they bring.
	cfg := &config.Config{Defaults: &config.Settings{Tests: &config.TestsSettings{MinCoverage: &min},
		Evidence: &config.EvidenceSettings{Scanners: []string{"tests"}}}}
	eng, err := engine.New(context.Background(), engine.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		files  map[string]string
		opts   Options
		result string
		rules  []string
	}{
		{"failing tests fail", map[string]string{"r/a.xml": "gotestsum.xml", "r/b.xml": "surefire.xml", "cover.out": "cover.out"},
			Options{JUnit: []string{"r/*.xml"}, Coverage: "cover.out"}, engine.ResultFail, []string{"TST001", "TST001", "TST002"}},
		{"green run with coverage passes", map[string]string{"r/a.xml": "pytest.xml", "cov.xml": "cobertura.xml"},
			Options{JUnit: []string{"r/*.xml"}, Coverage: "cov.xml"}, engine.ResultPass, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := tt.opts
			o.Dir = project(t, tt.files)
			in, _, err := scan(t, o)
			if err != nil {
				t.Fatal(err)
			}
			in.Release = engine.Release{Environment: "staging", Time: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)}
			in.Scanners = []engine.ScannerRun{{Name: "tests", Status: engine.StatusOK}}
			d, err := eng.Evaluate(context.Background(), in)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, f := range append(d.Violations, d.Warnings...) {
				got = append(got, f.Rule)
			}
			slices.Sort(got)
			if d.Result != tt.result || !slices.Equal(got, tt.rules) {
				t.Fatalf("result %s rules %v, want %s %v", d.Result, got, tt.result, tt.rules)
			}
			for _, o := range d.Objectives {
				if o.Name == "tests" && o.Result != map[string]string{engine.ResultFail: "fail", engine.ResultPass: "pass"}[tt.result] {
					t.Errorf("tests objective %s", o.Result)
				}
			}
		})
	}
}

// BenchmarkEvaluateFailures judges a run with the most failing tests the
// document lists (MaxTestFailures) through the built-in policies.
func BenchmarkEvaluateFailures(b *testing.B) {
	eng, err := engine.New(context.Background(), engine.Options{})
	if err != nil {
		b.Fatal(err)
	}
	in := engine.NewInput()
	in.Release = engine.Release{Environment: "production", Time: time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)}
	t := &engine.Tests{Reports: []string{"report.xml"}, Failed: engine.MaxTestFailures, Passed: 5000}
	for i := range engine.MaxTestFailures {
		t.Failures = append(t.Failures, engine.TestFailure{ID: fmt.Sprintf("pkg.Test%04d", i), Name: fmt.Sprintf("Test%04d", i), Classname: "pkg", Kind: "failure",
			Location: engine.Location{Path: "report.xml", StartLine: i + 2, EndLine: i + 2}})
	}
	in.Tests = t
	p, err := engine.Prepare(in)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		d, err := eng.EvaluatePrepared(context.Background(), p)
		if err != nil || len(d.Violations) != engine.MaxTestFailures {
			b.Fatalf("%v %d", err, len(d.Violations))
		}
	}
}
