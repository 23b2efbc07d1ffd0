package main

import "github.com/spf13/cobra"

func (a *app) scanCommand() *cobra.Command {
	var so scanOptions
	cmd := &cobra.Command{
		Use:   "scan [PATH]",
		Short: "Scan PATH and print the input document (judge it later with eval)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.ran = true
			dir, err := resolveDir(args)
			if err != nil {
				return err
			}
			cfg, _, err := loadConfig(so.config, dir)
			if err != nil {
				return err
			}
			in, err := a.gather(cmd.Context(), dir, cfg, &so)
			if err != nil {
				return err
			}
			return a.redactor.WriteTo(a.stdout, in.Encode)
		},
	}
	so.bind(cmd)
	return cmd
}
