package report

import (
	"cmp"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/relgate/relgate/engine"
)

// JUnit XML, as read by Jenkins, GitLab, Azure DevOps and the test-report
// actions: <testsuites> of <testsuite>s of <testcase>s.
type junitSuites struct {
	XMLName  xml.Name     `xml:"testsuites"`
	Name     string       `xml:"name,attr"`
	Tests    int          `xml:"tests,attr"`
	Failures int          `xml:"failures,attr"`
	Errors   int          `xml:"errors,attr"`
	Skipped  int          `xml:"skipped,attr"`
	Suites   []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name       string          `xml:"name,attr"`
	Tests      int             `xml:"tests,attr"`
	Failures   int             `xml:"failures,attr"`
	Errors     int             `xml:"errors,attr"`
	Skipped    int             `xml:"skipped,attr"`
	Time       string          `xml:"time,attr,omitempty"`
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitCase     `xml:"testcase"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	File      string        `xml:"file,attr,omitempty"`
	Line      int           `xml:"line,attr,omitempty"`
	Time      string        `xml:"time,attr,omitempty"`
	Failure   *junitProblem `xml:"failure"`
	Error     *junitProblem `xml:"error"`
	Skipped   *junitSkipped `xml:"skipped"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

type junitSkipped struct {
	Message string `xml:"message,attr"`
}

// writeJUnit writes one test suite per policy area (relgate.rules.<area>) with a
// test case per finding: violations fail, warnings and waived findings are
// skipped with the reason in the message, so CI test views count them
// without failing the build on them. Scanner runs form their own suite
// (a scanner error is an <error>), and a decision without findings still
// reports one passing case, so an empty report never reads as "no tests".
func writeJUnit(w io.Writer, d *engine.Decision, opts Options) error {
	idx := indexRules(opts.Rules)
	suites := map[string]*junitSuite{}
	suite := func(name string) *junitSuite {
		s, ok := suites[name]
		if !ok {
			s = &junitSuite{Name: name}
			suites[name] = s
		}
		return s
	}

	for _, g := range groups(d) {
		for _, f := range g.findings {
			info, known := idx[f.Rule]
			a := area(f.Rule, info, known)
			s := suite(cleanLine("relgate.rules." + a))
			pl := placeOf(f, opts)
			c := junitCase{
				Name:      cleanLine(strings.TrimSpace(fmt.Sprintf("%s %s", f.Rule, pl))),
				Classname: cleanLine("relgate.rules." + a + "." + f.Rule),
				File:      cleanLine(pl.path),
				Line:      pl.startLine,
			}
			msg := cleanControl(idx.message(f))
			details := cleanControl(fmt.Sprintf("%s: %s\nrule: %s (%s)\nseverity: %s\nlocation: %s\nfingerprint: %s",
				g.kind, idx.message(f), f.Rule, idx.title(f), f.Severity, pl, f.Fingerprint))
			switch g.kind {
			case kindViolation:
				c.Failure = &junitProblem{Message: msg, Type: cleanLine(f.Severity), Text: details}
				s.Failures++
			case kindWarning:
				c.Skipped = &junitSkipped{Message: "warning: " + msg}
				c.SystemOut = details
				s.Skipped++
			case kindWaived:
				waiver := cleanControl(waiverText(f.Waiver))
				c.Skipped = &junitSkipped{Message: waiver}
				c.SystemOut = details + "\n" + waiver
				s.Skipped++
			}
			s.Cases = append(s.Cases, c)
		}
	}
	if findingCount(d) == 0 {
		s := suite("relgate")
		s.Cases = append(s.Cases, junitCase{Name: "no findings", Classname: "relgate.gate"})
	}

	if runs := sortedScanners(d); len(runs) > 0 {
		s := suite("relgate.scanners")
		var total int64
		for _, r := range runs {
			c := junitCase{Name: cleanLine(r.Name), Classname: cleanLine("relgate.scanners." + r.Name), Time: seconds(r.DurationMS)}
			scanErr := cleanControl(r.Error)
			switch r.Status {
			case engine.StatusError:
				c.Error = &junitProblem{Message: scanErr, Type: "scanner error", Text: scanErr}
				s.Errors++
			case engine.StatusSkipped:
				c.Skipped = &junitSkipped{Message: "skipped: " + cleanControl(scannerDetail(r))}
				s.Skipped++
			}
			total += r.DurationMS
			s.Cases = append(s.Cases, c)
		}
		s.Time = seconds(total)
	}

	out := junitSuites{Name: "relgate"}
	for _, name := range sortedKeys(suites) {
		s := suites[name]
		s.Tests = len(s.Cases)
		s.Properties = []junitProperty{
			{"environment", cleanLine(d.Environment)},
			{"result", cleanLine(d.Result)},
			{"score", formatScore(d.Score)},
		}
		out.Tests += s.Tests
		out.Failures += s.Failures
		out.Errors += s.Errors
		out.Skipped += s.Skipped
		out.Suites = append(out.Suites, *s)
	}

	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(out); err != nil {
		return fmt.Errorf("encode junit: %w", err)
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(ms int64) string {
	return strconv.FormatFloat(float64(ms)/1000, 'f', 3, 64)
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, cmp.Compare[string])
	return keys
}
