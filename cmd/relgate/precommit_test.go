package main

import (
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/internal/testtools"
)

// needPreCommit returns the pre-commit tool; where it is not installed the
// test fails with the command that installs it (.ci/deps.sh).
func needPreCommit(t *testing.T) string {
	t.Helper()
	return testtools.Command(t, "pre-commit")
}

// fakeAWSKey is a made-up, format-valid AWS access key id, generated at run
// time so that no secret-shaped string sits in the source.
func fakeAWSKey() string {
	const b32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
	b := []byte("AKIA")
	for range 16 {
		b = append(b, b32[rand.IntN(len(b32))])
	}
	return string(b)
}

// hookRepo is a project repository whose git pre-commit hook runs one of
// relgate's hooks through `pre-commit try-repo` on this checkout, with the
// relgate on PATH being this test binary.
func hookRepo(t *testing.T, hook string) *gittest.Repo {
	t.Helper()
	preCommit := needPreCommit(t)
	gittest.Isolate(t)
	t.Setenv("PATH", relgateShim(t)+string(os.PathListSeparator)+os.Getenv("PATH"))
	t.Setenv("PRE_COMMIT_HOME", t.TempDir())
	t.Setenv("PRE_COMMIT_COLOR", "never")
	r := gittest.New(t)
	r.Write("README.md", "# service\n")
	r.Commit("chore: init")
	script := fmt.Sprintf("#!/bin/sh\nexec '%s' try-repo '%s' %s\n", preCommit, repoRoot(t), hook)
	if err := os.WriteFile(filepath.Join(r.Dir, ".git", "hooks", "pre-commit"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return r
}

// commit runs `git commit` with the hooks and returns its output, whether
// it succeeded, and whether HEAD moved.
func commit(t *testing.T, r *gittest.Repo, msg string) (string, bool) {
	t.Helper()
	before := r.Git("rev-parse", "HEAD")
	// git sends a hook's output to standard error: capture both.
	cmd := exec.Command("git", "-C", r.Dir, "-c", "user.name="+gittest.Name, "-c", "user.email="+gittest.Email, "commit", "-m", msg)
	out, err := cmd.CombinedOutput()
	moved := r.Git("rev-parse", "HEAD") != before
	if (err == nil) != moved {
		t.Fatalf("git commit: error %v but HEAD moved=%v\n%s", err, moved, out)
	}
	return string(out), err == nil
}

// TestPreCommitHookBlocksStagedSecret proves the relgate hook with the real
// pre-commit tool: a commit that stages a (fake) leaked key is blocked with
// a message naming the rule and the place, and never the key; a clean
// commit passes.
func TestPreCommitHookBlocksStagedSecret(t *testing.T) {
	r := hookRepo(t, "relgate-system")
	key := fakeAWSKey()
	r.Write("config/app.env", "REGION=eu-west-1\nAWS_ACCESS_KEY_ID="+key+"\n")
	r.Stage("config/app.env")
	out, ok := commit(t, r, "feat: add config")
	if ok {
		t.Fatalf("a commit with a leaked key passed the hook:\n%s", out)
	}
	for _, want := range []string{"relgate (on PATH)", "Failed", "relgate FAIL", "SEC001", "config/app.env:2", "aws-access-token"} {
		if !strings.Contains(out, want) {
			t.Errorf("blocked commit's output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, key) || strings.Contains(out, key[4:]) {
		t.Errorf("the hook's output shows the secret")
	}

	// The developer removes the key: the same commit now passes.
	r.Write("config/app.env", "REGION=eu-west-1\n")
	r.Stage("config/app.env")
	out, ok = commit(t, r, "feat: add config")
	if !ok {
		t.Fatalf("a clean commit was blocked:\n%s", out)
	}
	if !strings.Contains(out, "Passed") {
		t.Errorf("clean commit's output lacks Passed:\n%s", out)
	}
}

// TestPreCommitPolicyTestHook: the relgate-policy-test hook runs the Rego
// tests of the config's policy directory and blocks a commit that breaks one.
func TestPreCommitPolicyTestHook(t *testing.T) {
	r := hookRepo(t, "relgate-policy-test")
	r.Write(".relgate.yaml", "policies: [policy/]\n")
	r.Write("policy/team.rego", acmePolicy)
	r.Write("policy/team_test.rego", strings.Replace(acmeTest, "WANT", "1", 1))
	r.Stage(".")
	if out, ok := commit(t, r, "feat: team policy"); !ok {
		t.Fatalf("passing policy tests blocked the commit:\n%s", out)
	}
	// A test that cannot pass: the commit is blocked and the test named.
	r.Write("policy/broken_test.rego", "package relgate.rules.acme_test\n\ntest_always_broken if {\n\t1 == 2\n}\n")
	r.Stage(".")
	out, ok := commit(t, r, "test: broken")
	if ok {
		t.Fatalf("a failing policy test did not block the commit:\n%s", out)
	}
	for _, want := range []string{"relgate policy test", "Failed", "test_always_broken"} {
		if !strings.Contains(out, want) {
			t.Errorf("blocked commit's output lacks %q:\n%s", want, out)
		}
	}
}

// TestPreCommitGolangHook proves the `relgate` hook (language: golang) with
// the real pre-commit tool: pre-commit builds relgate from this checkout
// with `go install ./...` and the hook blocks a staged key. No shim is on
// PATH, so the relgate that runs is the one pre-commit built. The build
// reuses this machine's module and build caches and never reaches the
// network (GOPROXY=off): a missing module is a failure, not a download.
func TestPreCommitGolangHook(t *testing.T) {
	testtools.Short(t, "pre-commit building relgate from source")
	preCommit := needPreCommit(t)
	goEnv := map[string]string{}
	for _, k := range []string{"GOCACHE", "GOMODCACHE"} {
		out, err := exec.Command("go", "env", k).Output()
		if err != nil {
			t.Fatalf("go env %s: %v", k, err)
		}
		goEnv[k] = strings.TrimSpace(string(out))
	}
	gittest.Isolate(t) // a new HOME: the Go caches are kept by name
	for k, v := range goEnv {
		t.Setenv(k, v)
	}
	t.Setenv("GOPROXY", "off")
	t.Setenv("GOFLAGS", "-mod=readonly")
	t.Setenv("GOEXPERIMENT", "jsonv2")
	t.Setenv("PRE_COMMIT_HOME", t.TempDir())
	t.Setenv("PRE_COMMIT_COLOR", "never")
	r := gittest.New(t)
	r.Write("README.md", "# service\n")
	r.Commit("chore: init")
	script := fmt.Sprintf("#!/bin/sh\nexec '%s' try-repo '%s' relgate\n", preCommit, repoRoot(t))
	if err := os.WriteFile(filepath.Join(r.Dir, ".git", "hooks", "pre-commit"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}

	key := fakeAWSKey()
	r.Write("config/app.env", "AWS_ACCESS_KEY_ID="+key+"\n")
	r.Stage("config/app.env")
	out, ok := commit(t, r, "feat: add config")
	if ok {
		t.Fatalf("a commit with a leaked key passed the golang hook:\n%s", out)
	}
	for _, want := range []string{"relgate (built from source)", "Failed", "relgate FAIL", "SEC001", "config/app.env:1"} {
		if !strings.Contains(out, want) {
			t.Errorf("blocked commit's output lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, key) {
		t.Errorf("the hook's output shows the secret")
	}
	r.Write("config/app.env", "REGION=eu-west-1\n")
	r.Stage("config/app.env")
	if out, ok := commit(t, r, "feat: add config"); !ok || !strings.Contains(out, "Passed") {
		t.Fatalf("a clean commit was not passed by the golang hook:\n%s", out)
	}
}

// TestPreCommitManifest: the real pre-commit accepts .pre-commit-hooks.yaml,
// and it has the three hook kinds gitleaks ships, each running the gate on
// the staged change: built from source (golang), the published image
// (docker_image: the image's git target, whose entrypoint is relgate and
// which has the git CLI that --staged needs; deploy's TestDockerfile checks
// that recipe) and relgate on PATH (system). The golang and system hooks are
// run for real by the tests above; the image one needs a Docker daemon.
func TestPreCommitManifest(t *testing.T) {
	preCommit := needPreCommit(t)
	manifest := filepath.Join(repoRoot(t), ".pre-commit-hooks.yaml")
	if out, err := exec.Command(preCommit, "validate-manifest", manifest).CombinedOutput(); err != nil {
		t.Fatalf("pre-commit validate-manifest: %v\n%s", err, out)
	}
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	var hooks []struct {
		ID, Language, Entry string
		PassFilenames       *bool `yaml:"pass_filenames"`
	}
	if err := yaml.Unmarshal(data, &hooks); err != nil {
		t.Fatal(err)
	}
	want := map[string][2]string{
		"relgate":        {"golang", "relgate check --staged"},
		"relgate-docker": {"docker_image", "ghcr.io/relgate/relgate:latest-git check --staged"},
		"relgate-system": {"system", "relgate check --staged"},
	}
	for _, h := range hooks {
		w, ok := want[h.ID]
		if !ok {
			continue
		}
		delete(want, h.ID)
		if h.Language != w[0] || h.Entry != w[1] || h.PassFilenames == nil || *h.PassFilenames {
			t.Errorf("hook %s: language %s, entry %q, pass_filenames %v; want %s, %q, false", h.ID, h.Language, h.Entry, h.PassFilenames, w[0], w[1])
		}
	}
	if len(want) > 0 {
		t.Errorf("hooks missing: %v", want)
	}
	dockerfile, err := os.ReadFile(filepath.Join(repoRoot(t), "Dockerfile"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(dockerfile), `ENTRYPOINT ["/usr/local/bin/relgate"]`) {
		t.Error("the image's entrypoint is not relgate: the docker hook's entry would not run it")
	}
}
