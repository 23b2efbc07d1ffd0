package engine

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/cover"
	"github.com/open-policy-agent/opa/v1/storage/inmem"
	"github.com/open-policy-agent/opa/v1/tester"
)

// TestOptions configure Workbench.Test, as `opa test` users know them.
type TestOptions struct {
	// Run keeps only the tests whose full name (data.pkg.test_x) matches.
	Run string
	// All runs the built-in suite beside the user's tests. Without it, a
	// workbench with user policies runs only the user's tests: the built-in
	// policies are loaded as the library they build on, and their hundreds
	// of tests would bury the author's few.
	All bool
	// Coverage measures which policy lines the tests evaluate.
	Coverage bool
	// Timeout bounds each test; zero means 5s, as opa test.
	Timeout time.Duration
	// Verbose lists every test, not only the failing ones.
	Verbose bool
	// JSON writes opa test's JSON report (or, with Coverage, its coverage
	// report) instead of the readable one.
	JSON bool
	Out  io.Writer
}

// TestSummary counts the outcome of a test run.
type TestSummary struct {
	Pass, Fail, Skip, Error int
	// Coverage is the percentage of the subject policies' lines (tests left
	// out) evaluated by the tests, when measured.
	Coverage *float64
}

// Failed reports whether any test failed or errored.
func (s TestSummary) Failed() bool { return s.Fail+s.Error > 0 }

// Test runs the Rego unit tests with OPA's tester: the user's (or, when
// the user named no policies, the built-in ones), or all with opts.All. The
// built-in policies are always compiled, since user policies build on them. A
// failing test is run again with tracing, so the report shows the
// expression that failed and the values of its variables; print() output is
// captured per test. Compile errors are *PolicyError.
func (w *Workbench) Test(ctx context.Context, opts TestOptions) (TestSummary, error) {
	var sum TestSummary
	if opts.Run != "" {
		if _, err := regexp.Compile(opts.Run); err != nil {
			return sum, fmt.Errorf("--run: %w", err)
		}
	}
	var cov *cover.Cover
	if opts.Coverage {
		cov = cover.New()
	}
	results, err := w.runTests(ctx, opts, opts.Run, false, cov)
	if err != nil {
		return sum, err
	}
	var failed []string
	for _, r := range results {
		if r.Fail || r.Error != nil {
			failed = append(failed, "^"+regexp.QuoteMeta(r.Package+"."+r.Name)+"$")
		}
	}
	if len(failed) > 0 {
		traced, err := w.runTests(ctx, opts, strings.Join(failed, "|"), true, nil)
		if err != nil {
			return sum, err
		}
		byName := map[string]*tester.Result{}
		for _, r := range traced {
			byName[r.Package+"."+r.Name] = r
		}
		for i, r := range results {
			if t := byName[r.Package+"."+r.Name]; t != nil && (t.Fail || t.Error != nil) {
				results[i] = t
			}
		}
	}
	for _, r := range results {
		switch {
		case r.Skip:
			sum.Skip++
		case r.Error != nil:
			sum.Error++
		case r.Fail:
			sum.Fail++
		default:
			sum.Pass++
		}
	}
	var report *cover.Report
	if cov != nil {
		rep := cov.Report(w.Modules)
		report = &rep
		pct := w.coverage(rep)
		sum.Coverage = &pct
	}
	return sum, w.writeTests(opts, results, report, sum)
}

func (w *Workbench) runTests(ctx context.Context, opts TestOptions, filter string, trace bool, cov *cover.Cover) ([]*tester.Result, error) {
	timeout := cmp.Or(opts.Timeout, 5*time.Second)
	// Each run gets its own store: the tester may write to it.
	data, err := toJSONValue(w.Data)
	if err != nil {
		return nil, &PolicyError{Err: fmt.Errorf("encode policy data: %w", err)}
	}
	store, _ := data.(map[string]any)
	if store == nil {
		store = map[string]any{}
	}
	compiler := ast.NewCompiler().
		WithCapabilities(w.caps).
		WithEnablePrintStatements(true).
		WithRewriteTestRules(trace)
	r := tester.NewRunner().
		SetCompiler(compiler).
		SetStore(inmem.NewFromObject(store)).
		SetModules(w.testModules(opts.All)).
		CapturePrintOutput(true).
		RaiseBuiltinErrors(true).
		EnableTracing(trace).
		SetTimeout(timeout).
		Filter(filter)
	if cov != nil {
		r = r.SetCoverageQueryTracer(cov)
	}
	ch, err := r.RunTests(ctx, nil)
	if err != nil {
		var errs ast.Errors
		if errors.As(err, &errs) {
			return nil, &PolicyError{Errs: errs}
		}
		return nil, &PolicyError{Err: fmt.Errorf("run tests: %w", err)}
	}
	var out []*tester.Result
	for r := range ch {
		out = append(out, r)
	}
	// Tests run in parallel; the report lists them in file order.
	slices.SortFunc(out, func(a, b *tester.Result) int {
		return cmp.Or(cmp.Compare(a.Location.File, b.Location.File), cmp.Compare(a.Location.Row, b.Location.Row),
			cmp.Compare(a.Package+"."+a.Name, b.Package+"."+b.Name))
	})
	return out, nil
}

// testModules are the modules a test run compiles: every policy, and the
// test files of the subject (all test files when all is set). Leaving the
// other test files out, rather than filtering results, means a broken
// built-in test cannot fail the author's run.
func (w *Workbench) testModules(all bool) map[string]*ast.Module {
	if all || !w.UserOnly() {
		return w.Modules
	}
	out := make(map[string]*ast.Module, len(w.Modules))
	for name, m := range w.Modules {
		if w.User[name] || !isTestFile(name) {
			out[name] = m
		}
	}
	return out
}

// coverage is the share of the subject policies' lines the tests evaluated.
// Test files are left out: they are always nearly fully covered and would
// flatter the figure.
func (w *Workbench) coverage(rep cover.Report) float64 {
	var covered, total int
	for _, name := range w.subject() {
		fr := rep.Files[name]
		if isTestFile(name) || fr == nil {
			continue
		}
		covered += fr.CoveredLines
		total += fr.CoveredLines + fr.NotCoveredLines
	}
	if total == 0 {
		return 100
	}
	return 100 * float64(covered) / float64(total)
}

func (w *Workbench) writeTests(opts TestOptions, results []*tester.Result, rep *cover.Report, sum TestSummary) error {
	feed := func() chan *tester.Result {
		ch := make(chan *tester.Result, len(results))
		for _, r := range results {
			ch <- r
		}
		close(ch)
		return ch
	}
	if opts.JSON {
		if rep == nil {
			return tester.JSONReporter{Output: opts.Out}.Report(feed())
		}
		// opa test --coverage writes the coverage report; relgate's
		// figure, on the subject policies, is added beside OPA's.
		doc := struct {
			*cover.Report
			Tests           TestSummary `json:"tests"`
			SubjectCoverage float64     `json:"subject_coverage"`
		}{rep, sum, *sum.Coverage}
		enc := json.NewEncoder(opts.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(doc)
	}
	pr := tester.PrettyReporter{Output: opts.Out, Verbose: opts.Verbose, FailureLine: true, LocalVars: true}
	if err := pr.Report(feed()); err != nil {
		return err
	}
	if rep == nil {
		return nil
	}
	fmt.Fprintf(opts.Out, "COVERAGE: %.1f%%\n", *sum.Coverage)
	for _, name := range w.subject() {
		fr := rep.Files[name]
		if isTestFile(name) || fr == nil || fr.NotCoveredLines == 0 {
			continue
		}
		var lines []string
		for _, r := range fr.NotCovered {
			l := fmt.Sprint(r.Start.Row)
			if r.End.Row != r.Start.Row {
				l += fmt.Sprintf("-%d", r.End.Row)
			}
			if len(lines) == 0 || lines[len(lines)-1] != l {
				lines = append(lines, l)
			}
		}
		fmt.Fprintf(opts.Out, "  %s: %.1f%%, not covered: %s\n", name, fr.Coverage, strings.Join(lines, ", "))
	}
	return nil
}
