package tests

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/relgate/relgate/engine"
)

// junitSummary accumulates the test cases of every report.
type junitSummary struct {
	passed, failed, errors, skipped int
	failures                        []engine.TestFailure
}

// testCase is the <testcase> being read.
type testCase struct {
	name, classname string
	line            int
	depth           int
	failed, errored bool
	skipped         bool
}

// ErrEntities is a report that declares XML entities: they are refused,
// never expanded (billion laughs, external entities).
var ErrEntities = errors.New("the document declares XML entities, which are never expanded")

// parseJUnit reads one JUnit XML report as a stream of tokens, counting its
// test cases. Counts come from the <testcase> elements themselves, not from
// the tests/failures attributes of the suites, which generators fill
// inconsistently. Memory is bounded by the largest single text node (a
// test's captured output), never by the size of the report.
//
// The variants in use are accepted: a <testsuites> or a bare <testsuite>
// root, nested suites (JUnit 5, pytest, Jest, go-junit-report, gotestsum,
// Surefire), and Surefire's <flakyFailure>/<rerunFailure>, which mark a
// test that passed on retry and so count as passed.
func parseJUnit(r io.Reader, path string, sum *junitSummary) error {
	d := xml.NewDecoder(r)
	d.Strict = true
	depth := 0
	root := false
	var tc *testCase
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.Directive:
			if bytes.Contains(t, []byte("ENTITY")) {
				return ErrEntities
			}
		case xml.StartElement:
			depth++
			if !root {
				root = true
				if t.Name.Local != "testsuites" && t.Name.Local != "testsuite" {
					return fmt.Errorf("not a JUnit report: the root element is <%s>, not <testsuites> or <testsuite>", t.Name.Local)
				}
				continue
			}
			switch {
			case t.Name.Local == "testcase" && tc == nil:
				line, _ := d.InputPos()
				tc = &testCase{name: attr(t, "name"), classname: attr(t, "classname"), line: line, depth: depth}
			case tc != nil && depth == tc.depth+1:
				switch t.Name.Local {
				case "failure":
					tc.failed = true
				case "error":
					tc.errored = true
				case "skipped":
					tc.skipped = true
				}
			}
		case xml.EndElement:
			if tc != nil && depth == tc.depth {
				sum.add(tc, path)
				tc = nil
			}
			depth--
		}
	}
	if !root {
		return errors.New("not a JUnit report: no root element")
	}
	return nil
}

func (s *junitSummary) add(tc *testCase, path string) {
	kind := ""
	switch {
	case tc.failed:
		s.failed++
		kind = "failure"
	case tc.errored:
		s.errors++
		kind = "error"
	case tc.skipped:
		s.skipped++
	default:
		s.passed++
	}
	if kind != "" {
		id := tc.name
		if tc.classname != "" {
			id = tc.classname + "." + tc.name
		}
		s.failures = append(s.failures, engine.TestFailure{
			ID: id, Name: tc.name, Classname: tc.classname, Kind: kind,
			Location: engine.Location{Path: path, StartLine: tc.line, EndLine: tc.line},
		})
	}
}

func attr(e xml.StartElement, name string) string {
	for _, a := range e.Attr {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value
		}
	}
	return ""
}
