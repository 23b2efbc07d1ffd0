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
	cmd := &cobra.Command{
		Use:   "eval --input FILE|-",
		Short: "Judge a saved input document (reproduces a decision)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			a.ran = true
			if inputPath == "" {
				return usage(fmt.Errorf("--input is required"))
			}
			in, err := readInput(inputPath, cmd.InOrStdin())
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
			reports, err := gopts.parseReports()
			if err != nil {
				return err
			}
			if env != "" {
				in.Release.Environment = env
			}
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
			eng, err := newEngine(cmd.Context(), cfg, cfgDir, gopts.policies)
			if err != nil {
				return err
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
	f.StringVar(&explain, "explain", "", "explain why RULE (an id like REL001, or a path like relgate.rules.release.deny) fired or did not")
	return cmd
}

func readInput(path string, stdin io.Reader) (*engine.Input, error) {
	if path == "-" {
		return engine.DecodeInput("<stdin>", stdin)
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &engine.InputError{File: path, Err: fmt.Errorf("read input: %w", unwrapPathError(err))}
	}
	defer f.Close()
	return engine.DecodeInput(path, f)
}
