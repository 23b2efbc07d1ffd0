// Command policymutate checks that the built-in policies' Rego tests can
// fail: it changes one comparison or one number of one policy file at a
// time (< and <=, > and >=, == and != swapped; a number n made n+1, or a
// fraction raised by one in its last digit), runs the Rego tests on the
// mutated copy, and fails listing every mutant that no test notices, unless
// the mutant is listed in the equivalents file with the reason it cannot
// change a decision.
//
//	go run ./internal/policymutate [-dir policies] [-equivalent policies/mutants-equivalent.txt] [-only REGEXP] [-skip REGEXP]
//
// The policies are mutated in memory (parsed from the files, never
// written back), so the tree is never changed. A mutant meets only the
// tests that can read its package (deps.go), its own file's tests first:
// that keeps the check inside CI's budget.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/open-policy-agent/opa/v1/ast"
	"github.com/open-policy-agent/opa/v1/tester"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

// swaps are the comparison mutations: each boundary moved by one, each
// equality inverted.
var swaps = map[string]string{"<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "=="}

// comparisons are the built-ins the infix comparison operators call.
var comparisons = map[string]bool{"equal": true, "neq": true, "lt": true, "lte": true, "gt": true, "gte": true}

// mutant is one change to one file.
type mutant struct {
	file      string // relative to the policy directory
	line, col int
	offset    int
	from, to  string
	lineText  string
	// nth tells apart lines of the same text in one file (1, 2, …; 0 for
	// a line whose text is unique), so that listing one as equivalent
	// never excuses its twin.
	nth int
	// onLine tells apart the same change at several places of one line
	// (1, 2, …; 0 when there is one).
	onLine int
}

// key names a mutant independently of line numbers, which shift as files
// are edited: the file, the mutated line's text and the change.
func (m mutant) key() string {
	text, change := m.lineText, m.from+" -> "+m.to
	if m.nth > 0 {
		text += fmt.Sprintf(" (#%d)", m.nth)
	}
	if m.onLine > 0 {
		change += fmt.Sprintf(" (#%d on the line)", m.onLine)
	}
	return fmt.Sprintf("%s | %s | %s", m.file, text, change)
}

func run(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("policymutate", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dir := fl.String("dir", "policies", "the policy directory")
	equivFile := fl.String("equivalent", "policies/mutants-equivalent.txt", "mutants known not to change any decision")
	only := fl.String("only", "", "mutate only files whose path matches this regular expression")
	skip := fl.String("skip", "", "do not mutate files whose path matches this regular expression")
	workers := fl.Int("j", runtime.GOMAXPROCS(0), "mutants tested at once")
	list := fl.Bool("list", false, "list the mutants without testing them")
	verbose := fl.Bool("v", false, "print each mutant as it is judged: its time and the test that killed it")
	if err := fl.Parse(args); err != nil {
		return 2
	}
	onlyRE, err := regexp.Compile(*only)
	if err != nil {
		fmt.Fprintf(stderr, "policymutate: parse -only: %v\n", err)
		return 2
	}
	skipRE, err := regexp.Compile(*skip)
	if err != nil {
		fmt.Fprintf(stderr, "policymutate: parse -skip: %v\n", err)
		return 2
	}
	srcs, modules, err := load(*dir)
	if err != nil {
		fmt.Fprintf(stderr, "policymutate: %v\n", err)
		return 2
	}
	equivalent, err := readEquivalents(*equivFile)
	if err != nil {
		fmt.Fprintf(stderr, "policymutate: %v\n", err)
		return 2
	}
	cost, failed := baseline(context.Background(), modules)
	if failed != "" {
		fmt.Fprintf(stderr, "policymutate: the unmutated policies fail their tests (%s): fix them first\n", failed)
		return 1
	}

	var mutants []mutant
	for _, file := range slices.Sorted(maps.Keys(srcs)) {
		if isTest(file) || !onlyRE.MatchString(file) || (*skip != "" && skipRE.MatchString(file)) {
			continue
		}
		mutants = append(mutants, sites(file, srcs[file], modules[file])...)
	}

	if *list {
		for _, m := range mutants {
			fmt.Fprintf(stdout, "%s/%s:%d:%d: %s\n", *dir, m.file, m.line, m.col, m.key())
		}
		return 0
	}

	start := time.Now()
	d := newDeps(modules)
	plans := map[string]*plan{}
	for _, m := range mutants {
		if _, ok := plans[m.file]; !ok {
			plans[m.file] = d.plan(m.file, cost)
		}
	}
	survived := make([]bool, len(mutants))
	invalid := make([]bool, len(mutants))
	var wg sync.WaitGroup
	next := make(chan int)
	for range max(1, *workers) {
		wg.Go(func() {
			for i := range next {
				m := mutants[i]
				src := srcs[m.file]
				mutated := src[:m.offset] + m.to + src[m.offset+len(m.from):]
				mod, err := ast.ParseModuleWithOpts(m.file, mutated, ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
				if err != nil {
					invalid[i] = true
					continue
				}
				survived[i] = true
				began, by := time.Now(), ""
				p := plans[m.file]
				for _, k := range p.next() {
					if by = runTests(context.Background(), p.stages[k].with(m.file, mod)); by != "" {
						survived[i] = false
						p.killed(k)
						break
					}
				}
				if *verbose {
					fmt.Fprintf(stderr, "%s/%s:%d:%d: %s: %s, killed by %q\n", *dir, m.file, m.line, m.col, m.key(), time.Since(began).Round(time.Millisecond), by)
				}
			}
		})
	}
	for i := range mutants {
		next <- i
	}
	close(next)
	wg.Wait()

	killed, skipped, excused := 0, 0, 0
	seen := map[string]bool{}
	var survivors []mutant
	for i, m := range mutants {
		switch {
		case invalid[i]:
			skipped++
		case !survived[i]:
			killed++
		case equivalent[m.key()]:
			excused++
			seen[m.key()] = true
		default:
			survivors = append(survivors, m)
		}
	}
	fmt.Fprintf(stdout, "policymutate: %d mutants of %s in %s: %d killed, %d equivalent (listed), %d not valid Rego, %d survived\n",
		len(mutants), *dir, time.Since(start).Round(time.Second), killed, excused, skipped, len(survivors))
	mutated := map[string]bool{}
	for _, m := range mutants {
		mutated[m.file] = true
	}
	for _, k := range slices.Sorted(maps.Keys(equivalent)) {
		// Only the files mutated this time can tell a stale entry
		// (-only and -skip leave the others out).
		if file, _, _ := strings.Cut(k, " | "); !seen[k] && mutated[file] {
			fmt.Fprintf(stdout, "note: %s lists a mutant that no longer survives or exists: %s\n", *equivFile, k)
		}
	}
	if len(survivors) == 0 {
		return 0
	}
	fmt.Fprintf(stdout, "\nEvery mutant below passes every Rego test: add a test that fails on it, or, if it cannot change\nany decision, list its line (after the location) in %s below a \"# reason\" line.\n", *equivFile)
	for _, m := range survivors {
		fmt.Fprintf(stdout, "%s/%s:%d:%d: %s\n", *dir, m.file, m.line, m.col, m.key())
	}
	return 1
}

// load parses every .rego file under dir, as the engine does (Rego v1,
// METADATA processed).
func load(dir string) (map[string]string, map[string]*ast.Module, error) {
	srcs := map[string]string{}
	modules := map[string]*ast.Module{}
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".rego") {
			return err
		}
		b, err := os.ReadFile(path) //nolint:gosec // the repository's own policies/ directory, walked by its developer
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		m, err := ast.ParseModuleWithOpts(rel, string(b), ast.ParserOptions{RegoVersion: ast.RegoV1, ProcessAnnotation: true})
		if err != nil {
			return fmt.Errorf("parse %s: %w", path, err)
		}
		srcs[rel], modules[rel] = string(b), m
		return nil
	})
	if err != nil {
		return nil, nil, fmt.Errorf("load policies: %w", err)
	}
	if len(modules) == 0 {
		return nil, nil, fmt.Errorf("load policies: no .rego files under %s", dir)
	}
	return srcs, modules, nil
}

// sites lists the mutants of one file: every comparison operator and every
// number literal the parser saw (so nothing inside a string or comment).
func sites(file, src string, mod *ast.Module) []mutant {
	lines := strings.Split(src, "\n")
	var out []mutant
	add := func(loc *ast.Location, from, to string) {
		if loc == nil || loc.Offset < 0 || loc.Offset+len(from) > len(src) || src[loc.Offset:loc.Offset+len(from)] != from {
			return
		}
		out = append(out, mutant{file: file, line: loc.Row, col: loc.Col, offset: loc.Offset, from: from, to: to,
			lineText: strings.TrimSpace(lines[loc.Row-1])})
	}
	seen := map[int]bool{}
	ast.WalkTerms(mod, func(t *ast.Term) bool {
		if t.Location == nil || seen[t.Location.Offset] {
			return false
		}
		switch v := t.Value.(type) {
		case ast.Ref:
			// An infix comparison parses to a call of its built-in
			// (gt for >), located at the operator.
			if len(v) == 1 && comparisons[v.String()] {
				op := string(t.Location.Text)
				if to, ok := swaps[op]; ok {
					seen[t.Location.Offset] = true
					add(t.Location, op, to)
				}
			}
		case ast.Number:
			text := string(t.Location.Text)
			if to, ok := bump(text); ok {
				seen[t.Location.Offset] = true
				add(t.Location, text, to)
			}
		}
		return false
	})
	slices.SortFunc(out, func(a, b mutant) int { return a.offset - b.offset })
	texts := map[string][]int{} // line text -> the rows that have it
	for i, l := range lines {
		t := strings.TrimSpace(l)
		texts[t] = append(texts[t], i+1)
	}
	same := map[string][]int{} // row and change -> the mutants, by column
	for i, m := range out {
		if rows := texts[m.lineText]; len(rows) > 1 {
			out[i].nth = slices.Index(rows, m.line) + 1
		}
		k := fmt.Sprintf("%d %s %s", m.line, m.from, m.to)
		same[k] = append(same[k], i)
	}
	for _, idx := range same {
		if len(idx) > 1 {
			for n, i := range idx {
				out[i].onLine = n + 1
			}
		}
	}
	return out
}

// bump raises a number literal by one in its last digit: 30 -> 31,
// 0.5 -> 0.6, 1e9 is left alone.
func bump(text string) (string, bool) {
	if i, err := strconv.ParseInt(text, 10, 64); err == nil {
		return strconv.FormatInt(i+1, 10), true
	}
	whole, frac, ok := strings.Cut(text, ".")
	if !ok || frac == "" || strings.ContainsAny(text, "eE") {
		return "", false
	}
	f, err := strconv.ParseFloat(text, 64)
	if err != nil {
		return "", false
	}
	step := 1.0
	for range frac {
		step /= 10
	}
	_ = whole
	return strconv.FormatFloat(f+step, 'f', len(frac), 64), true
}

// runTests compiles the modules and runs their tests; it returns the first
// failing test's name (or the compile error), "" when every test passes.
// It stops at the first failure: one is enough to kill a mutant.
func runTests(ctx context.Context, modules map[string]*ast.Module) string {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	ch, err := tester.NewRunner().SetModules(modules).RaiseBuiltinErrors(true).SetTimeout(30*time.Second).RunTests(ctx, nil)
	if err != nil {
		return "compile: " + err.Error()
	}
	failed := ""
	for r := range ch {
		if failed == "" && (r.Fail || r.Error != nil) {
			failed = r.Package + "." + r.Name
			cancel()
		}
	}
	return failed
}

// baseline runs every test on the unmutated policies: they must pass (a
// mutant is judged by tests that fail only because of it), and the time
// each test file takes orders the stages of every plan.
func baseline(ctx context.Context, modules map[string]*ast.Module) (map[string]time.Duration, string) {
	ch, err := tester.NewRunner().SetModules(modules).RaiseBuiltinErrors(true).SetTimeout(30*time.Second).RunTests(ctx, nil)
	if err != nil {
		return nil, "compile: " + err.Error()
	}
	cost := map[string]time.Duration{}
	failed := ""
	for r := range ch {
		if failed == "" && (r.Fail || r.Error != nil) {
			failed = r.Package + "." + r.Name
		}
		if r.Location != nil {
			cost[r.Location.File] += r.Duration
		}
	}
	return cost, failed
}

// readEquivalents reads the equivalents file: one mutant key a line, as
// the report prints it (without the location), right after one or more
// comment lines ("# …") that say why the mutant cannot change a decision.
// A key without a reason above it is an error.
func readEquivalents(path string) (map[string]bool, error) {
	out := map[string]bool{}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return out, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read equivalents: %w", err)
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	n, reason := 0, false
	for s.Scan() {
		n++
		line := strings.TrimSpace(s.Text())
		switch {
		case line == "":
			reason = false
		case strings.HasPrefix(line, "#"):
			reason = strings.TrimSpace(strings.TrimPrefix(line, "#")) != "" || reason
		case !reason:
			return nil, fmt.Errorf("read equivalents %s:%d: no \"# reason\" line above the mutant", path, n)
		default:
			out[line] = true
		}
	}
	if err := s.Err(); err != nil {
		return nil, fmt.Errorf("read equivalents %s: %w", path, err)
	}
	return out, nil
}
