package secrets_test

import (
	"slices"
	"testing"

	"github.com/relgate/relgate/internal/skip"
	"github.com/relgate/relgate/scanners/secrets"
)

// TestSkipPaths: --skip-dirs and --skip-files leave paths unscanned in the
// working tree and in a git range, and the run counts the files left out.
func TestSkipPaths(t *testing.T) {
	h := newHistory(t)
	sp, err := skip.New([]string{"tmp"}, []string{"**/*.md"})
	if err != nil {
		t.Fatal(err)
	}
	short := func(s string) string { return s[:7] }

	in, run := scan(t, secrets.Options{Dir: h.r.Dir, Base: "v1.0.0", History: secrets.HistoryNone, Skip: sp})
	want := []string{"github-pat app/github.txt change " + short(h.c3)}
	if got := where(in); !slices.Equal(got, want) {
		t.Errorf("range with skips: %v, want %v", got, want)
	}
	// tmp/slack.txt (added, then deleted) and README.md, in their commits.
	if run.Stats["skipped_paths"] < 2 {
		t.Errorf("range: skipped_paths %d, want at least 2", run.Stats["skipped_paths"])
	}

	h.r.Write("tmp/notes.txt", file(h.slack))
	in, run = scan(t, secrets.Options{Dir: h.r.Dir, History: secrets.HistoryNone, Skip: sp})
	want = []string{"github-pat app/github.txt tree"}
	if got := where(in); !slices.Equal(got, want) {
		t.Errorf("tree with skips: %v, want %v", got, want)
	}
	if run.Stats["skipped_paths"] != 1 {
		t.Errorf("tree: skipped_paths %d, want 1 (README.md; tmp is never entered)", run.Stats["skipped_paths"])
	}
	in, _ = scan(t, secrets.Options{Dir: h.r.Dir, History: secrets.HistoryNone})
	if got := where(in); len(got) != 3 {
		t.Errorf("tree without skips: %v, want the README, app and tmp keys", got)
	}
}
