package secrets_test

import (
	"archive/zip"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/scanners/secrets"
)

// TestBadInputIsCountedNotDropped plants what gitleaks passes over — a
// binary, a 200 MB file, an archive, symlink loops — each holding a canary,
// next to a file with a name that is not UTF-8.
func TestBadInputIsCountedNotDropped(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	cs := canaries("bad-input")
	// An ELF header makes the file binary to gitleaks' type sniffing.
	r.Write("bin/tool", "\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x00\x3e\x00"+file(cs[0]))
	// 200 MB, sparse: over the default limit without filling the disk.
	big := r.Path("dump/big.sql")
	if err := os.MkdirAll(filepath.Dir(big), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(big, []byte(file(cs[1])), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(big, 200*1_000_000); err != nil {
		t.Fatal(err)
	}
	writeZip(t, r.Path("backup/keys.zip"), "inner/slack.txt", file(cs[2]))
	for name, target := range map[string]string{"loop/a": "b", "loop/b": "a", "loop/self": ".", "loop/up": ".."} {
		if err := os.MkdirAll(r.Path("loop"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, r.Path(name)); err != nil {
			t.Fatal(err)
		}
	}
	odd := "odd-\xff\xfe-name.txt"
	r.Write(odd, file(cs[4]))

	in, run := scan(t, secrets.Options{Dir: r.Dir, History: secrets.HistoryNone})
	want := map[string]int64{"files_scanned": 1, "skipped_binary": 1, "skipped_size": 1, "skipped_archive": 1, "skipped_symlink": 4}
	for k, v := range want {
		if run.Stats[k] != v {
			t.Errorf("stats[%s] = %d, want %d (stats %v)", k, run.Stats[k], v, run.Stats)
		}
	}
	s := find(t, in, cs[4].Rule, `odd-\xff\xfe-name.txt`)
	if s.Location.StartLine != 2 {
		t.Errorf("odd name finding at line %d, want 2", s.Location.StartLine)
	}
	if len(in.Secrets) != 1 {
		t.Errorf("want only the odd name's finding, got:%s", summary(in))
	}
	assertNoCanary(t, "the input document", encode(t, in), cs)

	// Without a limit a big file is scanned (200 MB of zeros take a
	// minute: a smaller one shows it); archives on scans into the zip.
	if err := os.Truncate(big, 3*1_000_000); err != nil {
		t.Fatal(err)
	}
	in, run = scan(t, secrets.Options{Dir: r.Dir, History: secrets.HistoryNone, MaxFileSize: 2_000_000, Archives: 1})
	find(t, in, cs[2].Rule, "backup/keys.zip!inner/slack.txt")
	if run.Stats["skipped_size"] != 1 {
		t.Errorf("a 3 MB file under a 2 MB limit: stats %v", run.Stats)
	}
	in, run = scan(t, secrets.Options{Dir: r.Dir, History: secrets.HistoryNone, MaxFileSize: -1, Archives: 1})
	find(t, in, cs[1].Rule, "dump/big.sql")
	if run.Stats["skipped_size"] != 0 || run.Stats["skipped_archive"] != 0 {
		t.Errorf("stats %v, want nothing skipped for size or as an archive", run.Stats)
	}
}

func writeZip(t *testing.T, path, name, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	w, err := zw.Create(name)
	if err == nil {
		_, err = w.Write([]byte(content))
	}
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
}

// TestBinaryAndBigFilesInHistory: a commit that adds a binary or a file over
// the limit is counted too.
func TestBinaryAndBigFilesInHistory(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	cs := canaries("bad-history")
	r.Write("README.md", "# demo\n")
	r.Commit("chore: init")
	base := r.Head()
	r.Write("bin/tool", "\x7fELF\x02\x01\x01\x00\x00\x00"+file(cs[0]))
	filler := "filler line of the big file, nothing to see here\n"
	r.Write("dump.sql", "# big\n"+cs[1].Line+"\n"+strings.Repeat(filler, 2_100_000/len(filler)))
	r.Commit("feat: binary and big")
	in, run := scan(t, secrets.Options{Dir: r.Dir, Base: base, History: secrets.HistoryNone, MaxFileSize: 2_000_000})
	if len(in.Secrets) != 0 || run.Stats["skipped_binary"] != 1 || run.Stats["skipped_size"] != 1 {
		t.Errorf("findings:%s\nstats %v; want none, one binary and one big file skipped", summary(in), run.Stats)
	}
	in, _ = scan(t, secrets.Options{Dir: r.Dir, Base: base, History: secrets.HistoryNone, MaxFileSize: -1})
	find(t, in, cs[1].Rule, "dump.sql")
}
