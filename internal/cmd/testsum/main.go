// Command testsum summarises `go test -json` on standard input for
// `make test`: a line per package, failing tests' output, and every skipped
// test with its reason. A skip fails the run unless RELGATE_TEST_SHORT=1 (or
// -short) asked for skips: a test that cannot run proves nothing.
//
//	go test -json ./... | go run ./internal/cmd/testsum [-short]
package main

import (
	"fmt"
	"os"
	"slices"

	"github.com/relgate/relgate/internal/testsum"
	"github.com/relgate/relgate/internal/testtools"
)

func main() {
	short := os.Getenv(testtools.ShortEnv) == "1" || slices.Contains(os.Args[1:], "-short")
	s, err := testsum.Read(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsum:", err)
		os.Exit(1)
	}
	fmt.Printf("\n%d packages: %d tests passed, %d failed, %d skipped\n", s.Packages, s.Passed, len(s.Failed), len(s.Skipped))
	for _, f := range s.Failed {
		fmt.Println("  FAIL", f)
	}
	for _, sk := range s.Skipped {
		fmt.Println("  SKIP", sk)
	}
	if !s.OK(short) {
		if len(s.Failed) == 0 {
			fmt.Printf("a test skipped, and only %s=1 allows skips: every test must run here (bash .ci/deps.sh installs what the tests need)\n", testtools.ShortEnv)
		}
		os.Exit(1)
	}
}
