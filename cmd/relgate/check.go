package main

import (
	"path/filepath"

	"github.com/spf13/cobra"
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
			cfg, shown, err := loadConfig(so.config, dir)
			if err != nil {
				return err
			}
			reports, err := gopts.parseReports()
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
			// Compile the policies before scanning so a broken policy fails fast.
			eng, err := newEngine(cmd.Context(), cfg, cfgDir, gopts.policies)
			if err != nil {
				return err
			}
			in, err := a.gather(cmd.Context(), dir, cfg, &so)
			if err != nil {
				return err
			}
			return a.judge(cmd.Context(), eng, in, shown, &gopts, reports)
		},
	}
	so.bind(cmd)
	gopts.bind(cmd)
	aopts.bind(cmd)
	return cmd
}
