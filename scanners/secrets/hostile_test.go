package secrets_test

import (
	"testing"

	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/scanners/secrets"
)

// TestHostileGitConfigRunsNothing: gitleaks runs `git log -p` and `git
// diff` itself; neither relgate's git nor gitleaks' may run what the
// scanned repository's config names (fsmonitor, textconv, filters, hooks),
// in a directory, a --staged and a --base scan.
func TestHostileGitConfigRunsNothing(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	r.Write("README.md", "# demo\n")
	base := r.Commit("chore: init")
	cs := canaries("hostile")
	r.Write("conf/a.txt", file(cs[0]))
	r.Commit("feat: conf")
	r.Write("conf/b.txt", file(cs[1]))
	r.Git("add", "conf/b.txt")
	r.Write("conf/c.txt", file(cs[2]))
	marker := r.Hostile(t)
	for _, opts := range []secrets.Options{
		{Dir: r.Dir, History: secrets.HistoryAll},
		{Dir: r.Dir, Staged: true},
		{Dir: r.Dir, Base: base},
	} {
		in, _ := scan(t, opts)
		if len(in.Secrets) == 0 {
			t.Fatalf("staged %v base %q: no findings: the scan did not read the repository", opts.Staged, opts.Base)
		}
	}
	if ran := gittest.Ran(t, marker); ran != "" {
		t.Fatalf("the secrets scan ran the repository's commands:\n%s", ran)
	}
}
