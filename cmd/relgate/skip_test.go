package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
)

// TestSkipFlags: --skip-dirs and --skip-files (repeatable, comma-separated)
// reach the scanners and are recorded in the saved input; a bad pattern is
// a usage error before any scan.
func TestSkipFlags(t *testing.T) {
	r := prRepo(t)
	r.Write("fixtures/keys/test.env", "AWS_ACCESS_KEY_ID=AKIARELGATEFIXTURE23\n")
	db := filepath.Join(repoRoot(t), demoDB)
	saved := filepath.Join(t.TempDir(), "input.json")
	args := []string{"check", r.Dir, "--scanners", "secrets,deps", "--offline", "--db-dir", db, "--env", "staging", "-f", "json"}

	_, stdout, stderr := cli(t, args...)
	all, _ := gateFindings(decisionOf(t, stdout))
	if !slices.Contains(all, "SEC001 fixtures/keys/test.env") || !slices.Contains(all, "VUL001 web/package-lock.json") {
		t.Fatalf("without skips the fixture key and the web lockfile fail: %v\n%s", all, stderr)
	}

	code, stdout, stderr := cli(t, append(args, "--skip-dirs", "**/fixtures,web", "--skip-files", "config/new.env", "--save-input", saved)...)
	if code == exitUsage || code == exitRuntime {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	violations, warnings := gateFindings(decisionOf(t, stdout))
	for _, f := range append(violations, warnings...) {
		if strings.Contains(f, "fixtures/") || strings.Contains(f, "web/") || strings.Contains(f, "config/new.env") {
			t.Errorf("a skipped path was judged: %s", f)
		}
	}
	if !slices.Contains(violations, "SEC001 config/old.env") || !slices.Contains(violations, "VUL001 package-lock.json") {
		t.Errorf("what is not skipped must still fail: %v", violations)
	}
	data, err := os.ReadFile(saved)
	if err != nil {
		t.Fatal(err)
	}
	var in engine.Input
	if err := json.Unmarshal(data, &in); err != nil {
		t.Fatal(err)
	}
	if in.Options == nil || !slices.Equal(in.Options.SkipDirs, []string{"**/fixtures", "web"}) || !slices.Equal(in.Options.SkipFiles, []string{"config/new.env"}) {
		t.Errorf("the saved input does not record the skips: %+v", in.Options)
	}

	code, _, stderr = cli(t, append(args, "--skip-dirs", "a/[b")...)
	if code != exitUsage || !strings.Contains(stderr, "--skip-dirs") {
		t.Errorf("a bad pattern: exit %d, %s", code, stderr)
	}
}
