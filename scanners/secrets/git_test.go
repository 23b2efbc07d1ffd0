package secrets_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/scanners/secrets"
)

// history is a repository whose canaries sit in known commits:
//
//	c1 adds old/aws.env (an AWS key), c2 deletes it, tag v1.0.0;
//	c3 adds app/github.txt (a GitHub token, still in the tree);
//	c4 adds tmp/slack.txt (a Slack token), c5 deletes it;
//	c6 appends an AWS key to README.md at line 3.
type history struct {
	r                   *gittest.Repo
	old, change, readme canary
	slack               canary
	c1, c3, c4, c6      string
	c3Date              string
	all                 [][]canary
}

func newHistory(t *testing.T) *history {
	t.Helper()
	gittest.Isolate(t)
	h := &history{r: gittest.New(t)}
	h.old = canaries("history-old")[0]
	h.change = canaries("change")[1]
	h.slack = canaries("change-removed")[2]
	h.readme = canaries("readme")[0]
	h.all = [][]canary{{h.old, h.change, h.slack, h.readme}}
	r := h.r
	r.Write("README.md", "# demo\n\n")
	r.Commit("chore: init")
	r.Write("old/aws.env", file(h.old))
	h.c1 = r.Commit("feat: add aws config")
	r.Remove("old")
	r.Commit("fix: remove aws config")
	r.Tag("v1.0.0")
	r.Write("app/github.txt", file(h.change))
	h.c3Date = r.Clock.UTC().Format(time.RFC3339)
	h.c3 = r.Commit("feat: add github token")
	r.Write("tmp/slack.txt", file(h.slack))
	h.c4 = r.Commit("feat: add slack")
	r.Remove("tmp")
	r.Commit("fix: remove slack")
	r.Write("README.md", "# demo\n\n"+h.readme.Line+"\n")
	h.c6 = r.Commit("docs: readme")
	return h
}

// where lists "rule path:line where commit[:7]" for each finding.
func where(in *engine.Input) []string {
	var out []string
	for _, s := range in.Secrets {
		c := s.Location.Commit
		if len(c) > 7 {
			c = c[:7]
		}
		out = append(out, strings.TrimSpace(strings.Join([]string{s.RuleID, s.Location.Path, s.Where, c}, " ")))
	}
	return out
}

func TestRangeScan(t *testing.T) {
	h := newHistory(t)
	short := func(s string) string { return s[:7] }
	change := []string{
		"aws-access-token README.md change " + short(h.c6),
		"github-pat app/github.txt change " + short(h.c3),
		"slack-bot-token tmp/slack.txt change " + short(h.c4),
	}
	tests := []struct {
		history string
		want    []string
	}{
		{secrets.HistoryNone, change},
		{secrets.HistorySinceLastTag, change},
		{secrets.HistoryAll, append(append([]string{}, change[0]), change[1], "aws-access-token old/aws.env history "+short(h.c1), change[2])},
	}
	for _, tt := range tests {
		t.Run(tt.history, func(t *testing.T) {
			logs := captureLogs(t)
			in, run := scan(t, secrets.Options{Dir: h.r.Dir, Base: "v1.0.0", History: tt.history})
			if got := where(in); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			gh := find(t, in, "github-pat", "app/github.txt")
			if gh.Location.StartLine != 2 || gh.Author != gittest.Name || gh.Date != h.c3Date || gh.Location.Commit != h.c3 {
				t.Errorf("github finding: line %d author %q date %q commit %s; want line 2, %q, %s, %s",
					gh.Location.StartLine, gh.Author, gh.Date, gh.Location.Commit, gittest.Name, h.c3Date, h.c3)
			}
			if want := h.c3 + ":app/github.txt:github-pat:2"; gh.Fingerprint != want {
				t.Errorf("fingerprint %q, want gitleaks' %q", gh.Fingerprint, want)
			}
			// The README key is the first added line of its hunk, where
			// gitleaks' own column is right.
			rd := find(t, in, "aws-access-token", "README.md")
			if rd.Location.StartLine != 3 || rd.Location.StartColumn != h.readme.Col || rd.Location.EndColumn != h.readme.Col+len(h.readme.Value)-1 {
				t.Errorf("README finding at %d:%d-%d, want 3:%d-%d", rd.Location.StartLine, rd.Location.StartColumn, rd.Location.EndColumn, h.readme.Col, h.readme.Col+len(h.readme.Value)-1)
			}
			if run.Stats["commits_scanned"] == 0 {
				t.Errorf("no commits counted: %v", run.Stats)
			}
			assertNoCanary(t, "the input document", encode(t, in), h.all...)
			assertNoCanary(t, "the debug log", logs.Bytes(), h.all...)
		})
	}
}

func TestTreeWithHistory(t *testing.T) {
	h := newHistory(t)
	short := func(s string) string { return s[:7] }
	tree := []string{
		"aws-access-token README.md tree",
		"github-pat app/github.txt tree",
	}
	tests := []struct {
		name    string
		history string
		tagHead bool
		want    []string
	}{
		{"none", secrets.HistoryNone, false, tree},
		// The GitHub and README keys are still in the tree: only the
		// Slack token, removed since the last tag, is history.
		{"since-last-tag", secrets.HistorySinceLastTag, false, append(append([]string{}, tree...), "slack-bot-token tmp/slack.txt history "+short(h.c4))},
		{"since-last-tag from a tagged HEAD", "", true, append(append([]string{}, tree...), "slack-bot-token tmp/slack.txt history "+short(h.c4))},
		{"all", secrets.HistoryAll, false, append(append([]string{}, tree...), "aws-access-token old/aws.env history "+short(h.c1), "slack-bot-token tmp/slack.txt history "+short(h.c4))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.tagHead {
				h.r.Tag("v1.1.0")
				defer h.r.Git("tag", "-d", "v1.1.0")
			}
			in, _ := scan(t, secrets.Options{Dir: h.r.Dir, History: tt.history})
			if got := where(in); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

func TestStaged(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	staged, unstaged := canaries("staged"), canaries("unstaged")
	r.Write("README.md", "# demo\n")
	r.Commit("chore: init")
	r.Write("README.md", "# demo\n"+staged[0].Line+"\n")
	r.Write("conf/github.txt", file(staged[1]))
	r.Write("keys/id_rsa", file(staged[3]))
	r.Stage("README.md", "conf/github.txt", "keys/id_rsa")
	// Not staged: a new file, and a later edit of a staged one.
	r.Write("conf/slack.txt", file(unstaged[2]))
	r.Write("conf/github.txt", file(staged[1])+unstaged[1].Line+"\n")
	logs := captureLogs(t)

	in, run := scan(t, secrets.Options{Dir: r.Dir, Staged: true, History: secrets.HistoryAll})
	want := []string{
		"aws-access-token README.md change",
		"github-pat conf/github.txt change",
		"private-key keys/id_rsa change",
	}
	if got := where(in); strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("findings:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, c := range []struct {
		rule, path string
		line, col  int
	}{{"aws-access-token", "README.md", 2, staged[0].Col}, {"github-pat", "conf/github.txt", 2, staged[1].Col}, {"private-key", "keys/id_rsa", 2, 1}} {
		s := find(t, in, c.rule, c.path)
		if s.Location.StartLine != c.line || s.Location.StartColumn != c.col {
			t.Errorf("%s at %d:%d, want %d:%d", c.path, s.Location.StartLine, s.Location.StartColumn, c.line, c.col)
		}
	}
	if run.Stats["files_scanned"] != 3 {
		t.Errorf("files_scanned = %d, want the 3 staged files (%v)", run.Stats["files_scanned"], run.Stats)
	}
	assertNoCanary(t, "the input document", encode(t, in), staged, unstaged)
	assertNoCanary(t, "the debug log", logs.Bytes(), staged, unstaged)
}

func TestStagedBeforeTheFirstCommit(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	c := canaries("first")[1]
	r.Write("a.txt", file(c))
	r.Stage("a.txt")
	in, _ := scan(t, secrets.Options{Dir: r.Dir, Staged: true})
	if s := find(t, in, c.Rule, "a.txt"); s.Where != secrets.WhereChange || s.Location.StartLine != 2 {
		t.Errorf("got %+v", s)
	}
}

func TestGitModesNeedARepository(t *testing.T) {
	gittest.Isolate(t)
	plain := t.TempDir()
	r := gittest.New(t)
	r.Write("a.txt", "a\n")
	r.Commit("chore: init")
	empty := gittest.New(t)
	tests := []struct {
		name string
		opts secrets.Options
		want string
	}{
		{"staged outside a repository", secrets.Options{Dir: plain, Staged: true}, "--staged needs a git repository"},
		{"base outside a repository", secrets.Options{Dir: plain, Base: "main"}, "--base needs a git repository"},
		{"base that is no commit", secrets.Options{Dir: r.Dir, Base: "no-such-ref"}, "--base no-such-ref: no such commit"},
		{"base that looks like an option", secrets.Options{Dir: r.Dir, Base: "--output=/tmp/x"}, "no such commit"},
		{"base in a repository without commits", secrets.Options{Dir: empty.Dir, Base: "HEAD"}, "has no commits"},
		{"unknown history", secrets.Options{Dir: r.Dir, History: "some"}, "secrets.history"},
		{"missing directory", secrets.Options{Dir: plain + "/nope"}, "is not a directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := secrets.New(tt.opts)
			var ue *secrets.UsageError
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("error %v (%T), want a *UsageError containing %q", err, err, tt.want)
			}
		})
	}
	// A tree scan needs no repository; there is simply no history.
	in, _ := scan(t, secrets.Options{Dir: plain, History: secrets.HistoryAll})
	if len(in.Secrets) != 0 {
		t.Errorf("findings in an empty directory: %s", summary(in))
	}
}

func TestWithoutGitOnPath(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	c := canaries("nogit")[1]
	r.Write("a.txt", file(c))
	r.Commit("feat: a")
	t.Setenv("PATH", t.TempDir())
	for _, opts := range []secrets.Options{
		{Dir: r.Dir, Staged: true},
		{Dir: r.Dir, Base: "HEAD"},
		{Dir: r.Dir}, // a repository's history cannot be read without git
	} {
		_, err := secrets.New(opts)
		var ue *secrets.UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), "git not found on PATH") {
			t.Errorf("%+v: error %v, want a *UsageError saying git is not on PATH", opts, err)
		}
	}
	// The working tree alone needs no git.
	in, _ := scan(t, secrets.Options{Dir: r.Dir, History: secrets.HistoryNone})
	find(t, in, c.Rule, "a.txt")
}
