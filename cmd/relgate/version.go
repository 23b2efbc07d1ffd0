package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"

	"github.com/relgate/relgate/scanners"
)

// version is stamped by the release build (-ldflags "-X main.version=…").
var version = "dev"

// libraries whose versions `relgate version` shows.
var libraries = []string{
	"github.com/open-policy-agent/opa",
	"github.com/zricethezav/gitleaks/v8",
	"github.com/pganalyze/pg_query_go/v6",
}

func (a *app) versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print relgate's version and the versions of the engines it embeds",
		Args:  cobra.NoArgs,
		RunE: func(*cobra.Command, []string) error {
			a.ran = true
			fmt.Fprintf(a.stdout, "relgate %s (%s, %s/%s)\n", version, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			if bi, ok := debug.ReadBuildInfo(); ok {
				for _, dep := range bi.Deps {
					for _, lib := range libraries {
						if dep.Path == lib {
							fmt.Fprintf(a.stdout, "  %s %s\n", dep.Path, dep.Version)
						}
					}
				}
			}
			// trivy and osv-scanner are linked into the helper, whose own
			// version command lists them; starting it here would double
			// the cost of this one.
			if p, err := scanners.FindHelper(); err == nil {
				fmt.Fprintf(a.stdout, "  %s %s (trivy, osv-scanner: %s version)\n", scanners.HelperName, p, p)
			} else {
				fmt.Fprintf(a.stdout, "  %s: %v\n", scanners.HelperName, err)
			}
			return nil
		},
	}
}
