package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/internal/testtools"
)

// The sample workflows of docs/examples, copied unchanged into a fresh
// repository and run by the stand-in runner (runner_test.go) under a fake
// GITHUB_* environment: every run: step of the workflow and of action.yml
// runs with bash, the action's own scripts install relgate from a release
// archive (this test binary as relgate, checked against SHA256SUMS) served
// from a local directory, and relgate gates the repository. What cannot
// run here are the third-party actions (checkout, cache, upload-sarif,
// upload-artifact): each test pins which of them the run reached, and the
// repository the test builds stands in for the checkout, a directory the
// test carries over for the cache.

const exampleVersion = "v0.1.0"

// exampleEnv is a runner's environment: no relgate on PATH, no network
// (proxies that refuse; local servers are never proxied), a fake token.
type exampleEnv struct {
	release, apiURL string
	mu              sync.Mutex
	unknownAPI      []string
}

func newExampleEnv(t *testing.T, head func() string) *exampleEnv {
	t.Helper()
	e := &exampleEnv{release: t.TempDir()}
	// A release archive as `make release` lays it out, with this test
	// binary as relgate (it links the scanners relgate-scanners runs).
	bin := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	shim := "#!/bin/sh\n" + runAsCLI + "=1 exec '" + self + "' \"$@\"\n"
	helper := "#!/bin/sh\necho 'relgate-scanners: the test binary links the scanners; not used' >&2\nexit 3\n"
	for name, body := range map[string]string{"relgate": shim, "relgate-scanners": helper} {
		if err := os.WriteFile(filepath.Join(bin, name), []byte(body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	arch := map[string]string{"amd64": "amd64", "arm64": "arm64"}[runtime.GOARCH]
	if arch == "" {
		t.Fatalf("the action has no release binary for %s", runtime.GOARCH)
	}
	asset := "relgate_" + exampleVersion + "_linux_" + arch + ".tar.gz"
	if out, err := exec.Command("tar", "-czf", filepath.Join(e.release, asset), "-C", bin, "relgate", "relgate-scanners").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	data, err := os.ReadFile(filepath.Join(e.release, asset))
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	if err := os.WriteFile(filepath.Join(e.release, "SHA256SUMS"), []byte(hex.EncodeToString(sum[:])+"  "+asset+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// GitHub's API for the approvals scanner: pull request 42, approved
	// at its head by someone other than its author.
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Header.Get("Authorization") != "Bearer ghs_FAKEexampleTOKEN0000000000000000000" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		switch r.URL.Path {
		case "/repos/acme/shop/pulls/42":
			fmt.Fprintf(w, `{"number":42,"state":"open","user":{"login":"dave"},"head":{"ref":"feature","sha":%q},"base":{"ref":"main"}}`, head())
		case "/repos/acme/shop/pulls/42/reviews":
			fmt.Fprintf(w, `[{"id":1,"user":{"login":"grace"},"state":"APPROVED","commit_id":%q,"submitted_at":"2026-12-01T10:00:00Z"}]`, head())
		case "/repos/acme/shop/pulls/42/files":
			fmt.Fprint(w, `[]`)
		case "/repos/acme/shop/git/commits/" + head():
			fmt.Fprintf(w, `{"sha":%q,"committer":{"name":"Dave","email":"dave@example.com","date":"2026-11-30T10:00:00Z"},"message":"the change","parents":[]}`, head())
		case "/repos/acme/shop/branches/main/protection/required_pull_request_reviews":
			fmt.Fprint(w, `{"dismiss_stale_reviews":true,"require_code_owner_reviews":false,"required_approving_review_count":1}`)
		default:
			e.mu.Lock()
			e.unknownAPI = append(e.unknownAPI, r.URL.Path)
			e.mu.Unlock()
			w.WriteHeader(http.StatusNotFound)
			fmt.Fprint(w, `{"message":"Not Found"}`)
		}
	}))
	t.Cleanup(api.Close)
	e.apiURL = api.URL
	return e
}

// runner is a stand-in runner for one event in the repository's
// workspace.
func (e *exampleEnv) runner(t *testing.T, workspace, event string, payload map[string]any) *ghRunner {
	t.Helper()
	gh := t.TempDir()
	eventPath := filepath.Join(gh, "event.json")
	data, err := json.Marshal(payload)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(eventPath, data, 0o644); err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	env := map[string]string{
		"PATH":                 os.Getenv("PATH"),
		"HOME":                 home,
		"XDG_CACHE_HOME":       filepath.Join(home, ".cache"),
		"GIT_CONFIG_NOSYSTEM":  "1",
		"GIT_CONFIG_GLOBAL":    os.DevNull,
		"LANG":                 "C.UTF-8",
		"CI":                   "true",
		"GITHUB_ACTIONS":       "true",
		"GITHUB_WORKSPACE":     workspace,
		"GITHUB_EVENT_NAME":    event,
		"GITHUB_EVENT_PATH":    eventPath,
		"GITHUB_REPOSITORY":    "acme/shop",
		"GITHUB_SERVER_URL":    "https://github.com",
		"GITHUB_API_URL":       e.apiURL,
		"GITHUB_RUN_ID":        "4242",
		"RUNNER_OS":            "Linux",
		"RUNNER_TEMP":          t.TempDir(),
		"HTTP_PROXY":           "http://127.0.0.1:9",
		"HTTPS_PROXY":          "http://127.0.0.1:9",
		"NO_PROXY":             "",
		"RELGATE_DOWNLOAD_URL": "file://" + e.release,
	}
	head := strings.TrimSpace(gitOut(t, workspace, "rev-parse", "HEAD"))
	env["GITHUB_SHA"] = head
	if pr, ok := payload["pull_request"].(map[string]any); ok {
		env["GITHUB_BASE_REF"] = pr["base"].(map[string]any)["ref"].(string)
		env["GITHUB_HEAD_REF"] = pr["head"].(map[string]any)["ref"].(string)
		env["GITHUB_REF"] = "refs/pull/42/merge"
	} else {
		env["GITHUB_REF"] = "refs/heads/main"
		env["GITHUB_REF_NAME"] = "main"
	}
	pathFile := filepath.Join(gh, "path")
	if err := os.WriteFile(pathFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return &ghRunner{
		t: t, workspace: workspace, action: repoRoot(t), env: env, pathFile: pathFile,
		github: map[string]any{
			"event_name": event, "event": jsonAny(t, data), "token": "ghs_FAKEexampleTOKEN0000000000000000000",
			"repository": "acme/shop", "run_id": "4242", "sha": head, "workspace": workspace,
			"base_ref": env["GITHUB_BASE_REF"], "head_ref": env["GITHUB_HEAD_REF"], "ref": env["GITHUB_REF"],
		},
	}
}

func jsonAny(t *testing.T, data []byte) map[string]any {
	var v map[string]any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func gitOut(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).Output()
	if err != nil {
		t.Fatalf("git %v: %v", args, err)
	}
	return string(out)
}

// copyWorkflow copies a sample workflow, byte for byte, into the
// repository's .github/workflows and parses it.
func copyWorkflow(t *testing.T, name, repo string) *ghWorkflow {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "docs", "examples", name))
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(repo, ".github", "workflows", name)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		t.Fatal(err)
	}
	var w ghWorkflow
	if err := yaml.Unmarshal(data, &w); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return &w
}

// examplePR is the pull_request event of PR 42, feature into main.
func examplePR(r *gittest.Repo) map[string]any {
	return map[string]any{
		"action": "synchronize", "number": 42,
		"pull_request": map[string]any{
			"number": 42,
			"base":   map[string]any{"ref": "main", "sha": strings.TrimSpace(r.Git("rev-parse", "main")), "repo": map[string]any{"full_name": "acme/shop"}},
			"head":   map[string]any{"ref": "feature", "sha": r.Head(), "repo": map[string]any{"full_name": "acme/shop"}},
		},
		"repository": map[string]any{"full_name": "acme/shop", "private": true},
	}
}

// exampleRepo is prRepo (main has a leaked key and a vulnerable lockfile,
// feature adds one of each) with the config a user of the workflow would
// commit, and origin/main as actions/checkout with fetch-depth 0 leaves
// it. It is checked out at head.
func exampleRepo(t *testing.T, config, head string) *gittest.Repo {
	t.Helper()
	r := prRepo(t)
	r.Switch("main")
	r.Write(".relgate.yaml", config)
	r.Commit("chore: relgate config")
	r.Switch("feature")
	r.Git("merge", "-q", "--no-edit", "main")
	r.Switch("main")
	r.Branch("docs")
	r.Write("README.md", "# shop\n")
	r.Commit("docs: a readme")
	r.Git("update-ref", "refs/remotes/origin/main", "main")
	r.Switch(head)
	return r
}

// jobResult runs the workflow's jobs for the event and returns the one
// job that ran.
func runWorkflow(t *testing.T, w *ghWorkflow, rn *ghRunner, event string) (job string, ok bool, summary string) {
	t.Helper()
	if !slices.Contains(w.triggers(), event) {
		t.Fatalf("the workflow does not run on %s (on: %v)", event, w.triggers())
	}
	var ran []string
	names := slices.Sorted(func(yield func(string) bool) {
		for k := range w.Jobs {
			if !yield(k) {
				return
			}
		}
	})
	for _, name := range names {
		didRun, jobOK, sum := rn.runJob(name, w.Jobs[name])
		if didRun {
			ran = append(ran, name)
			job, ok, summary = name, jobOK, sum
		}
	}
	if len(ran) != 1 {
		t.Fatalf("%s: jobs %v ran, want one", event, ran)
	}
	return job, ok, summary
}

// TestExampleWorkflowPR: relgate.yml on pull requests. PR mode is on by
// itself: the change that adds a key and a vulnerable dependency fails the
// job, with what main already had as pre-existing; a change that adds
// neither passes with those as warnings. The SARIF and the step summary
// are written, the SARIF upload is reached (same-repository PR) and so is
// the artifact step.
func TestExampleWorkflowPR(t *testing.T) {
	testtools.Command(t, "curl")
	// The repository scans its dependencies offline, against a database
	// of today (a stale one is a finding of its own).
	osv := osvExport(t)
	db := t.TempDir()
	if code, _, stderr := cli(t, "db", "update", "--db-dir", db, "--url", osv.URL, "--ecosystems", "npm"); code != exitPass {
		t.Fatalf("db update: exit %d\n%s", code, stderr)
	}
	config := "deps:\n  offline: true\n  db_dir: " + db + "\n"
	var r *gittest.Repo
	env := newExampleEnv(t, func() string { return r.Head() })

	for _, tc := range []struct {
		branch, result, code, failing string
		jobOK                         bool
		fork, refused                 bool // a PR from a fork; code scanning refuses the upload
	}{
		{"feature", "fail", "1", "(2 failing)", false, false, false}, // the new key and the new vulnerable lockfile
		{"docs", "warn", "0", "(0 failing)", true, false, false},
		{"docs", "warn", "0", "(0 failing)", true, true, false},
		{"docs", "warn", "0", "(0 failing)", true, false, true},
	} {
		r = exampleRepo(t, config, tc.branch)
		w := copyWorkflow(t, "relgate.yml", r.Dir)
		payload := examplePR(r)
		head := payload["pull_request"].(map[string]any)["head"].(map[string]any)
		head["ref"] = tc.branch
		if tc.fork {
			head["repo"] = map[string]any{"full_name": "someone/shop"}
		}
		rn := env.runner(t, r.Dir, "pull_request", payload)
		rn.refuse = map[string]bool{"github/codeql-action/upload-sarif": tc.refused}
		day := time.Now().UTC().Format("2006-01-02")
		job, ok, summary := runWorkflow(t, w, rn, "pull_request")
		log := rn.log.String()
		t.Logf("%s: ran %q\nnot run here: %q", tc.branch, rn.ran, rn.notRun)
		if ok != tc.jobOK {
			t.Errorf("%s: job %s succeeded %v, want %v\n%s", tc.branch, job, ok, tc.jobOK, log)
		}
		if !strings.Contains(log, "relgate check . --format table --env staging") || !strings.Contains(log, " --base origin/main ") {
			t.Errorf("%s: the gate did not run in PR mode against origin/main:\n%s", tc.branch, log)
		}
		if !strings.Contains(log, fmt.Sprintf("relgate: result %s, exit code %s, SARIF relgate.sarif", tc.result, tc.code)) ||
			!strings.Contains(log, "relgate exited "+tc.code) {
			t.Errorf("%s: want result %s and exit %s:\n%s", tc.branch, tc.result, tc.code, log)
		}
		t.Logf("%s: summary change line: %s", tc.branch, changeLine(summary))
		if cl := changeLine(summary); !strings.Contains(cl, tc.failing) || !strings.Contains(cl, "pre-existing (warn only)") {
			t.Errorf("%s: step summary without the change's counts:\n%s", tc.branch, summary)
		}
		if _, err := os.Stat(filepath.Join(r.Dir, "relgate.sarif")); err != nil {
			t.Errorf("%s: no SARIF in the workspace: %v", tc.branch, err)
		}
		wantRan := []string{
			"gate/relgate/Cache key for the vulnerability databases: exit 0",
			"gate/relgate/Install relgate: exit 0",
			"gate/relgate/Run the gate: exit 0",
			"gate/relgate/Can the SARIF be uploaded?: exit 0",
			"gate/relgate/Exit with the gate's result: exit " + tc.code,
		}
		upload := "gate/relgate/Upload SARIF: github/codeql-action/upload-sarif@v3 (condition held)"
		switch {
		case tc.fork:
			upload = "gate/relgate/Upload SARIF: github/codeql-action/upload-sarif@v3 (skipped)"
			if !strings.Contains(log, "::notice title=relgate::SARIF not uploaded: pull requests from forks (someone/shop)") {
				t.Errorf("fork: no notice of the skipped upload:\n%s", log)
			}
		case tc.refused:
			wantRan = slices.Insert(wantRan, 4, "gate/relgate/SARIF upload refused: exit 0")
			if !strings.Contains(log, "::notice title=relgate::The SARIF upload was refused") {
				t.Errorf("refused upload: no notice:\n%s", log)
			}
		}
		wantNotRun := []string{
			"gate/actions/checkout@v4: actions/checkout@v4 (condition held)",
			"gate/relgate/Cache the vulnerability databases: actions/cache@v4 (condition held)",
			upload,
			"gate/Keep the SARIF report: actions/upload-artifact@v4 (condition held)",
		}
		// The databases are cached under a key of the day, restored from
		// the latest day's; the upload and the artifact get the SARIF.
		cache := rn.with["gate/relgate/Cache the vulnerability databases"]
		if cache["key"] != "relgate-db-Linux-"+day && cache["key"] != "relgate-db-Linux-"+time.Now().UTC().Format("2006-01-02") ||
			cache["restore-keys"] != "relgate-db-Linux-" || cache["path"] != "~/.cache/relgate" {
			t.Errorf("cache step with %v", cache)
		}
		if u := rn.with["gate/relgate/Upload SARIF"]; !tc.fork && (u["sarif_file"] != "relgate.sarif" || u["category"] != "relgate") {
			t.Errorf("upload step with %v", u)
		}
		if a := rn.with["gate/Keep the SARIF report"]; a["path"] != "relgate.sarif" {
			t.Errorf("artifact step with %v", a)
		}
		if !slices.Equal(rn.ran, wantRan) || !slices.Equal(rn.notRun, wantNotRun) {
			t.Errorf("%s: steps\nran     %q\nwant    %q\nnot run %q\nwant    %q", tc.branch, rn.ran, wantRan, rn.notRun, wantNotRun)
		}
		if strings.Contains(log, "ghs_FAKEexample") {
			t.Errorf("%s: the token reached the log", tc.branch)
		}
	}
	if len(env.unknownAPI) > 0 {
		t.Errorf("the approvals scanner asked GitHub for %q, which the stand-in does not serve", env.unknownAPI)
	}
}

// TestExampleWorkflowOffline: relgate-offline.yml. The scheduled run gates
// main online and then, with relgate on PATH from the action, downloads the
// osv database (from the mirror the repository's config names) into the
// cached directory; a pull request then gates offline against it, in PR
// mode, and fails on what the change added.
func TestExampleWorkflowOffline(t *testing.T) {
	osv := osvExport(t)
	config := "deps:\n  offline: true\n  db_url: " + osv.URL + "\n"
	var r *gittest.Repo
	env := newExampleEnv(t, func() string { return r.Head() })
	r = exampleRepo(t, config, "main")
	w := copyWorkflow(t, "relgate-offline.yml", r.Dir)
	rn := env.runner(t, r.Dir, "schedule", map[string]any{"schedule": "17 4 * * *"})
	job, ok, _ := runWorkflow(t, w, rn, "schedule")
	log := rn.log.String()
	t.Logf("schedule: ran %q\nnot run here: %q", rn.ran, rn.notRun)
	if job != "databases" || !ok {
		t.Fatalf("scheduled job %s succeeded %v\n%s", job, ok, log)
	}
	wantRan := []string{
		"databases/relgate/Cache key for the vulnerability databases: exit 0",
		"databases/relgate/Install relgate: exit 0",
		"databases/relgate/Run the gate: exit 0",
		"databases/relgate/Can the SARIF be uploaded?: exit 0",
		"databases/relgate/Exit with the gate's result: exit 0",
		"databases/Download the databases for offline scans: exit 0",
	}
	if !slices.Equal(rn.ran, wantRan) {
		t.Errorf("scheduled steps\nran  %q\nwant %q\n%s", rn.ran, wantRan, log)
	}
	if _, err := os.Stat(filepath.Join(r.Dir, ".relgate-db", "osv-scalibr", "npm")); err != nil || !strings.Contains(log, "npm: 1 advisories") {
		t.Fatalf("db update did not fill .relgate-db: %v\n%s", err, log)
	}

	// The pull request: a fresh checkout of feature, with .relgate-db as
	// the cache restores it.
	db := filepath.Join(r.Dir, ".relgate-db")
	r = exampleRepo(t, config, "feature")
	if err := os.CopyFS(filepath.Join(r.Dir, ".relgate-db"), os.DirFS(db)); err != nil {
		t.Fatal(err)
	}
	w = copyWorkflow(t, "relgate-offline.yml", r.Dir)
	rn = env.runner(t, r.Dir, "pull_request", examplePR(r))
	job, ok, summary := runWorkflow(t, w, rn, "pull_request")
	log = rn.log.String()
	t.Logf("pull_request: ran %q\nnot run here: %q", rn.ran, rn.notRun)
	if job != "gate" || ok {
		t.Errorf("PR job %s succeeded %v, want the gate to fail it\n%s", job, ok, log)
	}
	if !strings.Contains(log, "--offline --db-dir .relgate-db") || !strings.Contains(log, "--base origin/main") ||
		!strings.Contains(log, "relgate: result fail, exit code 1, SARIF relgate.sarif") {
		t.Errorf("PR run:\n%s", log)
	}
	t.Logf("summary change line: %s", changeLine(summary))
	if !strings.Contains(summary, "VUL001") || !strings.Contains(changeLine(summary), "(2 failing)") {
		t.Errorf("PR summary lacks the new vulnerability:\n%s", summary)
	}
}

// changeLine is the step summary's line of new and pre-existing counts.
func changeLine(summary string) string {
	for _, l := range strings.Split(summary, "\n") {
		if strings.HasPrefix(l, "**Change against") {
			return l
		}
	}
	return ""
}
