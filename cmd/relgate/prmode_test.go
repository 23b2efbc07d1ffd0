package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/gittest"
)

// lodashLock is an npm lockfile pinning lodash at version: every version
// before 4.17.21 has GHSA-35jh-r3h4-6jhm in the demo database.
func lodashLock(version string) string {
	return fmt.Sprintf(`{
  "name": "svc",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {"name": "svc", "version": "1.0.0", "dependencies": {"lodash": "%[1]s"}},
    "node_modules/lodash": {"version": "%[1]s", "resolved": "https://registry.npmjs.org/lodash/-/lodash-%[1]s.tgz"}
  }
}
`, version)
}

// prRepo is a repository whose main branch already has a leaked key and a
// vulnerable lockfile, and whose branch feature adds another of each. The
// keys are made up for this test and never existed.
func prRepo(t *testing.T) *gittest.Repo {
	t.Helper()
	gittest.Isolate(t)
	for _, k := range []string{"GITHUB_HEAD_REF", "GITHUB_REF_NAME", "GITHUB_REF", "GITHUB_ACTIONS", "GITHUB_BASE_REF"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	r := gittest.New(t)
	r.Write("package-lock.json", lodashLock("4.17.20"))
	r.Write("config/old.env", "AWS_ACCESS_KEY_ID=AKIARELGATEOLDKEY234\n")
	r.Commit("feat: the service")
	r.Branch("feature")
	r.Write("web/package-lock.json", lodashLock("4.17.19"))
	r.Write("config/new.env", "AWS_ACCESS_KEY_ID=AKIARELGATENEWKEY567\n")
	r.Commit("feat: the web front end")
	return r
}

// gateFindings lists a decision's secret and vulnerability findings in
// files as "RULE path" (with " pre-existing" for those), violations and
// warnings. (The demo database's age, VUL006, has no file.)
func gateFindings(d engine.Decision) (violations, warnings []string) {
	name := func(f engine.Finding) (string, bool) {
		if !strings.HasPrefix(f.Rule, "SEC") && !strings.HasPrefix(f.Rule, "VUL") || f.Location.Path == "" {
			return "", false
		}
		s := f.Rule + " " + f.Location.Path
		if f.PreExisting {
			s += " pre-existing"
		}
		return s, true
	}
	for _, f := range d.Violations {
		if s, ok := name(f); ok {
			violations = append(violations, s)
		}
	}
	for _, f := range d.Warnings {
		if s, ok := name(f); ok {
			warnings = append(warnings, s)
		}
	}
	slices.Sort(violations)
	slices.Sort(warnings)
	return violations, warnings
}

// TestPRMode: with --base, what the change brings fails and what was
// already on the base warns as pre-existing; eval of the saved input
// decides the same; without --base every finding fails as before.
func TestPRMode(t *testing.T) {
	r := prRepo(t)
	db := filepath.Join(repoRoot(t), demoDB)
	out := t.TempDir()
	saved, md := filepath.Join(out, "input.json"), filepath.Join(out, "summary.md")
	args := []string{"check", r.Dir, "--scanners", "secrets,deps", "--offline", "--db-dir", db, "--env", "production", "-f", "json"}

	code, stdout, stderr := cli(t, append(args, "--base", "main", "--save-input", saved, "--report", "markdown="+md)...)
	if code != exitFail {
		t.Fatalf("--base main: exit %d, want %d\n%s\n%s", code, exitFail, stdout, stderr)
	}
	d := decisionOf(t, stdout)
	violations, warnings := gateFindings(d)
	wantViolations := []string{"SEC001 config/new.env", "VUL001 web/package-lock.json"}
	wantWarnings := []string{"SEC002 config/old.env pre-existing", "VUL001 package-lock.json pre-existing"}
	if !slices.Equal(violations, wantViolations) || !slices.Equal(warnings, wantWarnings) {
		t.Errorf("--base main:\nviolations %v\nwant       %v\nwarnings %v\nwant     %v", violations, wantViolations, warnings, wantWarnings)
	}
	// The new lockfile's finding carries trivy's structured fields.
	for _, f := range d.Violations {
		if f.Rule != "VUL001" {
			continue
		}
		if f.Details == nil || f.Package != "lodash" || f.InstalledVersion != "4.17.19" || f.FixedVersion != "4.17.21" ||
			f.CVE != "CVE-2021-23337" || !slices.Equal(f.CWE, []string{"CWE-77", "CWE-94"}) {
			t.Errorf("VUL001 structured fields: %+v", f.Details)
		}
	}
	summary, err := os.ReadFile(md)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(summary), "**Change against main:**") || !strings.Contains(string(summary), " · 2 pre-existing (warn only)") {
		t.Errorf("the Markdown summary lacks the new and pre-existing counts:\n%s", summary)
	}

	// The saved input carries the base: eval reproduces the decision.
	code, stdout, stderr = cli(t, "eval", "--input", saved, "-f", "json")
	if code != exitFail {
		t.Fatalf("eval: exit %d\n%s\n%s", code, stdout, stderr)
	}
	ev := decisionOf(t, stdout)
	if v, w := gateFindings(ev); !slices.Equal(v, violations) || !slices.Equal(w, warnings) || ev.Result != d.Result || ev.Score != d.Score {
		t.Errorf("eval decided otherwise: %s %v %v %v, check %s %v %v %v", ev.Result, ev.Score, v, w, d.Result, d.Score, violations, warnings)
	}

	// Without --base nothing is pre-existing: both keys and both lockfiles fail.
	code, stdout, stderr = cli(t, args...)
	if code != exitFail {
		t.Fatalf("without --base: exit %d\n%s\n%s", code, stdout, stderr)
	}
	violations, warnings = gateFindings(decisionOf(t, stdout))
	for _, want := range []string{"SEC001 config/new.env", "SEC001 config/old.env", "VUL001 package-lock.json", "VUL001 web/package-lock.json"} {
		if !slices.Contains(violations, want) {
			t.Errorf("without --base, %q does not fail: violations %v, warnings %v", want, violations, warnings)
		}
	}
	for _, w := range warnings {
		if strings.HasSuffix(w, "pre-existing") {
			t.Errorf("without --base, %s", w)
		}
	}

	// On the base itself nothing is new: only pre-existing warnings.
	r.Switch("main")
	code, stdout, stderr = cli(t, append(args, "--base", "main")...)
	if code == exitUsage || code == exitRuntime {
		t.Fatalf("--base main on main: exit %d\n%s\n%s", code, stdout, stderr)
	}
	violations, warnings = gateFindings(decisionOf(t, stdout))
	if len(violations) != 0 || !slices.Equal(warnings, wantWarnings) {
		t.Errorf("--base main on main: violations %v, warnings %v (want %v)", violations, warnings, wantWarnings)
	}
}

// TestActionPRMode: on a pull_request event (GITHUB_BASE_REF set) the
// action gates in PR mode against origin/<base branch> by itself; the
// skip-dirs and skip-files inputs become the flags.
func TestActionPRMode(t *testing.T) {
	r := prRepo(t)
	r.Git("update-ref", "refs/remotes/origin/main", "main")
	out, files, err := actionStep(t, "gate.sh", map[string]string{
		"INPUT_PATH": r.Dir, "INPUT_OFFLINE": "true", "INPUT_DB_DIR": filepath.Join(repoRoot(t), demoDB),
		"INPUT_SARIF_FILE": filepath.Join(t.TempDir(), "out.sarif"), "INPUT_FORMAT": "table",
		"INPUT_ARGS": "--scanners secrets,deps --env production", "GITHUB_BASE_REF": "main",
		"INPUT_SKIP_DIRS": "docs,\nbuild/**", "INPUT_SKIP_FILES": "**/*.min.js",
	})
	if err != nil {
		t.Fatalf("gate step: %v\n%s", err, out)
	}
	if !strings.Contains(out, "--skip-dirs docs --skip-dirs build/** --skip-files **/*.min.js") {
		t.Errorf("the skip-dirs and skip-files inputs are not passed on:\n%s", out)
	}
	if !strings.Contains(out, "--base origin/main") {
		t.Errorf("the gate did not run against the pull request's base:\n%s", out)
	}
	if !strings.Contains(files["output"], "result=fail\n") {
		t.Errorf("the change's new key must fail the gate: %s\n%s", files["output"], out)
	}
	if !strings.Contains(files["summary"], "**Change against origin/main:**") || !strings.Contains(files["summary"], "2 pre-existing") {
		t.Errorf("the step summary lacks the new and pre-existing counts:\n%s", files["summary"])
	}
}
