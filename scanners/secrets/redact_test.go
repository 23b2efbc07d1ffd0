package secrets_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/internal/redact"
	"github.com/relgate/relgate/scanners/secrets"
)

// TestScanFeedsTheRedactor: every secret the scan finds is masked by the
// run's redactor afterwards, even where no rule would see it (alone on a
// line, without its key name).
func TestScanFeedsTheRedactor(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	r.Write("README.md", "# demo\n")
	r.Commit("chore: init")
	cs := canaries("redactor")
	for _, c := range cs {
		r.Write("conf/"+c.Kind+".txt", file(c))
	}
	red := redact.New(nil)
	in, _ := scan(t, secrets.Options{Dir: r.Dir, History: secrets.HistoryNone, Redactor: red})
	if len(in.Secrets) != len(cs) {
		t.Fatalf("want %d findings, got %d", len(cs), len(in.Secrets))
	}
	for _, c := range cs {
		out := red.String("quoted elsewhere: " + c.Value + ".")
		for _, frag := range c.fragments() {
			if len(frag) >= redact.MinLen && strings.Contains(out, frag) {
				t.Errorf("%s: the redactor did not learn the secret: %q", c.Kind, out)
			}
		}
	}
}

// TestDetectorFindsGitleaksSecrets: the edge detector is gitleaks' default
// rules, an inline gitleaks:allow included.
func TestDetectorFindsGitleaksSecrets(t *testing.T) {
	detect, err := secrets.Detector()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range canaries("detector") {
		if c.Kind == "pem" {
			continue // a key block is found whole; its value spans lines
		}
		for _, text := range []string{c.Line, "fix: rotate " + c.Line + " // gitleaks:allow"} {
			found := detect(text)
			if len(found) == 0 || !strings.Contains(strings.Join(found, "\n"), c.Value) {
				t.Errorf("%s: %q: found %q", c.Kind, text, found)
			}
		}
	}
	if found := detect("nothing to see here: version 1.2.3, commit deadbeef"); len(found) != 0 {
		t.Errorf("false positive: %q", found)
	}
}

// TestSavedInputDoesNotTripGitleaks: a saved input document carries
// secret_hash values; gitleaks (its default rules) must not report them,
// or the saved input would itself fail the next run. A bare hex digest is
// what it reported before the prefix: the test shows why the prefix is
// there.
func TestSavedInputDoesNotTripGitleaks(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	r.Write("README.md", "# demo\n")
	r.Commit("chore: init")
	for _, c := range canaries("saved") {
		r.Write("conf/"+c.Kind+".txt", file(c))
	}
	in, _ := scan(t, secrets.Options{Dir: r.Dir, History: secrets.HistoryNone})
	var buf bytes.Buffer
	if err := in.Encode(&buf); err != nil {
		t.Fatal(err)
	}
	detect, err := secrets.Detector()
	if err != nil {
		t.Fatal(err)
	}
	if found := detect(buf.String()); len(found) != 0 {
		t.Fatalf("gitleaks finds %d secrets in the saved input: %q", len(found), found)
	}
	for _, s := range in.Secrets {
		if !strings.HasPrefix(s.SecretHash, secrets.HashPrefix) {
			t.Errorf("secret_hash %q lacks the %s prefix", s.SecretHash, secrets.HashPrefix)
		}
	}
	sum := sha256.Sum256([]byte("any secret"))
	bare := `{"secret_hash": "` + hex.EncodeToString(sum[:]) + `"}`
	if len(detect(bare)) == 0 {
		t.Log("gitleaks no longer reports a bare hex secret_hash; the prefix is kept for inputs saved by older versions")
	}
	if found := detect(`{"secret_hash": "` + secrets.Hash("any secret") + `"}`); len(found) != 0 {
		t.Errorf("a prefixed secret_hash is reported: %q", found)
	}
}
