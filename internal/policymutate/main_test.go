package main

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

// A policy whose boundary no test pins: the > to >= mutant survives and
// fails the check, naming file, line and change; listed as equivalent
// (with a reason) it passes; the n+1 mutant of 3 survives too.
func TestSurvivorsFailTheCheck(t *testing.T) {
	var out, errOut bytes.Buffer
	code := run([]string{"-dir", "testdata/weak", "-equivalent", filepath.Join(t.TempDir(), "none.txt")}, &out, &errOut)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{
		"testdata/weak/limit.rego:4:21: limit.rego | too_many if input.n > 3 | > -> >=",
		"limit.rego | too_many if input.n > 3 | 3 -> 4",
		"2 mutants of testdata/weak",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}

	equiv := filepath.Join(t.TempDir(), "equivalent.txt")
	list := "# why: for the test\nlimit.rego | too_many if input.n > 3 | > -> >=\nlimit.rego | too_many if input.n > 3 | 3 -> 4\n"
	if err := os.WriteFile(equiv, []byte(list), 0o644); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	if code := run([]string{"-dir", "testdata/weak", "-equivalent", equiv}, &out, &errOut); code != 0 {
		t.Fatalf("with both listed: exit %d\n%s", code, out.String())
	}

	// An entry without a reason above it is refused.
	if err := os.WriteFile(equiv, []byte("limit.rego | too_many if input.n > 3 | > -> >=\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	errOut.Reset()
	if code := run([]string{"-dir", "testdata/weak", "-equivalent", equiv}, &out, &errOut); code != 2 || !strings.Contains(errOut.String(), "no \"# reason\" line") {
		t.Fatalf("entry without a reason: exit %d, stderr %q", code, errOut.String())
	}
}

func TestBump(t *testing.T) {
	for in, want := range map[string]string{"0": "1", "30": "31", "0.5": "0.6", "50.1": "50.2", "-1": "0"} {
		if got, ok := bump(in); !ok || got != want {
			t.Errorf("bump(%s) = %s, %v; want %s", in, got, ok, want)
		}
	}
	if _, ok := bump("1e9"); ok {
		t.Error("bump(1e9): want no mutant")
	}
}

// Lines of the same text, and the same change twice on one line, get keys
// of their own: listing one as equivalent must never excuse its twin.
func TestKeysTellTwinsApart(t *testing.T) {
	src := "package p\n\na if input.n > 0\n\nb if input.n > 0\n\nc := [0, 0]\n"
	mod, err := ast.ParseModuleWithOpts("p.rego", src, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, m := range sites("p.rego", src, mod) {
		keys = append(keys, m.key())
	}
	want := []string{
		"p.rego | a if input.n > 0 | > -> >=",
		"p.rego | a if input.n > 0 | 0 -> 1",
		"p.rego | b if input.n > 0 | > -> >=",
		"p.rego | b if input.n > 0 | 0 -> 1",
		"p.rego | c := [0, 0] | 0 -> 1 (#1 on the line)",
		"p.rego | c := [0, 0] | 0 -> 1 (#2 on the line)",
	}
	if !slices.Equal(keys, want) {
		t.Errorf("keys:\n%s\nwant:\n%s", strings.Join(keys, "\n"), strings.Join(want, "\n"))
	}
	src = strings.Replace(src, "b if", "a if", 1)
	mod, err = ast.ParseModuleWithOpts("p.rego", src, ast.ParserOptions{RegoVersion: ast.RegoV1})
	if err != nil {
		t.Fatal(err)
	}
	if got := sites("p.rego", src, mod)[2].key(); got != "p.rego | a if input.n > 0 (#2) | > -> >=" {
		t.Errorf("second line of the same text: key %q", got)
	}
}
