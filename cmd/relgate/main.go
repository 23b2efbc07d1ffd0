// Command relgate is a policy-as-code release gate: it gathers the facts of a
// release, judges them with Rego policies and answers pass, warn or fail.
package main

import "os"

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }
