package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/relgate/relgate/engine"
)

func (a *app) evalCommand() *cobra.Command {
	var gopts gateOptions
	var inputPath, configPath, env, waiversPath, explain string
	var k knobs
	var maxInputMB int
	cmd := &cobra.Command{
		Use:   "eval --input FILE|-",
		Short: "Judge a saved input document (reproduces a decision)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.ran = true
			if inputPath == "" {
				return usage(fmt.Errorf("--input is required"))
			}
			if err := k.check(); err != nil {
				return err
			}
			// First, so that no error below leaves an earlier run's report.
			reports, err := gopts.parseReports()
			if err != nil {
				return err
			}
			if maxInputMB <= 0 {
				return usage(fmt.Errorf("--max-input-mb: want a positive number, got %d", maxInputMB))
			}
			in, err := readInput(inputPath, cmd.InOrStdin(), int64(maxInputMB)<<20)
			if err != nil {
				return err
			}
			wd, err := os.Getwd()
			if err != nil {
				return err
			}
			cfg, shown, err := loadConfig(configPath, wd)
			if err != nil {
				return err
			}
			if env != "" {
				in.Release.Environment = env
			}
			k.apply(cmd.Flags(), in)
			if waiversPath != "" {
				// The saved input's waivers are replaced, e.g. to try a renewal.
				if in.Waivers, err = loadWaivers(waiversPath, cfg, wd); err != nil {
					return err
				}
			}
			cfgDir := wd
			if configPath != "" {
				cfgDir = filepath.Dir(configPath)
			}
			// One input is judged: only the rule packages its facts
			// feed are compiled, unless a rule is to be explained.
			facts := in
			if explain != "" {
				facts = nil
			}
			eng, err := newEngine(cmd.Context(), cfg, cfgDir, gopts.policies, facts)
			if err != nil {
				return err
			}
			if err := eng.CheckEnvironment(in.Release.Environment); err != nil {
				if env != "" {
					return usage(fmt.Errorf("--env: %w", err))
				}
				return usage(fmt.Errorf("%s: %w", inputPath, err))
			}
			if explain != "" {
				return a.redactor.WriteTo(a.stdout, func(w io.Writer) error { return explainRule(cmd.Context(), eng, in, explain, w) })
			}
			return a.judge(cmd.Context(), eng, in, shown, &gopts, reports)
		},
	}
	gopts.bind(cmd)
	f := cmd.Flags()
	f.StringVarP(&inputPath, "input", "i", "", "input document to judge, or - for stdin")
	f.StringVar(&configPath, "config", "", "config file (default ./.relgate.yaml)")
	f.StringVar(&env, "env", "", "judge for this environment instead of the document's")
	f.StringVar(&waiversPath, "waivers", "", "judge with this waiver file instead of the document's waivers")
	k.bind(f)
	f.IntVar(&maxInputMB, "max-input-mb", int(engine.DefaultMaxInputBytes>>20), "refuse an input document larger than this many MiB")
	f.StringVar(&explain, "explain", "", "explain why RULE (an id like REL001, or a path like relgate.rules.release.deny) fired or did not")
	return cmd
}

func readInput(path string, stdin io.Reader, maxBytes int64) (*engine.Input, error) {
	if path == "-" {
		return engine.DecodeInputLimit("<stdin>", stdin, maxBytes)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &engine.InputError{File: path, Err: fmt.Errorf("read input: %w", unwrapPathError(err))}
	}
	defer f.Close()
	return engine.DecodeInputLimit(path, f, maxBytes)
}
