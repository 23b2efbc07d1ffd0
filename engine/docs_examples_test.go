package engine_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/format"

	"github.com/relgate/relgate/engine"
)

// regoExample is one ```rego block of a Markdown page.
type regoExample struct {
	page string
	line int
	src  string
}

// regoExamples extracts the ```rego blocks of a Markdown page.
func regoExamples(t *testing.T, page string) []regoExample {
	t.Helper()
	f, err := os.Open(page)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []regoExample
	var cur *regoExample
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case cur == nil && strings.TrimSpace(line) == "```rego":
			cur = &regoExample{page: page, line: n + 1}
		case cur != nil && strings.TrimSpace(line) == "```":
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			cur.src += line + "\n"
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("%s:%d: unclosed ```rego block", page, cur.line)
	}
	return out
}

// lintExamples writes a page's examples as the files a reader would make
// (one per package, named after its last segment) and returns every
// problem lint and the examples' own tests find, as file:line text.
func lintExamples(t *testing.T, examples []regoExample) []string {
	t.Helper()
	dir := t.TempDir()
	var problems []string
	written := map[string]regoExample{}
	for _, ex := range examples {
		where := fmt.Sprintf("%s:%d", ex.page, ex.line)
		m, err := ast.ParseModuleWithOpts(where, ex.src, ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: not a whole Rego file: %v", where, err))
			continue
		}
		if got, err := format.SourceWithOpts(where, []byte(ex.src), format.Opts{RegoVersion: ast.RegoV1}); err != nil || !bytes.Equal(got, []byte(ex.src)) {
			problems = append(problems, fmt.Sprintf("%s: not as opa fmt writes it (%v):\n%s", where, err, got))
		}
		name := strings.Trim(m.Package.Path[len(m.Package.Path)-1].String(), `"`) + ".rego"
		if prev, dup := written[name]; dup {
			problems = append(problems, fmt.Sprintf("%s: package of the example at line %d again", where, prev.line))
			continue
		}
		written[name] = ex
		writePolicy(t, filepath.Join(dir, name), ex.src)
	}
	if len(written) == 0 {
		return problems
	}
	// Lines in the problems are the written file's; name the page's.
	at := func(path string, line int) string {
		ex := written[filepath.Base(path)]
		return fmt.Sprintf("%s:%d", ex.page, ex.line+line-1)
	}
	wb, err := engine.LoadWorkbench(context.Background(), engine.WorkbenchOptions{Paths: []string{dir}})
	if err != nil {
		return append(problems, fmt.Sprintf("load the examples: %v", err))
	}
	d := wb.Lint(engine.LintOptions{Prefixes: []string{"ACME"}})
	for _, f := range engine.LintProblems(d) {
		problems = append(problems, fmt.Sprintf("%s: %s %s", at(f.Location.Path, f.Location.StartLine), f.Rule, f.Message))
	}
	var out bytes.Buffer
	sum, err := wb.Test(context.Background(), engine.TestOptions{Out: &out})
	if err != nil || sum.Failed() {
		problems = append(problems, fmt.Sprintf("the examples' tests: %+v %v\n%s", sum, err, out.String()))
	}
	return problems
}

// TestDocsRegoExamples: every Rego example in README.md and docs/ is a
// whole file that passes relgate policy lint and its own tests as written,
// so a policy author who copies one starts from working code.
func TestDocsRegoExamples(t *testing.T) {
	pages, err := filepath.Glob(filepath.Join("..", "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	pages = append(pages, filepath.Join("..", "README.md"))
	total := 0
	for _, page := range pages {
		examples := regoExamples(t, page)
		total += len(examples)
		if len(examples) == 0 {
			continue
		}
		for _, p := range lintExamples(t, examples) {
			t.Error(p)
		}
	}
	// The workbench page teaches a rule and its test; finding none means
	// the extraction broke, not that all is well.
	if total < 2 {
		t.Fatalf("found %d Rego examples in %v, want the workbench page's at least", total, pages)
	}
}

// TestDocsRegoExamplesCatchBreakage: the check above fails on an example
// that lints badly, fails its test, is not opa fmt-clean or is a fragment.
func TestDocsRegoExamplesCatchBreakage(t *testing.T) {
	page := filepath.Join(t.TempDir(), "page.md")
	writePolicy(t, page, "# Broken\n\n```rego\npackage relgate.rules.acme\n\ndeny contains \"x\" if input.a\n```\n\n"+
		"```rego\npackage relgate.rules.acme_test\n\nimport data.relgate.rules.acme\n\ntest_x if count(acme.deny) == 1\n```\n\n"+
		"```rego\ndeny  contains x if x := 1\n```\n")
	problems := strings.Join(lintExamples(t, regoExamples(t, page)), "\n")
	for _, want := range []string{
		page + ":6: POL002",                 // no METADATA, at the page's line
		"the examples' tests",               // test_x fails: nothing denies without input
		page + ":18: not a whole Rego file", // the fragment
	} {
		if !strings.Contains(problems, want) {
			t.Errorf("problems lack %q:\n%s", want, problems)
		}
	}
	writePolicy(t, page, "```rego\npackage relgate.rules.acme_test\n\ntest_x  if true\n```\n")
	if p := strings.Join(lintExamples(t, regoExamples(t, page)), "\n"); !strings.Contains(p, "not as opa fmt writes it") {
		t.Errorf("unformatted example accepted:\n%s", p)
	}
}
