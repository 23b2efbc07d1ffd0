package engine_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
)

func newEngine(t testing.TB, opts engine.Options) *engine.Engine {
	t.Helper()
	e, err := engine.New(context.Background(), opts)
	if err != nil {
		t.Fatalf("engine.New: %v", err)
	}
	return e
}

func releaseInput(env, branch, tag, version string) *engine.Input {
	in := engine.NewInput()
	in.Release = engine.Release{
		Environment: env, Branch: branch, Tag: tag, Version: version,
		Commit: "0123456789abcdef0123456789abcdef01234567",
		Time:   time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC),
	}
	// Complete evidence, so each test sees only the rules it is about.
	return withEvidence(in)
}

func TestEvaluateRelease(t *testing.T) {
	e := newEngine(t, engine.Options{})
	tests := []struct {
		name   string
		in     *engine.Input
		result string
		rules  []string
	}{
		{"tagged production release passes", releaseInput("production", "main", "v1.2.3", "1.2.3"), engine.ResultPass, nil},
		{"feature branch to production fails", releaseInput("production", "feature/x", "", ""), engine.ResultFail, []string{"REL001", "REL003"}},
		{"feature branch to dev passes", releaseInput("dev", "feature/x", "", ""), engine.ResultPass, nil},
		{"non-semver tag in production fails", releaseInput("production", "main", "v1.2", "1.2"), engine.ResultFail, []string{"REL002"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := e.Evaluate(context.Background(), tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if d.Result != tt.result {
				t.Errorf("result = %s, want %s (%+v)", d.Result, tt.result, d)
			}
			var got []string
			for _, f := range append(d.Violations, d.Warnings...) {
				got = append(got, f.Rule)
			}
			if strings.Join(got, ",") != strings.Join(tt.rules, ",") {
				t.Errorf("rules = %v, want %v", got, tt.rules)
			}
		})
	}
}

func TestScannerErrorFailsClosedInProduction(t *testing.T) {
	e := newEngine(t, engine.Options{})
	for env, want := range map[string]string{"production": engine.ResultFail, "dev": engine.ResultWarn} {
		in := releaseInput(env, "main", "v1.0.0", "1.0.0")
		in.Scanners = []engine.ScannerRun{{Name: "secrets", Status: engine.StatusError, Error: "boom"}}
		d, err := e.Evaluate(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		if d.Result != want {
			t.Errorf("%s: result = %s, want %s", env, d.Result, want)
		}
	}
}

func TestUserPolicyHTTPSendRejected(t *testing.T) {
	dir := t.TempDir()
	src := "package relgate.rules.custom\n\ndeny contains \"x\" if {\n\thttp.send({\"method\": \"get\", \"url\": \"http://127.0.0.1\"}).status_code == 200\n}\n"
	if err := os.WriteFile(filepath.Join(dir, "net.rego"), []byte(src), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := engine.New(context.Background(), engine.Options{Policies: []string{dir}})
	var pe *engine.PolicyError
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v, want *PolicyError", err)
	}
	if !strings.Contains(err.Error(), "net.rego:4") || !strings.Contains(err.Error(), "http.send") {
		t.Errorf("error %q does not name file:row and the builtin", err)
	}
	if _, err := engine.New(context.Background(), engine.Options{Policies: []string{dir}, AllowBuiltins: []string{"http.send"}}); err != nil {
		t.Errorf("allowed http.send: %v", err)
	}
}

// TestTypedNilConfigIsNoConfig: a nil map must not reach policies as null,
// which would quietly turn every deny into a warning.
func TestTypedNilConfigIsNoConfig(t *testing.T) {
	var cfg map[string]any
	e := newEngine(t, engine.Options{Config: cfg})
	d, err := e.Evaluate(context.Background(), releaseInput("production", "feature/x", "", ""))
	if err != nil {
		t.Fatal(err)
	}
	if d.Result != engine.ResultFail {
		t.Errorf("result = %s, want fail", d.Result)
	}
}
