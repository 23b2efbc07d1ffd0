// Command relgate-scanners runs the scanners relgate does not link, those
// built on trivy and osv-scanner (deps, containers, iac), and the
// vulnerability database update. relgate starts it, beside its own
// executable or on PATH, with a JSON request on standard input:
//
//	relgate-scanners scan        # a scanners.ScanRequest; answers a scanners.ScanResponse
//	relgate-scanners db-update   # a scanners.DBUpdate; writes what it did
//	relgate-scanners version
//
// It is not meant to be run by hand.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/relgate/relgate/scanners"
	_ "github.com/relgate/relgate/scanners/heavy"
)

// version is stamped by the release build, as relgate's is.
var version = "dev"

// libraries whose versions `relgate-scanners version` shows.
var libraries = []string{
	"github.com/google/osv-scanner/v2",
	"github.com/google/osv-scalibr",
	"github.com/aquasecurity/trivy",
}

func main() {
	scanners.ReleaseVersion = version
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	slog.SetDefault(slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(args) != 1 {
		fmt.Fprintf(stderr, "usage: %s scan|db-update|version (relgate runs it; see relgate --help)\n", scanners.HelperName)
		return 2
	}
	var err error
	switch args[0] {
	case "scan":
		err = scanners.ServeScan(ctx, stdin, stdout)
	case "db-update":
		if err = scanners.ServeDBUpdate(ctx, stdin, stdout, stderr); err != nil {
			fmt.Fprintf(stderr, "%s%s\n", scanners.ErrorMark, err)
			return 1
		}
	case "version":
		fmt.Fprintf(stdout, "%s %s\n", scanners.HelperName, scanners.Version())
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, dep := range bi.Deps {
				for _, lib := range libraries {
					if dep.Path == lib {
						fmt.Fprintf(stdout, "  %s %s\n", dep.Path, dep.Version)
					}
				}
			}
		}
	default:
		fmt.Fprintf(stderr, "%s: unknown command %q (known: scan, db-update, version)\n", scanners.HelperName, args[0])
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "%s\n", err)
		return 1
	}
	return 0
}
