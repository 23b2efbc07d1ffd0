package secrets_test

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/scanners/secrets"
)

func sha(s string) string {
	sum := sha256.Sum256([]byte(s))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func TestTreeFindsEveryCanary(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	r.Write("README.md", "# demo\n")
	r.Commit("chore: init")
	cs := canaries("tree")
	for _, c := range cs {
		r.Write("conf/"+c.Kind+".txt", file(c))
	}
	logs := captureLogs(t)
	in, run := scan(t, secrets.Options{Dir: r.Dir, History: secrets.HistoryNone})

	if len(in.Secrets) != len(cs) {
		t.Fatalf("want %d findings, got %d:%s", len(cs), len(in.Secrets), summary(in))
	}
	for _, c := range cs {
		s := find(t, in, c.Rule, "conf/"+c.Kind+".txt")
		if s.Where != secrets.WhereTree || s.Location.Commit != "" || s.Author != "" {
			t.Errorf("%s: where %q commit %q author %q, want a tree finding without commit", c.Kind, s.Where, s.Location.Commit, s.Author)
		}
		wantEnd := 2 + strings.Count(c.Value, "\n")
		if s.Location.StartLine != 2 || s.Location.EndLine != wantEnd {
			t.Errorf("%s: lines %d-%d, want 2-%d", c.Kind, s.Location.StartLine, s.Location.EndLine, wantEnd)
		}
		if c.Col > 0 && (s.Location.StartColumn != c.Col || (c.Kind != "pem" && s.Location.EndColumn != c.Col+len(c.Value)-1)) {
			t.Errorf("%s: columns %d-%d, want %d-%d", c.Kind, s.Location.StartColumn, s.Location.EndColumn, c.Col, c.Col+len(c.Value)-1)
		}
		if s.SecretHash != sha(c.Value) {
			t.Errorf("%s: secret_hash is not the sha256 of the secret", c.Kind)
		}
		if want := "conf/" + c.Kind + ".txt:" + c.Rule + ":2"; s.Fingerprint != want {
			t.Errorf("%s: fingerprint %q, want gitleaks' %q", c.Kind, s.Fingerprint, want)
		}
		shown := strings.TrimSuffix(s.Redacted, "****")
		if utf8.RuneCountInString(shown) > 4 || !strings.HasPrefix(c.Value, shown) || shown == s.Redacted {
			t.Errorf("%s: preview %q shows more than 4 characters of the secret, or is not a masked prefix", c.Kind, s.Redacted)
		}
		if s.Entropy <= 0 || s.Description == "" {
			t.Errorf("%s: entropy %v, description %q", c.Kind, s.Entropy, s.Description)
		}
	}
	if run.Version != "v8.30.1" {
		t.Errorf("run version %q, want gitleaks v8.30.1", run.Version)
	}
	if run.Stats["files_scanned"] != int64(len(cs)+1) {
		t.Errorf("files_scanned = %d, want %d (stats %v)", run.Stats["files_scanned"], len(cs)+1, run.Stats)
	}
	assertNoCanary(t, "the input document", encode(t, in), cs)
	assertNoCanary(t, "the debug log", logs.Bytes(), cs)
	if !strings.Contains(logs.String(), "secrets scan done") {
		t.Errorf("debug log was not captured: %s", logs)
	}
}

func TestTreeScanIsDeterministic(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	for i, c := range canaries("determinism") {
		for j := range 3 {
			r.Write("d"+string(rune('a'+j))+"/"+c.Kind+".txt", strings.Repeat("\n", i)+file(c))
		}
	}
	first, _ := scan(t, secrets.Options{Dir: r.Dir, History: secrets.HistoryNone})
	second, _ := scan(t, secrets.Options{Dir: r.Dir, History: secrets.HistoryNone})
	if a, b := encode(t, first.Secrets), encode(t, second.Secrets); string(a) != string(b) {
		t.Fatalf("two scans of one tree differ:\n%s\n%s", a, b)
	}
	if len(first.Secrets) != 15 {
		t.Fatalf("want 15 findings, got %d:%s", len(first.Secrets), summary(first))
	}
	if !slices.IsSortedFunc(first.Secrets, func(a, b engine.Secret) int {
		return cmp.Or(cmp.Compare(a.Location.Path, b.Location.Path), cmp.Compare(a.Location.StartLine, b.Location.StartLine))
	}) {
		t.Errorf("findings are not sorted by path and line:%s", summary(first))
	}
}

// TestSecretsSharingALine: gitleaks' fingerprint names file, rule and line,
// so two secrets of one rule on one line share it; both are reported.
func TestSecretsSharingALine(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	a, b := canaries("line-a")[1], canaries("line-b")[1]
	r.Write("pair.txt", "tokens: "+a.Value+" "+b.Value+"\n")
	in, _ := scan(t, secrets.Options{Dir: r.Dir, History: secrets.HistoryNone})
	if len(in.Secrets) != 2 || in.Secrets[0].Fingerprint != in.Secrets[1].Fingerprint || in.Secrets[0].SecretHash == in.Secrets[1].SecretHash {
		t.Fatalf("want two findings with one fingerprint and two hashes:%s", summary(in))
	}
	if c := in.Secrets[1].Location.StartColumn; c != len("tokens: ")+len(a.Value)+2 {
		t.Errorf("second secret at column %d", c)
	}
}
