package main

// The tests run every scanner in process: the test binary links what
// relgate-scanners links, so a test needs no second build. The helper's
// own path (the same facts, a missing or foreign helper, time limits, the
// database update) is tested in package scanners/heavy.
import _ "github.com/relgate/relgate/scanners/heavy"
