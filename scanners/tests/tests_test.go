package tests

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

// project copies testdata files into a fresh directory under the given
// repo-relative names.
func project(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for dst, src := range files {
		data, err := os.ReadFile(filepath.Join("testdata", src))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(dst))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func scan(t *testing.T, opts Options) (*engine.Input, engine.ScannerRun, error) {
	t.Helper()
	in := engine.NewInput()
	run, err := New(opts).Scan(context.Background(), in)
	return in, run, err
}

func TestScanJUnitVariants(t *testing.T) {
	dir := project(t, map[string]string{
		"go/report.xml":                     "gotestsum.xml",
		"java/target/surefire/TEST-Svc.xml": "surefire.xml",
		"py/junit.xml":                      "pytest.xml",
		"py/not-a-report.txt":               "pytest.xml",
	})
	in, run, err := scan(t, Options{Dir: dir, JUnit: []string{"**/*.xml", "go/report.xml"}})
	if err != nil {
		t.Fatal(err)
	}
	got := in.Tests
	if got == nil {
		t.Fatal("no tests section")
	}
	want := "passed=8 failed=1 errors=1 skipped=2"
	if s := fmt.Sprintf("passed=%d failed=%d errors=%d skipped=%d", got.Passed, got.Failed, got.Errors, got.Skipped); s != want {
		t.Errorf("counts: %s, want %s", s, want)
	}
	if r := strings.Join(got.Reports, ","); r != "go/report.xml,java/target/surefire/TEST-Svc.xml,py/junit.xml" {
		t.Errorf("reports = %s", r)
	}
	var fs []string
	for _, f := range got.Failures {
		fs = append(fs, fmt.Sprintf("%s %s.%s %s:%d", f.Kind, f.Classname, f.Name, f.Location.Path, f.Location.StartLine))
	}
	wantF := []string{
		"failure example.com/shop/cart.TestTotal/with_discount go/report.xml:8",
		"error com.example.OrderServiceTest.savesToDatabase java/target/surefire/TEST-Svc.xml:8",
	}
	if strings.Join(fs, "\n") != strings.Join(wantF, "\n") {
		t.Errorf("failures:\n%s\nwant:\n%s", strings.Join(fs, "\n"), strings.Join(wantF, "\n"))
	}
	if run.Stats[StatReports] != 3 || run.Stats[StatTestCase] != 12 {
		t.Errorf("stats = %v", run.Stats)
	}
	if got.Location.Path != "go/report.xml" || got.Coverage != nil {
		t.Errorf("location %q coverage %v", got.Location.Path, got.Coverage)
	}
}

func TestScanCoverageFormats(t *testing.T) {
	tests := []struct {
		file, format string
		want         string
	}{
		{"cover.out", "go", "70 7/10"},
		{"cobertura.xml", "cobertura", "80 200/250"},
		{"cobertura-rate.xml", "cobertura", "65.43 0/0"},
		{"lcov.info", "lcov", "60 6/10"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			dir := project(t, map[string]string{"out/" + tt.file: tt.file})
			for _, format := range []string{"", tt.format} {
				in, _, err := scan(t, Options{Dir: dir, Coverage: "out/" + tt.file, CoverageFormat: format})
				if err != nil {
					t.Fatal(err)
				}
				c := in.Tests
				if c.Coverage == nil {
					t.Fatal("no coverage")
				}
				if got := fmt.Sprintf("%v %d/%d", *c.Coverage, c.Covered, c.Coverable); got != tt.want {
					t.Errorf("format %q: coverage %s, want %s", format, got, tt.want)
				}
				if c.CoverageFormat != tt.format || c.CoverageFile != "out/"+tt.file || c.Location.Path != "out/"+tt.file {
					t.Errorf("format %q file %q location %q", c.CoverageFormat, c.CoverageFile, c.Location.Path)
				}
			}
		})
	}
}

func TestScanSkippedWithoutConfig(t *testing.T) {
	in, run, err := scan(t, Options{Dir: t.TempDir()})
	if err != nil || run.Status != engine.StatusSkipped || in.Tests != nil {
		t.Fatalf("err %v status %q tests %v", err, run.Status, in.Tests)
	}
}

func TestScanBadInput(t *testing.T) {
	tests := []struct {
		name string
		opts func(dir string) Options
		want string
	}{
		{"billion laughs", junit("billion-laughs.xml"), "declares XML entities, which are never expanded"},
		{"external entity", junit("xxe.xml"), "declares XML entities"},
		{"undeclared entity", junit("undeclared-entity.xml"), "invalid character entity &nbsp;"},
		{"not junit", junit("not-junit.xml"), "root element is <project>"},
		{"truncated", junit("truncated.xml"), "unexpected EOF"},
		{"no match", func(string) Options { return Options{JUnit: []string{"build/*.xml"}} }, `junit pattern "build/*.xml" matched no file`},
		{"bad pattern", func(string) Options { return Options{JUnit: []string{"build/[.xml"}} }, "match junit pattern"},
		{"size limit", func(string) Options {
			return Options{JUnit: []string{"r/gotestsum.xml"}, MaxFileSize: 100}
		}, "file too large"},
		{"missing coverage", func(string) Options { return Options{Coverage: "nope.out"} }, "read coverage file nope.out: no such file"},
		{"unknown coverage", cov("gotestsum.xml", "lcov"), "not an LCOV file"},
		{"undetectable coverage", cov("lcov.info", "go"), "not a Go cover profile"},
		{"junit as cobertura", cov("gotestsum.xml", ""), "root element is <testsuites>, not <coverage>"},
		{"entity in cobertura", cov("billion-laughs.xml", "cobertura"), "never expanded"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := project(t, map[string]string{
				"r/gotestsum.xml": "gotestsum.xml", "r/billion-laughs.xml": "billion-laughs.xml", "r/xxe.xml": "xxe.xml",
				"r/undeclared-entity.xml": "undeclared-entity.xml", "r/not-junit.xml": "not-junit.xml",
				"r/truncated.xml": "truncated.xml", "r/lcov.info": "lcov.info",
			})
			o := tt.opts(dir)
			o.Dir = dir
			_, _, err := scan(t, o)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "root:x:0:0") {
				t.Fatalf("an external entity was read: %v", err)
			}
		})
	}
}

func junit(name string) func(string) Options {
	return func(string) Options { return Options{JUnit: []string{"r/" + name}} }
}

func cov(name, format string) func(string) Options {
	return func(string) Options { return Options{Coverage: "r/" + name, CoverageFormat: format} }
}

func TestMalformedCoverage(t *testing.T) {
	tests := []struct{ format, body, want string }{
		{"go", "mode: set\nfoo.go:1.1,2.2 x 1\n", "line 2: bad statement"},
		{"go", "mode: set\nnonsense\n", "line 2: want"},
		{"go", "", "empty Go cover profile"},
		{"lcov", "SF:a\nDA:1\nend_of_record\n", "line 2: bad DA record"},
		{"lcov", "SF:a\nLF:2\nLH:5\nend_of_record\n", "do not add up"},
		{"cobertura", `<coverage lines-covered="9" lines-valid="3"/>`, "bad lines-covered"},
		{"cobertura", `<coverage line-rate="1.5"/>`, "bad line-rate"},
		{"cobertura", `<coverage version="1"/>`, "neither lines-covered"},
		{"", "hello", "unknown coverage format"},
	}
	for _, tt := range tests {
		_, err := parseCoverage(strings.NewReader(tt.body), tt.format)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.body, err, tt.want)
		}
	}
}

func TestEmptyProfileHasNoPercentage(t *testing.T) {
	c, err := parseCoverage(strings.NewReader("mode: set\n"), "")
	if err != nil || c.percent != nil || c.coverable != 0 {
		t.Fatalf("coverage %+v, err %v", c, err)
	}
}

func TestFailuresTruncated(t *testing.T) {
	var b strings.Builder
	b.WriteString("<testsuite>\n")
	n := engine.MaxTestFailures + 5
	for i := range n {
		fmt.Fprintf(&b, "<testcase name=\"T%05d\"><failure/></testcase>\n", i)
	}
	b.WriteString("</testsuite>\n")
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "r.xml"), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	in, _, err := scan(t, Options{Dir: dir, JUnit: []string{"r.xml"}})
	if err != nil {
		t.Fatal(err)
	}
	if in.Tests.Failed != n || len(in.Tests.Failures) != engine.MaxTestFailures || in.Tests.FailuresTruncated != 5 {
		t.Fatalf("failed %d listed %d truncated %d", in.Tests.Failed, len(in.Tests.Failures), in.Tests.FailuresTruncated)
	}
	if in.Tests.Failures[0].Name != "T00000" || in.Tests.Failures[0].Location.StartLine != 2 {
		t.Fatalf("first failure %+v", in.Tests.Failures[0])
	}
}

func TestLimitReaderRefusesGrowth(t *testing.T) {
	r := &limitReader{r: strings.NewReader("0123456789"), left: 4}
	buf := make([]byte, 16)
	n, err := r.Read(buf)
	if n != 4 || err != nil {
		t.Fatalf("n %d err %v", n, err)
	}
	if _, err := r.Read(buf); !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	exact := &limitReader{r: strings.NewReader("0123"), left: 4}
	_, _ = exact.Read(buf)
	if _, err := exact.Read(buf); err == nil || errors.Is(err, ErrTooLarge) {
		t.Fatalf("a file of exactly the limit: err = %v, want EOF", err)
	}
}
