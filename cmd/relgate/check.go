package main

import (
	"context"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/relgate/relgate/engine"
)

func (a *app) checkCommand() *cobra.Command {
	var so scanOptions
	var gopts gateOptions
	var aopts attestOptions
	cmd := &cobra.Command{
		Use:   "check [PATH]",
		Short: "Scan PATH, judge the facts with the policies and report the decision",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.ran = true
			dir, err := resolveDir(args)
			if err != nil {
				return err
			}
			// First, so that no error below leaves an earlier run's report.
			reports, err := gopts.parseReports()
			if err != nil {
				return err
			}
			cfg, shown, err := loadConfig(so.config, dir)
			if err != nil {
				return err
			}
			if gopts.attest, err = aopts.load(); err != nil {
				return err
			}
			cfgDir := dir
			if so.config != "" {
				cfgDir = filepath.Dir(so.config)
			}
			// Compile the policies while the scanners run: on the
			// pre-commit path compiling is as long as scanning. A broken
			// policy stops the scan and is the error reported.
			ctx, cancel := context.WithCancel(cmd.Context())
			defer cancel()
			type compiled struct {
				eng *engine.Engine
				err error
			}
			done := make(chan compiled, 1)
			go func() {
				eng, err := newEngine(ctx, cfg, cfgDir, gopts.policies, nil)
				if err != nil {
					cancel()
				}
				done <- compiled{eng, err}
			}()
			in, gerr := a.gather(ctx, dir, cfg, &so)
			c := <-done
			if c.err != nil {
				return c.err
			}
			if gerr != nil {
				return gerr
			}
			return a.judge(cmd.Context(), c.eng, in, shown, &gopts, reports)
		},
	}
	so.bind(cmd)
	gopts.bind(cmd)
	aopts.bind(cmd)
	return cmd
}
