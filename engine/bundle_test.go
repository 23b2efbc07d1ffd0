package engine_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

// writeBundle writes an OPA bundle archive (what `opa build` makes).
func writeBundle(t *testing.T, path string, files map[string]string) string {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		if err := tw.WriteHeader(&tar.Header{Name: n, Mode: 0o644, Size: int64(len(files[n])), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write([]byte(files[n])); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

const bundleRule = `package relgate.rules.acme

import data.relgate.lib

# METADATA
# title: Release without a change ticket
# custom:
#   id: ACME001
#   severity: high
#   remediation: Label the release.
deny contains v if {
	not "CHG" in object.get(input.release, "labels", [])
	v := lib.finding(rego.metadata.rule(), {"msg": data.relgate.rules.acme.message, "fingerprint": "acme"})
}
`

func acmeBundle(t *testing.T, dir string) string {
	return writeBundle(t, filepath.Join(dir, "acme.tar.gz"), map[string]string{
		".manifest":                    `{"revision": "7", "roots": ["relgate/rules/acme", "relgate/rules/acme_test"]}`,
		"acme/policy.rego":             bundleRule,
		"acme/policy_test.rego":        "package relgate.rules.acme_test\n\nimport data.relgate.rules.acme\n\ntest_denied if count(acme.deny) == 1 with input as {\"release\": {\"labels\": []}}\n",
		"relgate/rules/acme/data.json": `{"message": "no CHG label"}`,
	})
}

func TestBundlePolicies(t *testing.T) {
	dir := t.TempDir()
	b := acmeBundle(t, dir)
	e := newEngine(t, engine.Options{Policies: []string{b}})
	d, err := e.Evaluate(context.Background(), releaseInput("production", "main", "v1.2.3", "1.2.3"))
	if err != nil {
		t.Fatal(err)
	}
	if len(d.Violations) != 1 || d.Violations[0].Rule != "ACME001" || d.Violations[0].Message != "no CHG label" {
		t.Fatalf("violations = %+v", d.Violations)
	}

	// The bundle's tests run in the workbench (and are left out when gating).
	wb, err := engine.LoadWorkbench(context.Background(), engine.WorkbenchOptions{Paths: []string{b}})
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	sum, err := wb.Test(context.Background(), engine.TestOptions{Out: &out, Run: "acme_test"})
	if err != nil || sum.Pass != 1 {
		t.Fatalf("bundle tests: %+v, %v\n%s", sum, err, out.String())
	}

	// A bundle's data may override the config the policies read.
	cfg := writeBundle(t, filepath.Join(dir, "cfg.tar.gz"), map[string]string{
		".manifest":                `{"roots": ["relgate/config"]}`,
		"relgate/config/data.json": `{"environments": {"production": {"fail_on": "critical"}}}`,
	})
	e = newEngine(t, engine.Options{Policies: []string{b, cfg}})
	d, err = e.Evaluate(context.Background(), releaseInput("production", "main", "v1.2.3", "1.2.3"))
	if err != nil {
		t.Fatal(err)
	}
	if d.Result != engine.ResultWarn || len(d.Warnings) != 1 {
		t.Errorf("with fail_on critical from the bundle: %s, warnings %+v", d.Result, d.Warnings)
	}
}

func TestBundleErrors(t *testing.T) {
	dir := t.TempDir()
	acme := acmeBundle(t, dir)
	tests := []struct {
		name  string
		paths []string
		want  string
	}{
		{"overlapping roots", []string{acme, writeBundle(t, filepath.Join(dir, "b.tar.gz"), map[string]string{
			".manifest": `{"roots": ["relgate/rules"]}`, "x.rego": "package relgate.rules.other\n\nwarn contains \"x\" if false\n"})},
			`its root "relgate/rules" overlaps the root "relgate/rules/acme" of bundle`},
		{"two bundles without roots", []string{
			writeBundle(t, filepath.Join(dir, "c.tar.gz"), map[string]string{"c.rego": "package c\n\nx := 1\n"}),
			writeBundle(t, filepath.Join(dir, "d.tar.gz"), map[string]string{"d.rego": "package d\n\nx := 1\n"})},
			`overlaps the root "" of bundle`},
		{"built-in root", []string{writeBundle(t, filepath.Join(dir, "e.tar.gz"), map[string]string{
			".manifest": `{"roots": ["relgate/lib"]}`, "l.rego": "package relgate.lib\n\nx := 1\n"})},
			`its root "relgate/lib" overlaps the built-in policies`},
		{"module outside its roots", []string{writeBundle(t, filepath.Join(dir, "f.tar.gz"), map[string]string{
			".manifest": `{"roots": ["relgate/rules/f"]}`, "g.rego": "package relgate.rules.g\n\nwarn contains \"x\" if false\n"})},
			"do not permit 'package relgate.rules.g'"},
		{"not a gzip archive", []string{filepath.Join(dir, "bad.tar.gz")}, "bad.tar.gz"},
		{"syntax error in a bundle", []string{writeBundle(t, filepath.Join(dir, "h.tar.gz"), map[string]string{"h.rego": "package h\n\nx if {\n"})}, "h.rego"},
	}
	if err := os.WriteFile(filepath.Join(dir, "bad.tar.gz"), []byte("not gzip"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := engine.New(context.Background(), engine.Options{Policies: tt.paths})
			var pe *engine.PolicyError
			if !errors.As(err, &pe) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want a *PolicyError with %q", err, tt.want)
			}
		})
	}
}

// TestUserIDCollidesWithBuiltin: a user rule may not take a built-in id.
func TestUserIDCollidesWithBuiltin(t *testing.T) {
	dir := t.TempDir()
	writePolicy(t, filepath.Join(dir, "mine.rego"), "package relgate.rules.mine\n\n# METADATA\n# title: Mine\n# custom:\n#   id: SEC001\n#   severity: low\nwarn contains \"x\" if false\n")
	_, err := engine.New(context.Background(), engine.Options{Policies: []string{dir}})
	var pe *engine.PolicyError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "mine.rego:3: rego_compile_error: rule id SEC001 is the built-in rule") {
		t.Fatalf("err = %v", err)
	}
}
