// Command gen writes the CycloneDX SBOM of a Go binary to stdout:
//
//	go run ./internal/sbom/gen BINARY VERSION > relgate.cdx.json
//
// make release runs it on every binary it builds.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/relgate/relgate/internal/sbom"
)

func main() { os.Exit(run(os.Args[1:])) }

func run(args []string) int {
	if len(args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gen BINARY VERSION")
		return 2
	}
	// SOURCE_DATE_EPOCH keeps the document reproducible; else no timestamp.
	var at time.Time
	if s := os.Getenv("SOURCE_DATE_EPOCH"); s != "" {
		var sec int64
		if _, err := fmt.Sscan(s, &sec); err == nil {
			at = time.Unix(sec, 0)
		}
	}
	d, err := sbom.FromBinary(args[0], args[1], at)
	if err == nil {
		err = sbom.Write(os.Stdout, d)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sbom:", err)
		return 1
	}
	return 0
}
