package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/relgate/relgate/internal/testtools"
)

// actionStep runs one of the action's scripts as the composite action does:
// bash, the repository root as the workspace, the inputs as INPUT_*
// variables, GitHub's output files in a temporary directory, and this test
// binary as the relgate on PATH.
func actionStep(t *testing.T, script string, env map[string]string) (string, map[string]string, error) {
	t.Helper()
	root := repoRoot(t)
	gh := t.TempDir()
	cmd := exec.Command("bash", filepath.Join(root, "action", script))
	cmd.Dir = root
	cmd.Env = append(os.Environ(),
		"PATH="+relgateShim(t)+string(os.PathListSeparator)+os.Getenv("PATH"),
		"GITHUB_OUTPUT="+filepath.Join(gh, "output"),
		"GITHUB_STEP_SUMMARY="+filepath.Join(gh, "summary"),
		"GITHUB_PATH="+filepath.Join(gh, "path"),
		"RUNNER_TEMP="+t.TempDir(),
		"GITHUB_BASE_REF=",
	)
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	files := map[string]string{}
	for _, f := range []string{"output", "summary", "path"} {
		b, _ := os.ReadFile(filepath.Join(gh, f))
		files[f] = string(b)
	}
	return string(out), files, err
}

// TestActionGateStep: on the demo the gate fails, and the step still
// succeeds with the SARIF written, the annotations in the log, the summary
// written and the outputs set, so the upload step runs; the last step exits
// with the recorded code.
func TestActionGateStep(t *testing.T) {
	sarif := filepath.Join(t.TempDir(), "out.sarif")
	out, files, err := actionStep(t, "gate.sh", map[string]string{
		"INPUT_PATH": "testdata/demo", "INPUT_OFFLINE": "true", "INPUT_SARIF_FILE": sarif,
		"INPUT_FORMAT": "table", "INPUT_FAIL_ON_WARN": "false", "INPUT_ARGS": "--timeout 2m",
	})
	if err != nil {
		t.Fatalf("gate step failed (it must leave failing to the last step): %v\n%s", err, out)
	}
	for _, want := range []string{"result=fail\n", "exit-code=1\n", "sarif-file=" + sarif + "\n"} {
		if !strings.Contains(files["output"], want) {
			t.Errorf("GITHUB_OUTPUT lacks %q:\n%s", want, files["output"])
		}
	}
	if _, err := os.Stat(sarif); err != nil {
		t.Errorf("no SARIF for a failing gate: %v", err)
	}
	if !strings.Contains(out, "::error file=config/production.env,line=4,title=SEC001") {
		t.Errorf("no annotation for the demo's key in the log:\n%s", out)
	}
	if !strings.Contains(out, "relgate FAIL") {
		t.Errorf("the table report is not in the log:\n%s", out)
	}
	if !strings.Contains(files["summary"], "SEC001") {
		t.Errorf("step summary lacks the findings:\n%s", files["summary"])
	}

	// No decision (a policy that does not exist): exit code 2, no SARIF.
	sarif2 := filepath.Join(t.TempDir(), "none.sarif")
	out, files, err = actionStep(t, "gate.sh", map[string]string{
		"INPUT_PATH": "testdata/demo", "INPUT_OFFLINE": "true", "INPUT_SARIF_FILE": sarif2,
		"INPUT_POLICY": "no/such/policy-dir",
	})
	if err != nil {
		t.Fatalf("gate step: %v\n%s", err, out)
	}
	if !strings.Contains(files["output"], "exit-code=2\n") || !strings.Contains(files["output"], "sarif-file=\n") || !strings.Contains(files["output"], "result=\n") {
		t.Errorf("no decision: outputs\n%s\nlog:\n%s", files["output"], out)
	}
}

// TestActionInstallStep: the release download is verified against
// SHA256SUMS (a tampered archive is refused), a version that is not a
// release tag is refused, and install: path uses the relgate on PATH.
func TestActionInstallStep(t *testing.T) {
	testtools.Command(t, "curl")
	const version = "v9.8.7"
	release := t.TempDir()
	bin := t.TempDir()
	for _, name := range []string{"relgate", "relgate-scanners"} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\necho "+name+" from the release archive\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	asset := "relgate_" + version + "_linux_amd64.tar.gz"
	if out, err := exec.Command("tar", "-czf", filepath.Join(release, asset), "-C", bin, "relgate", "relgate-scanners").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(release, asset))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	writeSums := func(hexsum string) {
		line := hexsum + "  " + asset + "\n" + strings.Repeat("0", 64) + "  relgate_" + version + "_linux_arm64.tar.gz\n"
		if err := os.WriteFile(filepath.Join(release, "SHA256SUMS"), []byte(line), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	env := map[string]string{"RELGATE_VERSION": version, "RELGATE_INSTALL": "release", "RELGATE_DOWNLOAD_URL": "file://" + release}
	if out, _ := exec.Command("uname", "-m").Output(); strings.TrimSpace(string(out)) != "x86_64" {
		t.Skip("the fixture release is amd64")
	}

	writeSums(hex.EncodeToString(sum[:]))
	out, files, err := actionStep(t, "install.sh", env)
	if err != nil || !strings.Contains(out, "relgate from the release archive") || !strings.Contains(files["path"], "relgate-"+version+"/bin") {
		t.Fatalf("verified install: %v\n%s\nGITHUB_PATH: %s", err, out, files["path"])
	}
	// relgate runs relgate-scanners from beside itself.
	if _, err := os.Stat(filepath.Join(strings.TrimSpace(files["path"]), "relgate-scanners")); err != nil {
		t.Errorf("relgate-scanners is not installed beside relgate: %v", err)
	}

	bad := sha256.Sum256([]byte("something else"))
	writeSums(hex.EncodeToString(bad[:]))
	out, _, err = actionStep(t, "install.sh", env)
	if err == nil || !strings.Contains(out, "checksum mismatch") {
		t.Errorf("a tampered archive was installed: %v\n%s", err, out)
	}

	env["RELGATE_VERSION"] = "main"
	out, _, err = actionStep(t, "install.sh", env)
	if err == nil || !strings.Contains(out, "is neither a release tag (vX.Y.Z) nor a commit SHA") {
		t.Errorf("a branch was accepted as a version: %v\n%s", err, out)
	}

	// Pinned by commit SHA: exactly that commit is built with go install
	// (a stand-in go records the call and installs a stand-in relgate).
	const sha = "0123456789abcdef0123456789abcdef01234567"
	fakeGo := t.TempDir()
	calls := filepath.Join(t.TempDir(), "calls")
	script := "#!/bin/sh\necho \"GOEXPERIMENT=$GOEXPERIMENT CGO_ENABLED=$CGO_ENABLED $*\" >> " + calls +
		"\nprintf '#!/bin/sh\\necho relgate built from the pinned commit\\n' > \"$GOBIN/relgate\"\nchmod +x \"$GOBIN/relgate\"\n"
	if err := os.WriteFile(filepath.Join(fakeGo, "go"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	out, _, err = actionStep(t, "install.sh", map[string]string{
		"RELGATE_VERSION": sha, "RELGATE_INSTALL": "release", "PATH": fakeGo + string(os.PathListSeparator) + os.Getenv("PATH"),
	})
	got, _ := os.ReadFile(calls)
	if err != nil || !strings.Contains(out, "relgate built from the pinned commit") ||
		string(got) != "GOEXPERIMENT=jsonv2 CGO_ENABLED=1 install github.com/relgate/relgate/cmd/relgate@"+sha+" github.com/relgate/relgate/cmd/relgate-scanners@"+sha+"\n" {
		t.Errorf("a SHA pin: %v\n%s\ngo calls: %q", err, out, got)
	}

	out, _, err = actionStep(t, "install.sh", map[string]string{"RELGATE_INSTALL": "path"})
	if err != nil || !strings.Contains(out, "relgate") {
		t.Errorf("install: path: %v\n%s", err, out)
	}
}

// TestActionCanUpload: the SARIF upload is skipped, with a notice, on pull
// requests from forks (their token cannot write security events) and runs
// everywhere else.
func TestActionCanUpload(t *testing.T) {
	for _, tc := range []struct {
		event, head, repo string
		upload            bool
	}{
		{"pull_request", "someone/fork", "acme/shop", false},
		{"pull_request_target", "someone/fork", "acme/shop", false},
		{"pull_request", "acme/shop", "acme/shop", true},
		{"push", "", "acme/shop", true},
	} {
		out, files, err := actionStep(t, "can-upload.sh", map[string]string{
			"GITHUB_EVENT_NAME": tc.event, "HEAD_REPO": tc.head, "GITHUB_REPOSITORY": tc.repo,
		})
		if err != nil {
			t.Fatalf("%s from %q: %v\n%s", tc.event, tc.head, err, out)
		}
		want := fmt.Sprintf("upload=%v\n", tc.upload)
		if files["output"] != want {
			t.Errorf("%s from %q: outputs %q, want %q", tc.event, tc.head, files["output"], want)
		}
		if !tc.upload && !strings.Contains(out, "::notice title=relgate::SARIF not uploaded") {
			t.Errorf("%s from a fork: no notice:\n%s", tc.event, out)
		}
	}
}

// TestActionGateKnobs: the inputs trivy-action users look for reach
// relgate as its flags (lists split on commas and newlines, severities
// lower-cased), and exit-code 0 reports a failing gate without failing:
// the result output is still fail.
func TestActionGateKnobs(t *testing.T) {
	sarif := filepath.Join(t.TempDir(), "out.sarif")
	out, files, err := actionStep(t, "gate.sh", map[string]string{
		"INPUT_PATH": "testdata/demo", "INPUT_OFFLINE": "true", "INPUT_SARIF_FILE": sarif,
		"INPUT_SEVERITY": "CRITICAL, High", "INPUT_IGNORE_UNFIXED": "true", "INPUT_EXIT_CODE": "0",
		"INPUT_SKIP_DIRS": "vendor/**\nnode_modules", "INPUT_SKIP_FILES": "*.min.js,docs/*.md",
	})
	if err != nil {
		t.Fatalf("gate step: %v\n%s", err, out)
	}
	for _, want := range []string{
		" --skip-dirs vendor/** --skip-dirs node_modules --skip-files *.min.js --skip-files docs/*.md ",
		" --exit-code 0 --severity critical,high --ignore-unfixed ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the command line lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(files["output"], "result=fail\n") || !strings.Contains(files["output"], "exit-code=0\n") {
		t.Errorf("exit-code 0: outputs\n%s", files["output"])
	}
	// Only critical and high findings are reported: the demo's medium and
	// low ones are neither violations nor warnings.
	lesser := regexp.MustCompile(`::(error|warning) [^\n]*\[(medium|low)\]`)
	if !strings.Contains(out, "[critical]") || lesser.MatchString(out) {
		t.Errorf("--severity critical,high: want critical findings and no medium or low one:\n%s", out)
	}
	out, _, err = actionStep(t, "gate.sh", map[string]string{"INPUT_PATH": "testdata/demo", "INPUT_OFFLINE": "true", "INPUT_SARIF_FILE": sarif})
	if err != nil || !lesser.MatchString(out) {
		t.Errorf("without severity the demo has medium or low findings: %v\n%s", err, out)
	}
}
