package engine_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

func canonical(t testing.TB, in *engine.Input) string {
	t.Helper()
	data, err := in.Canonical()
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestDecodeInputValidatesSchema: facts the schema forbids never reach the
// policies; the error names the JSON path.
func TestDecodeInputValidatesSchema(t *testing.T) {
	good := canonical(t, withEvidence(releaseInput("production", "main", "v1.2.3", "1.2.3")))
	if _, err := engine.DecodeInput("good.json", strings.NewReader(good)); err != nil {
		t.Fatalf("a canonical document is refused: %v", err)
	}
	withSecret := engine.NewInput()
	withSecret.Secrets = []engine.Secret{{RuleID: "r", Location: engine.Location{Path: "a"}, Fingerprint: "f", SecretHash: "h", Redacted: "x", Where: "tree"}}
	secretDoc := canonical(t, withSecret)
	tests := []struct{ name, doc, want string }{
		{"status enum", strings.Replace(good, `"status": "ok"`, `"status": "failed"`, 1), `scanners[`},
		{"where enum", strings.Replace(secretDoc, `"where": "tree"`, `"where": "nowhere"`, 1), `secrets[0].where`},
		{"missing release.time", strings.Replace(good, `"time": "2026-11-20T12:00:00Z"`, `"stage": ""`, 1), `release: missing property 'time'`},
		{"key differing in case", strings.Replace(good, `"release":`, `"Release":`, 1), `'Release'`},
		{"nothing but the header", `{"apiVersion":"relgate.dev/v1","kind":"ReleaseInput"}`, `missing properties`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.doc == good || tt.doc == secretDoc {
				t.Fatal("the fixture edit did not apply")
			}
			_, err := engine.DecodeInput("in.json", strings.NewReader(tt.doc))
			var ie *engine.InputError
			if !errors.As(err, &ie) || !strings.Contains(err.Error(), tt.want) || !strings.HasPrefix(err.Error(), "in.json: violates schema/input.schema.json: ") {
				t.Fatalf("err = %v, want an InputError naming %q", err, tt.want)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error is not one line: %q", err)
			}
		})
	}
}

func TestDecodeInputLimit(t *testing.T) {
	good := canonical(t, withEvidence(releaseInput("production", "main", "v1.2.3", "1.2.3")))
	_, err := engine.DecodeInputLimit("big.json", strings.NewReader(good), int64(len(good)-1))
	var ie *engine.InputError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "big.json: read input: larger than the limit of") {
		t.Fatalf("err = %v", err)
	}
	if _, err := engine.DecodeInputLimit("ok.json", strings.NewReader(good), int64(len(good))); err != nil {
		t.Fatalf("a document at the limit is refused: %v", err)
	}
}

func TestKnownEnvironments(t *testing.T) {
	known, err := engine.KnownEnvironments(map[string]any{"environments": map[string]any{"qa": map[string]any{}}})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(known, ",") != "dev,development,production,qa,staging" {
		t.Fatalf("known = %v", known)
	}
	err = engine.CheckEnvironment("prodution", known)
	var ee *engine.EnvironmentError
	if !errors.As(err, &ee) || !strings.Contains(err.Error(), `unknown environment "prodution" (known: dev, development, production, qa, staging`) {
		t.Fatalf("err = %v", err)
	}
	for _, ok := range []string{"", "production", "qa"} {
		if err := engine.CheckEnvironment(ok, known); err != nil {
			t.Errorf("%q: %v", ok, err)
		}
	}
	e := newEngine(t, engine.Options{})
	if err := e.CheckEnvironment("qa"); !errors.As(err, &ee) {
		t.Errorf("qa without a config: %v", err)
	}
}

// TestUserRuleCollidesWithBuiltinComplete: a user policy redefining a
// built-in complete rule is refused when policies load, naming both files.
func TestUserRuleCollidesWithBuiltinComplete(t *testing.T) {
	tests := []struct{ name, src, want string }{
		{"decision", "package relgate.main\n\ndecision := {\"result\": \"pass\"}\n", "policies/main/main.rego:"},
		{"a default", "package relgate.lib\n\ndefault environment := \"staging\"\n", "policies/lib/lib.rego:"},
		{"a function", "package relgate.lib\n\nat_least(_, _) := true\n", "policies/lib/lib.rego:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			writePolicy(t, filepath.Join(dir, "mine.rego"), tt.src)
			_, err := engine.New(context.Background(), engine.Options{Policies: []string{dir}})
			var pe *engine.PolicyError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), "mine.rego:3: rego_compile_error: rule data.relgate.") || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v", err)
			}
		})
	}
	// Adding results to a built-in rule package stays allowed.
	dir := t.TempDir()
	writePolicy(t, filepath.Join(dir, "more.rego"), "package relgate.rules.scanners\n\n# METADATA\n# title: More\n# custom:\n#   id: ACME002\n#   severity: low\nwarn contains \"more\" if false\n")
	newEngine(t, engine.Options{Policies: []string{dir}})
}

// TestBundleDuplicatePathRefused: a bundle archive holding one path twice
// (the later entry would silently win or double a rule) is refused.
func TestBundleDuplicatePathRefused(t *testing.T) {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, src := range []string{"package acme.dup\n\nx := 1\n", "package acme.dup\n\nx := 2\n"} {
		if err := tw.WriteHeader(&tar.Header{Name: "acme/dup.rego", Mode: 0o644, Size: int64(len(src)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(src)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "dup.tar.gz")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := engine.New(context.Background(), engine.Options{Policies: []string{path}})
	var pe *engine.PolicyError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "dup.rego") {
		t.Fatalf("err = %v", err)
	}
}

// TestStrictBuiltinErrors: a builtin error inside a deny rule is an error
// naming the rule's file and line, never the rule silently not firing.
func TestStrictBuiltinErrors(t *testing.T) {
	dir := t.TempDir()
	writePolicy(t, filepath.Join(dir, "num.rego"), "package relgate.rules.num\n\n# METADATA\n# title: Version number\n# custom:\n#   id: NUM001\n#   severity: high\ndeny contains \"too big\" if {\n\tto_number(input.release.version) > 1\n}\n")
	e := newEngine(t, engine.Options{Policies: []string{dir}})
	_, err := e.Evaluate(context.Background(), withEvidence(releaseInput("production", "main", "v1.2.3", "not-a-number")))
	if err == nil {
		t.Fatal("evaluated, want the builtin's error")
	}
	want := `evaluate policies: rule NUM001 (data.relgate.rules.num.deny) failed at ` + filepath.Join(dir, "num.rego") + `:9: to_number: strconv.ParseFloat: parsing "not-a-number": invalid syntax`
	if err.Error() != want {
		t.Errorf("err = %v\nwant %s", err, want)
	}
	var re *engine.RuleError
	if !errors.As(err, &re) || re.ID != "NUM001" || re.Line != 9 {
		t.Errorf("err %#v, want a RuleError for NUM001 at line 9", err)
	}
}

// TestStrictBuiltinErrorInHelper: an error inside a helper function names
// the helper (it has no id of its own) and where it failed.
func TestStrictBuiltinErrorInHelper(t *testing.T) {
	dir := t.TempDir()
	writePolicy(t, filepath.Join(dir, "re.rego"), "package relgate.rules.re\n\nbad_branch(b) if regex.match(\"[\", b)\n\n# METADATA\n# title: Branch\n# custom:\n#   id: RE001\n#   severity: low\nwarn contains \"odd branch\" if {\n\tbad_branch(input.release.branch)\n}\n")
	e := newEngine(t, engine.Options{Policies: []string{dir}})
	_, err := e.Evaluate(context.Background(), withEvidence(releaseInput("production", "main", "v1.2.3", "1")))
	var re *engine.RuleError
	if !errors.As(err, &re) || re.Rule != "data.relgate.rules.re.bad_branch" || re.ID != "" || re.Line != 3 || !strings.Contains(err.Error(), "re.rego:3: regex.match: ") {
		t.Fatalf("err = %v, want the helper named with its file and line", err)
	}
}

// BenchmarkValidateInput: the schema check every eval and /v1/decision pays
// before evaluation, at 1,000 and 10,000 findings: ns/op should grow tenfold
// (linear), not a hundredfold.
func BenchmarkValidateInput(b *testing.B) {
	for _, n := range []int{1_000, 10_000} {
		data, err := largeInput(n).Canonical()
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("findings=%d", n), func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if err := engine.ValidateInput(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
