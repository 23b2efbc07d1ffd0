package secrets_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/scanners/secrets"
)

// TestSymlinkOutsideTheRootIsNotRead: a file and a directory of the
// repository that are symbolic links to files outside it holding a token
// are not read — no finding, no trace of the token — and the run says it
// passed them over (skipped_symlink), while the token in the repository's
// own file is found.
func TestSymlinkOutsideTheRootIsNotRead(t *testing.T) {
	gittest.Isolate(t)
	outside := t.TempDir()
	cs := canaries("symlink-outside")
	if err := os.WriteFile(filepath.Join(outside, "token.env"), []byte(file(cs[0])), 0o644); err != nil {
		t.Fatal(err)
	}
	r := gittest.New(t)
	r.Write("app/config.env", file(cs[1]))
	for link, target := range map[string]string{"app/token.env": filepath.Join(outside, "token.env"), "elsewhere": outside} {
		if err := os.Symlink(target, r.Path(link)); err != nil {
			t.Fatal(err)
		}
	}
	in, run := scan(t, secrets.Options{Dir: r.Dir, History: secrets.HistoryNone})
	find(t, in, cs[1].Rule, "app/config.env")
	if len(in.Secrets) != 1 {
		t.Errorf("want only the repository's own finding, got:%s", summary(in))
	}
	if run.Stats["skipped_symlink"] != 2 || run.Stats["files_scanned"] != 1 {
		t.Errorf("stats %v, want the two links counted as skipped and one file scanned", run.Stats)
	}
	assertNoCanary(t, "the input document", encode(t, in), cs[:1])
}
