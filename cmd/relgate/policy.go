package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/report"
)

// exitWith ends a command with an exit code of its own: policy test exits
// as `opa test` does, which CI scripts written for opa expect.
type exitWith struct {
	code int
	err  error
}

func (e *exitWith) Error() string { return e.err.Error() }
func (e *exitWith) Unwrap() error { return e.err }

func (a *app) policyCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "policy",
		Short: "Policy workbench: test, lint, document, format and pull Rego policies",
		Long: "Policy workbench for the teams who write relgate's Rego. DIR… are policy directories or files\n" +
			"(default: the config's policies); the built-in library is always loaded beside them.",
	}
	cmd.AddCommand(a.policyTestCommand(), a.policyLintCommand(), a.policyDocCommand(), a.policyFmtCommand(), a.policyPullCommand())
	return cmd
}

// policyOptions are the flags every policy command shares.
type policyOptions struct{ config string }

func (o *policyOptions) bind(cmd *cobra.Command) {
	cmd.Flags().StringVar(&o.config, "config", "", "config file (default ./.relgate.yaml)")
}

// workbench loads the built-in policies and DIR… (else the config's
// policies), tests included, under the config's sandbox.
func (o *policyOptions) workbench(ctx context.Context, args []string) (*engine.Workbench, []string, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, nil, err
	}
	cfg, _, err := loadConfig(o.config, wd)
	if err != nil {
		return nil, nil, err
	}
	paths := args
	if len(paths) == 0 {
		cfgDir := wd
		if o.config != "" {
			cfgDir = filepath.Dir(o.config)
		}
		for _, p := range cfg.Policies {
			if !filepath.IsAbs(p) {
				p = filepath.Join(cfgDir, p)
			}
			paths = append(paths, p)
		}
	}
	for _, p := range paths {
		if engine.IsOCI(p) {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			return nil, nil, &engine.PolicyError{Err: fmt.Errorf("read policy %s: %w", p, unwrapPathError(err))}
		}
	}
	var allow, prefixes []string
	if cfg.Policy != nil {
		allow, prefixes = cfg.Policy.AllowBuiltins, cfg.Policy.IDPrefixes
	}
	wb, err := engine.LoadWorkbench(ctx, engine.WorkbenchOptions{Paths: paths, AllowBuiltins: allow})
	return wb, prefixes, err
}

func (a *app) policyTestCommand() *cobra.Command {
	var po policyOptions
	var opts engine.TestOptions
	var threshold float64
	var format string
	cmd := &cobra.Command{
		Use:   "test [DIR…]",
		Short: "Run the Rego unit tests of the given policies (else the built-in ones)",
		Long: "Run the Rego unit tests (test_* rules) of the given policies with OPA's tester; the built-in policies\n" +
			"are loaded as the library they build on, and their own tests run only with --all (or when no\n" +
			"policies are given).\n" +
			"A failing test shows the expression that failed, its variables and the test's print() output.\n" +
			"Coverage counts the lines of the given policies (else the built-in ones), test files left out.\n\n" +
			"Exit codes, as opa test: 0 all tests passed, 1 the policies could not be loaded or compiled,\n" +
			"2 a test failed or errored, or coverage is below --threshold.",
		RunE: func(cmd *cobra.Command, args []string) error {
			a.ran = true
			if threshold < 0 || threshold > 100 {
				return usage(fmt.Errorf("--threshold: %v is not a percentage between 0 and 100", threshold))
			}
			if format != "pretty" && format != "json" {
				return usage(fmt.Errorf("--format: unknown format %q (known: pretty, json)", format))
			}
			opts.Coverage = opts.Coverage || threshold > 0
			opts.JSON, opts.Out = format == "json", a.stdout
			wb, _, err := po.workbench(cmd.Context(), args)
			if err != nil {
				return &exitWith{1, err}
			}
			sum, err := wb.Test(cmd.Context(), opts)
			var pe *engine.PolicyError
			switch {
			case errors.As(err, &pe):
				return &exitWith{1, err}
			case err != nil:
				return usage(err)
			case sum.Failed():
				return &exitWith{2, fmt.Errorf("%d of %d policy tests failed", sum.Fail+sum.Error, sum.Pass+sum.Fail+sum.Error+sum.Skip)}
			case sum.Coverage != nil && *sum.Coverage < threshold:
				return &exitWith{2, fmt.Errorf("coverage %.1f%% is below the threshold %v%%", *sum.Coverage, threshold)}
			case sum.Pass+sum.Fail+sum.Error+sum.Skip == 0:
				fmt.Fprintln(a.stderr, "relgate: no tests ran")
			}
			return nil
		},
	}
	po.bind(cmd)
	f := cmd.Flags()
	f.BoolVar(&opts.All, "all", false, "run the built-in policies' tests as well as the given ones")
	f.BoolVar(&opts.Coverage, "coverage", false, "report test coverage of the policies")
	f.Float64Var(&threshold, "threshold", 0, "fail (exit 2) when coverage is below PCT (implies --coverage)")
	f.StringVarP(&opts.Run, "run", "r", "", "run only the tests whose full name (data.pkg.test_x) matches REGEX")
	f.BoolVarP(&opts.Verbose, "verbose", "v", false, "list every test, not only the failing ones")
	f.StringVarP(&format, "format", "f", "pretty", "output format: pretty, json")
	f.DurationVar(&opts.Timeout, "timeout", 5*time.Second, "time limit per test")
	return cmd
}

func (a *app) policyLintCommand() *cobra.Command {
	var po policyOptions
	var gopts gateOptions
	var prefixes []string
	cmd := &cobra.Command{
		Use:   "lint [DIR…]",
		Short: "Compile policies strictly and check relgate's rule contract",
		Long: "Compile the given policies (else the built-in ones) with OPA's strict compiler and check the\n" +
			"rule contract: every deny and warn has METADATA (rule or package scope) with title, custom.id and\n" +
			"custom.severity; ids are unique, carry a known prefix and do not reuse built-in ids; results carry\n" +
			"the contract's fields; each rule file has tests. The text format lists the problems as\n" +
			"FILE:LINE: ID severity: message; the report formats (json, sarif, …) carry them as findings.\n" +
			"Exit 1 when there is any problem. For style, run Regal as well (see docs/policy-workbench.md).",
		RunE: func(cmd *cobra.Command, args []string) error {
			a.ran = true
			text := gopts.format == "text"
			if text {
				gopts.format = "table" // validated below; the text layout is written instead
			}
			reports, err := gopts.parseReports()
			if err != nil {
				return err
			}
			wb, cfgPrefixes, err := po.workbench(cmd.Context(), args)
			var d *engine.Decision
			var checked engine.LintScope
			if err != nil {
				var ok bool
				if d, ok = engine.LintLoadError(err); !ok {
					return err
				}
			} else {
				d = wb.Lint(engine.LintOptions{Prefixes: append(slices.Clone(cfgPrefixes), prefixes...)})
				checked = wb.LintScope()
			}
			opts := report.Options{Version: version, Rules: engine.LintRules}
			if !text {
				err = a.writeDecision(d, opts, &gopts, reports)
			} else if err = a.writeReportFiles(d, opts, reports); err == nil {
				err = a.redactor.WriteTo(a.stdout, func(w io.Writer) error { return engine.WriteLintText(w, d, checked) })
			}
			if err != nil && !errors.Is(err, errGateFailed) {
				return err
			}
			// Every problem is one to fix, whatever its severity: a
			// linter that exits 0 on problems is ignored in CI.
			if len(engine.LintProblems(d)) > 0 {
				return errGateFailed
			}
			return nil
		},
	}
	po.bind(cmd)
	f := cmd.Flags()
	f.StringVarP(&gopts.format, "format", "f", "text", "output format on stdout: text, "+strings.Join(report.Formats(), ", "))
	f.StringArrayVar(&gopts.reports, "report", nil, "also write a report: FORMAT=PATH (repeatable; a report format)")
	f.StringArrayVar(&prefixes, "prefix", nil, "a rule id prefix of the team's own, besides policy.id_prefixes (repeatable)")
	return cmd
}

// writeReportFiles writes the --report files of a decision made outside
// the gate (policy lint).
func (a *app) writeReportFiles(d *engine.Decision, opts report.Options, reports []reportFile) error {
	for _, r := range reports {
		err := writeFileAtomic(r.path, redacted(a.redactor, func(w io.Writer) error { return report.Write(w, r.format, d, opts) }))
		if err != nil {
			return fmt.Errorf("write %s report: %w", r.format, err)
		}
	}
	return nil
}

// writeDecision writes a decision made outside the gate (policy lint) like
// judge does, and fails when it fails.
func (a *app) writeDecision(d *engine.Decision, opts report.Options, o *gateOptions, reports []reportFile) error {
	if err := a.writeReportFiles(d, opts, reports); err != nil {
		return err
	}
	opts.Color = o.format == "table" && isTerminal(a.stdout) && os.Getenv("NO_COLOR") == ""
	if err := a.redactor.WriteTo(a.stdout, func(w io.Writer) error { return report.Write(w, o.format, d, opts) }); err != nil {
		return fmt.Errorf("write %s report: %w", o.format, err)
	}
	if d.Failed() {
		return errGateFailed
	}
	return nil
}

func (a *app) policyDocCommand() *cobra.Command {
	var po policyOptions
	var format, output string
	cmd := &cobra.Command{
		Use:   "doc [DIR…]",
		Short: "Write the catalogue of rules (Markdown or JSON) from their METADATA",
		Long: "Write the catalogue of every rule of the given policies (else the built-in ones) from METADATA, the\n" +
			"rule's own block or its package's (scope: package; marked so): id, title, severity per variant,\n" +
			"description, remediation, links and source file.\n" +
			"docs/policies.md is `relgate policy doc`.",
		RunE: func(cmd *cobra.Command, args []string) error {
			a.ran = true
			write := engine.WriteRuleDocsMarkdown
			switch format {
			case "markdown":
			case "json":
				write = engine.WriteRuleDocsJSON
			default:
				return usage(fmt.Errorf("--format: unknown format %q (known: markdown, json)", format))
			}
			wb, _, err := po.workbench(cmd.Context(), args)
			if err != nil {
				return err
			}
			pkgs := wb.RuleDocs()
			if output == "" {
				return write(a.stdout, pkgs)
			}
			return writeFileAtomic(output, func(w io.Writer) error { return write(w, pkgs) })
		},
	}
	po.bind(cmd)
	f := cmd.Flags()
	f.StringVarP(&format, "format", "f", "markdown", "output format: markdown, json")
	f.StringVarP(&output, "output", "o", "", "write to this file instead of stdout")
	return cmd
}

// explainRule is eval --explain: the trace of one rule instead of a report.
func explainRule(ctx context.Context, eng *engine.Engine, in *engine.Input, rule string, w io.Writer) error {
	err := eng.Explain(ctx, in, rule, w)
	var ee *engine.ExplainError
	if errors.As(err, &ee) {
		return usage(err)
	}
	return err
}
