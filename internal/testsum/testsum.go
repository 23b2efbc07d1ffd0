// Package testsum reads `go test -json` events and writes what a person
// needs from a whole-suite run: one line per package, the output of every
// failing test, and every skipped test with its reason. `make test` runs the
// suite through it (cmd/testsum), so a skip is never silent: outside the
// documented short mode, a skipped test fails the run.
package testsum

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
)

// event is one line of test2json output.
type event struct {
	Action     string
	Package    string
	ImportPath string // build-output and build-fail events
	Test       string
	Output     string
	Elapsed    float64
}

// Summary is what a run came to.
type Summary struct {
	Packages int
	Passed   int
	Failed   []string // "pkg TestName", or "pkg" for a package that failed outside any test
	Skipped  []string // "pkg TestName: reason"
}

// OK reports whether the run passed: nothing failed, and nothing skipped
// unless skips are allowed (the short mode).
func (s *Summary) OK(allowSkips bool) bool {
	return len(s.Failed) == 0 && (allowSkips || len(s.Skipped) == 0)
}

// Read consumes events from r, writing package lines and failing tests'
// output to w as they complete. Lines that are not JSON (a build failure's
// compiler output) are passed through.
func Read(r io.Reader, w io.Writer) (*Summary, error) {
	s := &Summary{}
	out := map[string]*strings.Builder{} // package+"\x00"+test -> output
	key := func(e event) string { return e.Package + "\x00" + e.Test }
	failedTests := map[string]int{} // package -> tests that failed
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 64<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(w, "%s\n", line)
			continue
		}
		switch e.Action {
		case "build-output":
			fmt.Fprint(w, e.Output)
		case "build-fail":
			s.Failed = append(s.Failed, e.ImportPath+" [build failed]")
		case "output":
			b := out[key(e)]
			if b == nil {
				b = &strings.Builder{}
				out[key(e)] = b
			}
			b.WriteString(e.Output)
		case "pass", "fail", "skip":
			text := ""
			if b := out[key(e)]; b != nil {
				text = b.String()
				delete(out, key(e))
			}
			if e.Test == "" {
				packageDone(s, w, e, text, failedTests[e.Package])
				continue
			}
			switch e.Action {
			case "pass":
				s.Passed++
			case "fail":
				s.Failed = append(s.Failed, e.Package+" "+e.Test)
				failedTests[e.Package]++
				fmt.Fprintf(w, "--- FAIL: %s (%s)\n%s", e.Test, e.Package, indent(text))
			case "skip":
				s.Skipped = append(s.Skipped, fmt.Sprintf("%s %s: %s", e.Package, e.Test, skipReason(text)))
			}
		}
	}
	if err := sc.Err(); err != nil {
		return s, fmt.Errorf("read go test -json output: %w", err)
	}
	slices.Sort(s.Skipped)
	return s, nil
}

// packageDone writes the package's one line, as go test does without -v.
func packageDone(s *Summary, w io.Writer, e event, text string, failedTests int) {
	s.Packages++
	switch e.Action {
	case "pass":
		fmt.Fprintf(w, "ok  \t%s\t%.3fs\n", e.Package, e.Elapsed)
	case "skip": // no test files
		fmt.Fprintf(w, "?   \t%s\t[no test files]\n", e.Package)
	case "fail":
		// The package's own output holds what no test owns: a build
		// failure, a panic outside a test, TestMain's complaint.
		var own strings.Builder
		for l := range strings.Lines(text) {
			if !strings.HasPrefix(l, "FAIL") && !strings.HasPrefix(l, "=== ") {
				own.WriteString(l)
			}
		}
		fmt.Fprint(w, own.String())
		if failedTests == 0 && !strings.Contains(text, "[build failed]") {
			s.Failed = append(s.Failed, e.Package)
		}
		fmt.Fprintf(w, "FAIL\t%s\t%.3fs\n", e.Package, e.Elapsed)
	}
}

// skipReason is the message a test gave t.Skip: the output lines after the
// "--- SKIP" line, or what precedes it when the skip came first.
func skipReason(text string) string {
	var reason []string
	for l := range strings.Lines(text) {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- SKIP") {
			continue
		}
		reason = append(reason, l)
	}
	if len(reason) == 0 {
		return "(no reason given)"
	}
	return strings.Join(reason, " ")
}

func indent(text string) string {
	var b strings.Builder
	for l := range strings.Lines(text) {
		if strings.HasPrefix(l, "=== ") {
			continue
		}
		b.WriteString("    " + l)
	}
	return b.String()
}
