package main

import (
	"fmt"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// version is stamped by the release build (-ldflags "-X main.version=…").
var version = "dev"

// libraries whose versions `relgate version` shows.
var libraries = []string{
	"github.com/open-policy-agent/opa",
	"github.com/zricethezav/gitleaks/v8",
	"github.com/google/osv-scanner/v2",
	"github.com/aquasecurity/trivy",
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
			return nil
		},
	}
}
