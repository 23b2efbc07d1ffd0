package release_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/scanners/release"
)

// history is the repository most cases read:
//
//	c1 chore: initial commit          v1.0.0 (annotated)
//	c2 feat(api): add endpoint
//	c3 fix: handle nil body
//	c4 Update README                  v1.1.0-rc.1 (lightweight)
//	c5 feat!: drop the v1 API
//	c6 refactor(db): rename column    v1.1.0 (lightweight), deploy-prod, 1.1.0
//	   + BREAKING CHANGE footer       (main)
type history struct {
	r                      *gittest.Repo
	c1, c2, c3, c4, c5, c6 string
}

func newHistory(t *testing.T) history {
	t.Helper()
	r := gittest.New(t)
	h := history{r: r}
	r.Write("README.md", "# demo\n")
	h.c1 = r.Commit("chore: initial commit")
	r.AnnotatedTag("v1.0.0", "release 1.0.0")
	r.Write("api.go", "package api\n")
	h.c2 = r.Commit("feat(api): add endpoint")
	h.c3 = r.Commit("fix: handle nil body\n\nCloses #12")
	r.Write("README.md", "# demo\n\nmore\n")
	h.c4 = r.Commit("Update README")
	r.Tag("v1.1.0-rc.1")
	h.c5 = r.Commit("feat!: drop the v1 API")
	h.c6 = r.Commit("refactor(db): rename column\n\nThe users.name column is now full_name.\n\nBREAKING CHANGE: readers of users.name must migrate\nRefs: #40")
	r.Tag("v1.1.0")
	r.Tag("deploy-prod")
	r.Tag("1.1.0")
	return h
}

// summary renders commits compactly: "type|scope|breaking|subject".
func summary(cs []engine.Commit) []string {
	var out []string
	for _, c := range cs {
		out = append(out, fmt.Sprintf("%s|%s|%t|%s", c.Type, c.Scope, c.Breaking, c.Subject))
	}
	return out
}

func withoutCommits(r engine.Release) engine.Release {
	r.Commits = nil
	return r
}

func scan(t *testing.T, opts release.Options) (engine.Release, engine.ScannerRun) {
	t.Helper()
	in := engine.NewInput()
	run, err := release.New(opts).Scan(context.Background(), in)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return in.Release, run
}

// noEnv stands for a shell outside CI.
func noEnv(string) string { return "" }

func envOf(kv map[string]string) func(string) string {
	return func(k string) string { return kv[k] }
}

func TestScan(t *testing.T) {
	gittest.Isolate(t)
	h := newHistory(t)
	newest := []string{
		"refactor|db|true|refactor(db): rename column",
		"feat||true|feat!: drop the v1 API",
		"||false|Update README",
		"fix||false|fix: handle nil body",
		"feat|api|false|feat(api): add endpoint",
	}
	tests := []struct {
		name     string
		setup    func(r *gittest.Repo) // runs on a fresh copy of the history
		base     string
		getenv   func(string) string
		want     engine.Release // Commits compared through wantLog
		wantLog  []string
		wantStat map[string]int64
	}{
		{
			name:     "tagged release on main",
			want:     engine.Release{Branch: "main", Commit: h.c6, Tag: "v1.1.0", Version: "1.1.0", PreviousTag: "v1.0.0", PreviousVersion: "1.0.0"},
			wantLog:  newest,
			wantStat: map[string]int64{"commits": 5, "commits_truncated": 0, "tags_at_head": 3, "shallow": 0, "branch_from_env": 0},
		},
		{
			name:    "base range overrides the previous release",
			base:    h.c3,
			want:    engine.Release{Branch: "main", Commit: h.c6, Tag: "v1.1.0", Version: "1.1.0", PreviousTag: "v1.0.0", PreviousVersion: "1.0.0", BaseCommit: h.c3},
			wantLog: newest[:3],
		},
		{
			name:    "base given as a lightweight tag resolves to its commit",
			base:    "v1.1.0-rc.1",
			want:    engine.Release{Branch: "main", Commit: h.c6, Tag: "v1.1.0", Version: "1.1.0", PreviousTag: "v1.0.0", PreviousVersion: "1.0.0", BaseCommit: h.c4},
			wantLog: newest[:2],
		},
		{
			name:    "base given as an annotated tag resolves to its commit",
			base:    "v1.0.0",
			want:    engine.Release{Branch: "main", Commit: h.c6, Tag: "v1.1.0", Version: "1.1.0", PreviousTag: "v1.0.0", PreviousVersion: "1.0.0", BaseCommit: h.c1},
			wantLog: newest,
		},
		{
			name:     "detached at a pre-release outside CI",
			setup:    func(r *gittest.Repo) { r.Switch("v1.1.0-rc.1") },
			want:     engine.Release{Commit: h.c4, Tag: "v1.1.0-rc.1", Version: "1.1.0-rc.1", PreviousTag: "v1.0.0", PreviousVersion: "1.0.0"},
			wantLog:  newest[2:],
			wantStat: map[string]int64{"commits": 3, "tags_at_head": 1, "branch_from_env": 0},
		},
		{
			name:     "detached in a GitHub pull request uses GITHUB_HEAD_REF",
			setup:    func(r *gittest.Repo) { r.Switch(r.Head()) },
			getenv:   envOf(map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_HEAD_REF": "feature/login", "GITHUB_REF_NAME": "7/merge", "GITHUB_REF_TYPE": "branch"}),
			want:     engine.Release{Branch: "feature/login", Commit: h.c6, Tag: "v1.1.0", Version: "1.1.0", PreviousTag: "v1.0.0", PreviousVersion: "1.0.0"},
			wantLog:  newest,
			wantStat: map[string]int64{"branch_from_env": 1},
		},
		{
			name:    "detached in a GitHub push uses GITHUB_REF_NAME",
			setup:   func(r *gittest.Repo) { r.Switch(r.Head()) },
			getenv:  envOf(map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_REF_NAME": "release/1.x", "GITHUB_REF_TYPE": "branch"}),
			want:    engine.Release{Branch: "release/1.x", Commit: h.c6, Tag: "v1.1.0", Version: "1.1.0", PreviousTag: "v1.0.0", PreviousVersion: "1.0.0"},
			wantLog: newest,
		},
		{
			name:     "detached in a GitHub tag push has no branch",
			setup:    func(r *gittest.Repo) { r.Switch(r.Head()) },
			getenv:   envOf(map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_REF_NAME": "v1.1.0", "GITHUB_REF_TYPE": "tag"}),
			want:     engine.Release{Commit: h.c6, Tag: "v1.1.0", Version: "1.1.0", PreviousTag: "v1.0.0", PreviousVersion: "1.0.0"},
			wantLog:  newest,
			wantStat: map[string]int64{"branch_from_env": 0},
		},
		{
			name:    "GitHub variables outside GitHub Actions are ignored",
			setup:   func(r *gittest.Repo) { r.Switch(r.Head()) },
			getenv:  envOf(map[string]string{"GITHUB_HEAD_REF": "stale", "GITHUB_REF_NAME": "stale", "GITHUB_REF_TYPE": "branch"}),
			want:    engine.Release{Commit: h.c6, Tag: "v1.1.0", Version: "1.1.0", PreviousTag: "v1.0.0", PreviousVersion: "1.0.0"},
			wantLog: newest,
		},
		{
			name:    "an attached branch wins over GitHub variables",
			getenv:  envOf(map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_HEAD_REF": "other"}),
			want:    engine.Release{Branch: "main", Commit: h.c6, Tag: "v1.1.0", Version: "1.1.0", PreviousTag: "v1.0.0", PreviousVersion: "1.0.0"},
			wantLog: newest,
		},
		{
			name: "untagged feature branch: previous release is the highest reachable tag",
			setup: func(r *gittest.Repo) {
				r.Branch("feature/login")
				r.Commit("feat(auth): log in with passkeys")
			},
			want:     engine.Release{Branch: "feature/login", PreviousTag: "v1.1.0", PreviousVersion: "1.1.0"},
			wantLog:  []string{"feat|auth|false|feat(auth): log in with passkeys"},
			wantStat: map[string]int64{"commits": 1, "tags_at_head": 0},
		},
		{
			name: "untagged HEAD after a pre-release: previous release is the last final one",
			setup: func(r *gittest.Repo) {
				r.Commit("chore: bump deps")
				r.Tag("v2.0.0-beta.1")
				r.Commit("docs: explain")
			},
			want:    engine.Release{Branch: "main", PreviousTag: "v1.1.0", PreviousVersion: "1.1.0"},
			wantLog: []string{"docs||false|docs: explain", "chore||false|chore: bump deps"},
		},
		{
			name: "a higher tag on a side branch is not reachable",
			setup: func(r *gittest.Repo) {
				r.Branch("side")
				r.Commit("feat: side work")
				r.Tag("v9.0.0")
				r.Switch("main")
				r.Commit("fix: main work")
			},
			want:    engine.Release{Branch: "main", PreviousTag: "v1.1.0", PreviousVersion: "1.1.0"},
			wantLog: []string{"fix||false|fix: main work"},
		},
		{
			name: "several SemVer tags at HEAD: the highest is the release",
			setup: func(r *gittest.Repo) {
				r.Commit("chore: release")
				r.Tag("v1.9.9")
				r.AnnotatedTag("v2.0.0", "two")
				r.Tag("v2.0.0-rc.2")
				r.Tag("latest")
			},
			want:     engine.Release{Branch: "main", Tag: "v2.0.0", Version: "2.0.0", PreviousTag: "v1.1.0", PreviousVersion: "1.1.0"},
			wantLog:  []string{"chore||false|chore: release"},
			wantStat: map[string]int64{"tags_at_head": 4},
		},
		{
			name: "only a non-SemVer tag at HEAD: the tag is the version",
			setup: func(r *gittest.Repo) {
				r.Commit("chore: nightly")
				r.Tag("nightly-2024-01-02")
			},
			want:    engine.Release{Branch: "main", Tag: "nightly-2024-01-02", Version: "nightly-2024-01-02", PreviousTag: "v1.1.0", PreviousVersion: "1.1.0"},
			wantLog: []string{"chore||false|chore: nightly"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := h.r.Dir
			if tt.setup != nil {
				c := h.r.Clone(t)
				tt.setup(c)
				dir = c.Dir
				if tt.want.Commit == "" {
					tt.want.Commit = c.Head()
				}
			}
			getenv := tt.getenv
			if getenv == nil {
				getenv = noEnv
			}
			got, run := scan(t, release.Options{Dir: dir, Base: tt.base, Getenv: getenv})
			if run.Status != "" {
				t.Errorf("status = %q, want unset (ok)", run.Status)
			}
			log := summary(got.Commits)
			if !reflect.DeepEqual(withoutCommits(got), tt.want) {
				t.Errorf("release =\n  %+v\nwant\n  %+v", got, tt.want)
			}
			if strings.Join(log, "\n") != strings.Join(tt.wantLog, "\n") {
				t.Errorf("commits =\n  %s\nwant\n  %s", strings.Join(log, "\n  "), strings.Join(tt.wantLog, "\n  "))
			}
			for k, v := range tt.wantStat {
				if got, ok := run.Stats[k]; !ok || got != v {
					t.Errorf("stats[%s] = %d (present %t), want %d", k, got, ok, v)
				}
			}
		})
	}
}

func TestCommitFields(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	first := r.Commit("feat(ui)!: new layout\n\nBREAKING-CHANGE: old themes are gone")
	// A message declared Latin-1 is re-encoded to UTF-8 by git log.
	r.Git("-c", "i18n.commitEncoding=ISO-8859-1", "commit", "-q", "--allow-empty", "-m", "docs(\xe9t\xe9): caf\xe9")
	second := r.Head()
	r.Clock = r.Clock.Add(time.Minute)
	// fast-import stores bytes unchecked: a message claiming UTF-8 that is
	// not must still yield valid UTF-8 facts.
	third := r.CommitMany(1, func(int) gittest.Change { return gittest.Change{Message: "fix: caf\xe9 menu\n\nBREAKING CHANGE: \xff"} })
	got, run := scan(t, release.Options{Dir: r.Dir, Getenv: noEnv})
	want := []engine.Commit{
		{SHA: third, Subject: "fix: caf\uFFFD menu", Author: gittest.Name, Time: gittest.Epoch.Add(2 * time.Minute), Type: "fix", Breaking: true},
		{SHA: second, Subject: "docs(\u00e9t\u00e9): caf\u00e9", Author: gittest.Name, Time: gittest.Epoch.Add(time.Minute), Type: "docs", Scope: "\u00e9t\u00e9"},
		{SHA: first, Subject: "feat(ui)!: new layout", Author: gittest.Name, Time: gittest.Epoch, Type: "feat", Scope: "ui", Breaking: true},
	}
	if len(got.Commits) != len(want) {
		t.Fatalf("commits = %+v, want %+v", got.Commits, want)
	}
	for i := range want {
		if got.Commits[i] != want[i] {
			t.Errorf("commit %d = %+v, want %+v", i, got.Commits[i], want[i])
		}
		if got.Commits[i].Time.Location() != time.UTC {
			t.Errorf("commit %d time not in UTC: %v", i, got.Commits[i].Time)
		}
	}
	if got.Tag != "" || got.Version != "" || got.PreviousTag != "" {
		t.Errorf("untagged repository reported tags: %+v", got)
	}
	if run.Stats["commits"] != 3 {
		t.Errorf("stats = %v", run.Stats)
	}
	// The document must still encode: policies read it as JSON.
	in := engine.NewInput()
	in.Release = got
	if _, err := in.Canonical(); err != nil {
		t.Fatalf("encode: %v", err)
	}
}

func TestTruncation(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	r.CommitMany(7, func(i int) gittest.Change { return gittest.Change{Message: fmt.Sprintf("feat: step %d", i)} })
	got, run := scan(t, release.Options{Dir: r.Dir, Getenv: noEnv, MaxCommits: 3})
	if want := []string{"feat||false|feat: step 6", "feat||false|feat: step 5", "feat||false|feat: step 4"}; strings.Join(summary(got.Commits), ",") != strings.Join(want, ",") {
		t.Errorf("commits = %v, want %v", summary(got.Commits), want)
	}
	if run.Stats["commits"] != 7 || run.Stats["commits_truncated"] != 4 {
		t.Errorf("stats = %v, want commits 7, commits_truncated 4", run.Stats)
	}
}

func TestEmptyRepository(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	got, run := scan(t, release.Options{Dir: r.Dir, Getenv: noEnv})
	if got.Branch != "main" || got.Commit != "" || len(got.Commits) != 0 {
		t.Errorf("release = %+v, want only branch main", got)
	}
	if run.Status != "" || run.Stats["commits"] != 0 {
		t.Errorf("run = %+v", run)
	}
}

func TestSubdirectory(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	r.Write("svc/api/main.go", "package main\n")
	head := r.Commit("feat: api")
	got, _ := scan(t, release.Options{Dir: r.Path("svc/api"), Getenv: noEnv})
	if got.Commit != head || got.Branch != "main" {
		t.Errorf("release = %+v, want commit %s on main", got, head)
	}
}

func TestShallowClone(t *testing.T) {
	gittest.Isolate(t)
	h := newHistory(t)
	dst := t.TempDir()
	out, err := exec.Command("git", "clone", "-q", "--depth", "1", "file://"+h.r.Dir, dst).CombinedOutput()
	if err != nil {
		t.Fatalf("clone: %v: %s", err, out)
	}
	got, run := scan(t, release.Options{Dir: dst, Getenv: noEnv})
	if run.Stats["shallow"] != 1 || got.Commit != h.c6 {
		t.Errorf("release = %+v, stats = %v, want shallow at %s", got, run.Stats, h.c6)
	}
	err = release.ValidateRef(context.Background(), dst, h.c1)
	if !errors.Is(err, release.ErrUnknownRef) || !strings.Contains(err.Error(), "shallow") {
		t.Errorf("ValidateRef(missing history) = %v, want ErrUnknownRef naming the shallow clone", err)
	}
}

func TestNotARepository(t *testing.T) {
	gittest.Isolate(t)
	dir := t.TempDir()
	in := engine.NewInput()
	run, err := release.New(release.Options{Dir: dir}).Scan(context.Background(), in)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	if run.Status != engine.StatusSkipped || run.Version == "" {
		t.Errorf("run = %+v, want skipped with the git version", run)
	}
	if in.Release.Commit != "" || in.Release.Branch != "" {
		t.Errorf("release = %+v, want empty", in.Release)
	}
	if err := release.IsRepo(context.Background(), dir); !errors.Is(err, release.ErrNotRepo) || !strings.Contains(err.Error(), dir) {
		t.Errorf("IsRepo(plain dir) = %v, want ErrNotRepo naming the dir", err)
	}
	missing := dir + "/missing"
	if err := release.IsRepo(context.Background(), missing); err == nil || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("IsRepo(missing dir) = %v, want a not-exist error", err)
	}
	if _, err := release.New(release.Options{Dir: missing}).Scan(context.Background(), engine.NewInput()); err == nil {
		t.Error("scan of a missing dir succeeded, want an error (a typo is not a plain directory)")
	}
	if err := release.ValidateRef(context.Background(), dir, "main"); !errors.Is(err, release.ErrNotRepo) {
		t.Errorf("ValidateRef(plain dir) = %v, want ErrNotRepo", err)
	}
}

func TestValidateRef(t *testing.T) {
	gittest.Isolate(t)
	h := newHistory(t)
	ctx := context.Background()
	if err := release.IsRepo(ctx, h.r.Dir); err != nil {
		t.Fatalf("IsRepo(repo) = %v", err)
	}
	for _, ref := range []string{"main", "v1.0.0", "v1.1.0-rc.1", h.c2, h.c2[:10], "HEAD~2", "refs/tags/deploy-prod"} {
		if err := release.ValidateRef(ctx, h.r.Dir, ref); err != nil {
			t.Errorf("ValidateRef(%q) = %v, want nil", ref, err)
		}
	}
	// A tree is an object but not a commit: no range can start there.
	tree := h.r.Git("rev-parse", "HEAD^{tree}")
	for _, ref := range []string{"origin/main", "v3.0.0", "", "--all", "-n1", "HEAD~99", tree, "main..HEAD"} {
		err := release.ValidateRef(ctx, h.r.Dir, ref)
		if !errors.Is(err, release.ErrUnknownRef) {
			t.Errorf("ValidateRef(%q) = %v, want ErrUnknownRef", ref, err)
		}
		if err != nil && strings.Contains(err.Error(), "shallow") {
			t.Errorf("ValidateRef(%q) mentions shallow in a full clone: %v", ref, err)
		}
	}
	_, err := release.New(release.Options{Dir: h.r.Dir, Base: "origin/main"}).Scan(ctx, engine.NewInput())
	if !errors.Is(err, release.ErrUnknownRef) || !strings.Contains(err.Error(), `"origin/main"`) {
		t.Errorf("scan with a missing base = %v, want ErrUnknownRef naming it", err)
	}
}

func TestGitNotOnPath(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	t.Setenv("PATH", t.TempDir())
	ctx := context.Background()
	if _, err := release.New(release.Options{Dir: r.Dir}).Scan(ctx, engine.NewInput()); !errors.Is(err, release.ErrGitNotFound) {
		t.Errorf("scan = %v, want ErrGitNotFound", err)
	}
	if err := release.IsRepo(ctx, r.Dir); !errors.Is(err, release.ErrGitNotFound) || err.Error() != "git not found on PATH" {
		t.Errorf("IsRepo = %v, want ErrGitNotFound", err)
	}
	if err := release.ValidateRef(ctx, r.Dir, "main"); !errors.Is(err, release.ErrGitNotFound) {
		t.Errorf("ValidateRef = %v, want ErrGitNotFound", err)
	}
}

func TestScannerVersionIsGits(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	out, err := exec.Command("git", "version").Output()
	if err != nil {
		t.Fatal(err)
	}
	_, run := scan(t, release.Options{Dir: r.Dir, Getenv: noEnv})
	if want := strings.TrimPrefix(strings.TrimSpace(string(out)), "git version "); run.Version != want || want == "" {
		t.Errorf("version = %q, want %q", run.Version, want)
	}
}

func TestCancelledContext(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	r.Commit("one")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := release.New(release.Options{Dir: r.Dir}).Scan(ctx, engine.NewInput())
	if !errors.Is(err, context.Canceled) {
		t.Errorf("scan = %v, want context.Canceled", err)
	}
}

// Two scans of the same repository produce byte-identical documents.
func TestDeterministic(t *testing.T) {
	gittest.Isolate(t)
	h := newHistory(t)
	encode := func() string {
		in := engine.NewInput()
		if _, err := release.New(release.Options{Dir: h.r.Dir, Getenv: noEnv}).Scan(context.Background(), in); err != nil {
			t.Fatal(err)
		}
		b, err := in.Canonical()
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	if a, b := encode(), encode(); a != b {
		t.Fatalf("documents differ:\n%s\n%s", a, b)
	}
}

// A repository git refuses to read (owned by another user, as in CI
// containers) must fail the scan, not be skipped as "not a repository":
// otherwise the gate would silently lose every release fact.
func TestDubiousOwnershipIsAnError(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	r.Commit("one")
	if err := os.Chown(r.Dir, 65534, 65534); err != nil {
		t.Skipf("cannot hand the repository to another user here: %v", err)
	}
	if err := os.Chown(r.Path(".git"), 65534, 65534); err != nil {
		t.Skipf("cannot hand the repository to another user here: %v", err)
	}
	t.Cleanup(func() {
		os.Chown(r.Dir, os.Getuid(), os.Getgid())
		os.Chown(r.Path(".git"), os.Getuid(), os.Getgid())
	})
	ctx := context.Background()
	err := release.IsRepo(ctx, r.Dir)
	if err == nil || errors.Is(err, release.ErrNotRepo) {
		t.Skipf("git reads a repository owned by another user here (IsRepo = %v)", err)
	}
	if !strings.Contains(err.Error(), "dubious ownership") || !strings.Contains(err.Error(), "safe.directory") {
		t.Errorf("IsRepo = %v, want git's dubious-ownership message", err)
	}
	run, err := release.New(release.Options{Dir: r.Dir}).Scan(ctx, engine.NewInput())
	if err == nil || run.Status == engine.StatusSkipped {
		t.Errorf("scan = %+v, %v; want an error", run, err)
	}
}
