package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/report"
)

// cli runs relgate in-process and returns its exit code and output.
func cli(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

// releaseRepo is a real git repository on main with two SemVer releases.
func releaseRepo(t *testing.T) *gittest.Repo {
	t.Helper()
	gittest.Isolate(t)
	for _, k := range []string{"GITHUB_HEAD_REF", "GITHUB_REF_NAME", "GITHUB_REF", "GITHUB_ACTIONS"} {
		t.Setenv(k, "")
		os.Unsetenv(k)
	}
	r := gittest.New(t)
	r.Write("README.md", "# service\n")
	r.Commit("feat: first release")
	r.AnnotatedTag("v1.0.0", "Release v1.0.0")
	r.Write("main.go", "package main\n")
	r.Commit("fix: handle empty input")
	r.AnnotatedTag("v1.0.1", "Release v1.0.1")
	return r
}

func writeFile(t *testing.T, path, content string) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func decisionOf(t *testing.T, out string) engine.Decision {
	t.Helper()
	var d engine.Decision
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatalf("decode decision: %v\n%s", err, out)
	}
	return d
}

// TestExitCodes covers the exit-code table, in-process, with a real repository.
func TestExitCodes(t *testing.T) {
	r := releaseRepo(t)
	dir := r.Dir
	tmp := t.TempDir()
	badPolicy := writeFile(t, filepath.Join(tmp, "bad", "p.rego"), "package relgate.rules.custom\n\ndeny contains x if {\n")
	netPolicy := writeFile(t, filepath.Join(tmp, "net", "p.rego"),
		"package relgate.rules.custom\n\ndeny contains \"x\" if {\n\thttp.send({\"method\": \"get\", \"url\": \"http://127.0.0.1:1\"})\n}\n")
	conflict := writeFile(t, filepath.Join(tmp, "conflict", "p.rego"),
		"package relgate.rules.custom\n\nv := 1 if input.release.environment\n\nv := 2 if input.release.environment\n\ndeny contains \"x\" if v == 1\n")
	badYAML := writeFile(t, filepath.Join(tmp, "bad.yaml"), "environment: dev\n  scanners: [\n")
	unknownKey := writeFile(t, filepath.Join(tmp, "unknown.yaml"), "environment: dev\nfail_on: high\n")
	otherVersion := writeFile(t, filepath.Join(tmp, "v2.json"), `{"apiVersion":"relgate.dev/v2","kind":"ReleaseInput"}`)
	wrongType := writeFile(t, filepath.Join(tmp, "wrong.json"), "{\"apiVersion\":\"relgate.dev/v1\",\"kind\":\"ReleaseInput\",\n\"release\":{\"environment\":3}}")
	file := writeFile(t, filepath.Join(tmp, "file.txt"), "x")
	lowered := writeFile(t, filepath.Join(tmp, "lowered.yaml"), evidenceConfig)

	tests := []struct {
		name   string
		args   []string
		exit   int
		stderr string // a part of stderr
	}{
		// The test repository has no approval source: production needs the
		// config to lower approvals explicitly (SCN002 otherwise).
		{"tagged release passes", []string{"check", dir, "--config", lowered}, exitPass, ""},
		{"version", []string{"version"}, exitPass, ""},
		{"warn passes", []string{"check", dir, "--env", "production", "--config", lowered, "--policy", writeFile(t, filepath.Join(tmp, "warn", "w.rego"), "package relgate.rules.custom\n\nwarn contains \"heads up\"\n")}, exitPass, ""},
		{"warn fails with --fail-on-warn", []string{"check", dir, "--fail-on-warn", "--policy", filepath.Join(tmp, "warn")}, exitFail, ""},
		{"deny fails", []string{"check", dir, "--policy", writeFile(t, filepath.Join(tmp, "deny", "d.rego"), "package relgate.rules.custom\n\ndeny contains \"no\"\n")}, exitFail, ""},
		{"unknown flag", []string{"check", dir, "--nope"}, exitUsage, "unknown flag"},
		{"unknown command", []string{"launch"}, exitUsage, "unknown command"},
		{"missing path", []string{"check", filepath.Join(tmp, "missing")}, exitUsage, "no such file"},
		{"path is a file", []string{"check", file}, exitUsage, "not a directory"},
		{"malformed config", []string{"check", dir, "--config", badYAML}, exitUsage, "bad.yaml:2:"},
		{"unknown config key", []string{"check", dir, "--config", unknownKey}, exitUsage, `unknown.yaml:2: unknown key "fail_on"`},
		{"policy syntax error", []string{"check", dir, "--policy", badPolicy}, exitUsage, "p.rego:4: rego_parse_error"},
		{"policy calls http.send", []string{"check", dir, "--policy", netPolicy}, exitUsage, "http.send"},
		{"missing policy dir", []string{"check", dir, "--policy", filepath.Join(tmp, "nope")}, exitUsage, "no such file"},
		{"unknown report format", []string{"check", dir, "--report", "pdf=" + filepath.Join(tmp, "r.pdf")}, exitUsage, `unknown format "pdf"`},
		{"report without path", []string{"check", dir, "--report", "sarif"}, exitUsage, "FORMAT=PATH"},
		{"unknown stdout format", []string{"check", dir, "--format", "xml"}, exitUsage, `unknown format "xml"`},
		{"unknown scanner", []string{"check", dir, "--scanners", "nope"}, exitUsage, `unknown scanner "nope"`},
		{"base ref does not exist", []string{"check", dir, "--base", "no-such-ref"}, exitUsage, "no-such-ref"},
		{"base outside a repository", []string{"check", tmp, "--base", "main"}, exitUsage, "git repository"},
		{"staged outside a repository", []string{"check", tmp, "--staged"}, exitUsage, "git repository"},
		{"bad log level", []string{"check", dir, "--log-level", "loud"}, exitUsage, "log-level"},
		{"eval without input", []string{"eval"}, exitUsage, "--input"},
		{"eval of another apiVersion", []string{"eval", "--input", otherVersion}, exitUsage, `v2.json: unsupported apiVersion "relgate.dev/v2"`},
		{"eval of wrong types", []string{"eval", "--input", wrongType}, exitUsage, "wrong.json: violates schema/input.schema.json: (document): missing properties"},
		{"eval of a missing file", []string{"eval", "--input", filepath.Join(tmp, "none.json")}, exitUsage, "none.json"},
		{"policy conflict at evaluation", []string{"check", dir, "--policy", conflict}, exitRuntime, "conflict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, stdout, stderr := cli(t, tt.args...)
			if code != tt.exit {
				t.Fatalf("exit = %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.exit, stdout, stderr)
			}
			if !strings.Contains(stderr, tt.stderr) {
				t.Errorf("stderr %q does not contain %q", stderr, tt.stderr)
			}
			if tt.exit == exitUsage && strings.Count(strings.TrimSpace(stderr), "\n") > 1 {
				t.Errorf("usage error is not short:\n%s", stderr)
			}
			if strings.Contains(stderr, "goroutine ") {
				t.Errorf("stack trace on stderr:\n%s", stderr)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(tmp, "r.pdf")); !os.IsNotExist(err) {
		t.Errorf("a report file was left behind by a usage error: %v", err)
	}
}

// TestCheckReleaseFacts: on a feature branch the production gate fails
// with REL001; the same commit passes for dev, via flag, env or config.
func TestCheckReleaseFacts(t *testing.T) {
	r := releaseRepo(t)
	r.Branch("feature/login")
	r.Write("login.go", "package main\n")
	r.Commit("feat(auth): add login")

	code, out, stderr := cli(t, "check", r.Dir, "--format", "json")
	if code != exitFail {
		t.Fatalf("exit = %d, want 1\n%s\n%s", code, out, stderr)
	}
	d := decisionOf(t, out)
	if d.Environment != "production" || d.Result != engine.ResultFail {
		t.Errorf("decision = %s in %s", d.Result, d.Environment)
	}
	rules := map[string]bool{}
	for _, v := range d.Violations {
		rules[v.Rule] = true
	}
	if !rules["REL001"] {
		t.Errorf("violations %+v lack REL001", d.Violations)
	}

	if code, _, stderr := cli(t, "check", r.Dir, "--env", "dev"); code != exitPass {
		t.Errorf("--env dev: exit %d\n%s", code, stderr)
	}
	t.Setenv("RELGATE_ENV", "dev")
	if code, _, stderr := cli(t, "check", r.Dir); code != exitPass {
		t.Errorf("RELGATE_ENV=dev: exit %d\n%s", code, stderr)
	}
	if code, _, _ := cli(t, "check", r.Dir, "--env", "production"); code != exitFail {
		t.Errorf("flag must win over RELGATE_ENV: exit %d", code)
	}
	os.Unsetenv("RELGATE_ENV")
	writeFile(t, filepath.Join(r.Dir, ".relgate.yaml"), "environment: dev\n")
	if code, _, stderr := cli(t, "check", r.Dir); code != exitPass {
		t.Errorf("config environment dev: exit %d\n%s", code, stderr)
	}
}

// TestEveryReportFormat writes every format for one failing decision.
func TestEveryReportFormat(t *testing.T) {
	r := releaseRepo(t)
	r.Branch("feature/x")
	r.Write("x.go", "package main\n")
	r.Commit("feat: x")
	out := t.TempDir()
	args := []string{"check", r.Dir, "--format", "table"}
	for _, f := range report.Formats() {
		args = append(args, "--report", f+"="+filepath.Join(out, "report."+f))
	}
	code, stdout, stderr := cli(t, args...)
	if code != exitFail {
		t.Fatalf("exit = %d\n%s\n%s", code, stdout, stderr)
	}
	if !strings.Contains(stdout, "REL001") {
		t.Errorf("table does not show REL001:\n%s", stdout)
	}
	for _, f := range report.Formats() {
		data, err := os.ReadFile(filepath.Join(out, "report."+f))
		if err != nil {
			t.Fatalf("%s report: %v", f, err)
		}
		if !bytes.Contains(data, []byte("REL001")) {
			t.Errorf("%s report does not mention REL001:\n%s", f, data)
		}
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

// TestSaveInputThenEvalReproduces: a saved input re-evaluates to the same
// decision, byte for byte, from a file and from stdin.
func TestSaveInputThenEvalReproduces(t *testing.T) {
	r := releaseRepo(t)
	r.Branch("feature/y")
	r.Write("y.go", "package main\n")
	r.Commit("feat: y")
	saved := filepath.Join(t.TempDir(), "input.json")
	code, first, stderr := cli(t, "check", r.Dir, "--format", "json", "--save-input", saved)
	if code != exitFail {
		t.Fatalf("check: exit %d\n%s", code, stderr)
	}
	code, again, stderr := cli(t, "eval", "--input", saved, "--format", "json")
	if code != exitFail {
		t.Fatalf("eval: exit %d\n%s", code, stderr)
	}
	if first != again {
		t.Errorf("eval did not reproduce the decision:\n--- check\n%s\n--- eval\n%s", first, again)
	}

	code, doc, stderr := cli(t, "scan", r.Dir)
	if code != exitPass {
		t.Fatalf("scan: exit %d\n%s", code, stderr)
	}
	in, err := engine.DecodeInput("scan", strings.NewReader(doc))
	if err != nil {
		t.Fatalf("scan output is not a valid input document: %v", err)
	}
	if in.Release.Branch != "feature/y" || in.Release.PreviousVersion != "1.0.1" {
		t.Errorf("release facts = %+v", in.Release)
	}
	stdin := writeFile(t, filepath.Join(t.TempDir(), "stdin.json"), doc)
	f, err := os.Open(stdin)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	old := os.Stdin
	os.Stdin = f
	defer func() { os.Stdin = old }()
	code, fromStdin, stderr := cli(t, "eval", "--input", "-", "--format", "json")
	if code != exitFail || !strings.Contains(fromStdin, `"REL001"`) {
		t.Errorf("eval from stdin: exit %d\n%s\n%s", code, fromStdin, stderr)
	}
}

// TestStagedRunsOnlyStagedScanners: the pre-commit path looks at the staged
// change only, so release facts of a feature branch do not block a commit.
func TestStagedRunsOnlyStagedScanners(t *testing.T) {
	r := releaseRepo(t)
	r.Branch("feature/wip")
	r.Write("notes.txt", "nothing secret here\n")
	r.Stage("notes.txt")
	code, out, stderr := cli(t, "check", r.Dir, "--staged", "--format", "json")
	if code != exitPass {
		t.Fatalf("exit = %d\n%s\n%s", code, out, stderr)
	}
	var names []string
	for _, s := range decisionOf(t, out).Scanners {
		if s.Reason != engine.ReasonStagedOnly {
			names = append(names, s.Name)
		}
	}
	if strings.Join(names, ",") != "migrations,secrets" {
		t.Errorf("scanners = %v, want migrations and secrets", names)
	}
}
