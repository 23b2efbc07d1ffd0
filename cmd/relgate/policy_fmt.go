package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/relgate/relgate/engine"
)

func (a *app) policyFmtCommand() *cobra.Command {
	var check, list bool
	cmd := &cobra.Command{
		Use:   "fmt [--check|-l] PATH…",
		Short: "Format Rego files as opa fmt does",
		Long: "Format the given Rego files, and the .rego files under the given directories, with OPA's formatter\n" +
			"(the layout `opa fmt` writes; hidden directories are skipped). Files are rewritten in place and\n" +
			"listed. -l lists the files that need formatting without changing them; --check does the same and\n" +
			"exits 1 when there is one, for CI. A file that does not parse is exit 2, with its file and line.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.ran = true
			changed, err := engine.FormatFiles(args, !check && !list)
			for _, f := range changed {
				fmt.Fprintln(a.stdout, f)
			}
			switch {
			case err != nil:
				return err
			case check && len(changed) > 0:
				// Exit 1 as a failing gate: the list on stdout says which files.
				fmt.Fprintf(a.stderr, "relgate: %d file(s) not formatted; run: relgate policy fmt PATH…\n", len(changed))
				return errGateFailed
			}
			return nil
		},
	}
	f := cmd.Flags()
	f.BoolVar(&check, "check", false, "change nothing; list unformatted files and exit 1 if there are any")
	f.BoolVarP(&list, "list", "l", false, "change nothing; list unformatted files")
	return cmd
}

func (a *app) policyPullCommand() *cobra.Command {
	var po policyOptions
	var opts engine.PullOptions
	cmd := &cobra.Command{
		Use:   "pull URL --output DIR",
		Short: "Fetch a policy bundle for offline use",
		Long: "Fetch an OPA bundle archive (https://…/bundle.tar.gz, or oci://REGISTRY/REPO:TAG) into DIR, to gate\n" +
			"offline with --policy DIR/NAME.tar.gz. With --digest the archive must have that sha256 digest.\n" +
			"The bundle is loaded and compiled beside the built-in policies before it is stored, so a bundle\n" +
			"the gate would refuse is refused now. Plain http:// is accepted for loopback hosts or with --digest.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			a.ran = true
			if opts.Output == "" {
				return usage(errors.New("--output: name the directory to store the bundle in"))
			}
			if opts.Digest != "" {
				if err := engine.CheckDigest(opts.Digest); err != nil {
					return usage(fmt.Errorf("--digest: %w", err))
				}
			}
			if err := engine.CheckBundleURL(args[0], opts.Digest != ""); err != nil {
				return usage(err)
			}
			wd, err := os.Getwd()
			if err != nil {
				return err
			}
			cfg, _, err := loadConfig(po.config, wd)
			if err != nil {
				return err
			}
			if cfg.Policy != nil {
				opts.AllowBuiltins = cfg.Policy.AllowBuiltins
			}
			opts.URL = args[0]
			file, digest, err := engine.PullBundle(cmd.Context(), opts)
			if err != nil {
				return err
			}
			fmt.Fprintf(a.stdout, "%s %s\n", digest, file)
			return nil
		},
	}
	po.bind(cmd)
	f := cmd.Flags()
	f.StringVarP(&opts.Output, "output", "o", "", "directory to store the bundle in (created if missing)")
	f.StringVar(&opts.Digest, "digest", "", "the archive's expected digest, sha256:HEX")
	return cmd
}
