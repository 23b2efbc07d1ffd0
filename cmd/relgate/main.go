// Command relgate is a policy-as-code release gate: it gathers the facts of a
// release, judges them with Rego policies and answers pass, warn or fail.
//
// It does not link trivy and osv-scanner: the scanners built on them run in
// relgate-scanners, installed beside it (see package scanners/heavy).
package main

import (
	"os"

	"github.com/relgate/relgate/scanners"
)

func main() {
	// The helper serves only the relgate built from the same source.
	scanners.ReleaseVersion = version
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}
