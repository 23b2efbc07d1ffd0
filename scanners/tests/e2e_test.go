package tests

import (
	"context"
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
	cfg := &config.Config{Defaults: &config.Settings{Tests: &config.TestsSettings{MinCoverage: &min}}}
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
