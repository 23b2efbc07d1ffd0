package secrets_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math/rand/v2"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/scanners/secrets"
)

// canary is a fake, format-valid secret made up for a test. The values are
// generated at run time so that no secret-shaped string sits in the source.
type canary struct {
	Kind  string
	Rule  string
	Value string
	// Line is how it is written in a file; a PEM key spans several lines.
	Line string
	// Col is the 1-based column of the match on its line; 0 when the match
	// starts before the secret (the generic rule matches the key name too).
	Col int
}

const (
	upper  = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	lower  = "abcdefghijklmnopqrstuvwxyz"
	digits = "0123456789"
	b32    = upper + "234567"
	alnum  = upper + lower + digits
	b64    = alnum + "+/"
)

// canaries makes one secret of each kind; salt makes them differ between
// the places a test plants them.
func canaries(salt string) []canary {
	h := fnv.New64a()
	h.Write([]byte(salt))
	r := rand.New(rand.NewPCG(h.Sum64(), 42))
	pick := func(set string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = set[r.IntN(len(set))]
		}
		return string(b)
	}
	aws := "AKIA" + pick(b32, 16)
	ghp := "ghp_" + pick(alnum, 36)
	slack := "xoxb-" + pick(digits, 12) + "-" + pick(digits, 13) + "-" + pick(alnum, 24)
	var pem strings.Builder
	pem.WriteString("-----BEGIN RSA PRIVATE KEY-----\n")
	for range 4 {
		pem.WriteString(pick(b64, 64) + "\n")
	}
	pem.WriteString("-----END RSA PRIVATE KEY-----")
	generic := pick(lower+digits, 16) + pick(upper, 4) + pick(digits, 4) + pick(lower, 8)
	return []canary{
		{Kind: "aws", Rule: "aws-access-token", Value: aws, Line: "AWS_ACCESS_KEY_ID=" + aws, Col: 19},
		{Kind: "github", Rule: "github-pat", Value: ghp, Line: "token: " + ghp, Col: 8},
		{Kind: "slack", Rule: "slack-bot-token", Value: slack, Line: "slack = " + slack, Col: 9},
		{Kind: "pem", Rule: "private-key", Value: pem.String(), Line: pem.String(), Col: 1},
		{Kind: "generic", Rule: "generic-api-key", Value: generic, Line: `payment_api_secret = "` + generic + `"`},
	}
}

// fragments are the pieces of a canary that must never appear in output:
// the whole value and its random body (the part after the 4-character
// prefix a preview may show), line by line for a PEM key.
func (c canary) fragments() []string {
	out := []string{c.Value}
	for _, l := range strings.Split(c.Value[4:], "\n") {
		if len(l) >= 12 && !strings.Contains(l, "PRIVATE KEY") {
			out = append(out, l)
		}
	}
	return out
}

// assertNoCanary fails when any canary shows in the text.
func assertNoCanary(t testing.TB, what string, text []byte, cs ...[]canary) {
	t.Helper()
	for _, set := range cs {
		for _, c := range set {
			for _, f := range c.fragments() {
				if bytes.Contains(text, []byte(f)) {
					t.Errorf("%s contains the %s canary", what, c.Kind)
					break
				}
			}
		}
	}
}

// file is a canary's file: a comment line, then the canary (at line 2).
func file(c canary) string {
	return "# fixture for the " + c.Kind + " canary\n" + c.Line + "\n"
}

// scan runs the scanner and returns its section of the document, failing
// the test on an error.
func scan(t testing.TB, opts secrets.Options) (*engine.Input, engine.ScannerRun) {
	t.Helper()
	in, run, err := tryScan(opts)
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	return in, run
}

func tryScan(opts secrets.Options) (*engine.Input, engine.ScannerRun, error) {
	s, err := secrets.New(opts)
	if err != nil {
		return nil, engine.ScannerRun{}, err
	}
	in := engine.NewInput()
	run, err := s.Scan(context.Background(), in)
	return in, run, err
}

// captureLogs sends slog's default logger to a buffer at debug level for
// the rest of the test.
func captureLogs(t testing.TB) *bytes.Buffer {
	t.Helper()
	var buf bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	t.Cleanup(func() { slog.SetDefault(prev) })
	return &buf
}

func encode(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// find returns the finding of the rule at the path, failing when there is
// not exactly one.
func find(t testing.TB, in *engine.Input, rule, path string) engine.Secret {
	t.Helper()
	var got []engine.Secret
	for _, s := range in.Secrets {
		if s.RuleID == rule && s.Location.Path == path {
			got = append(got, s)
		}
	}
	if len(got) != 1 {
		t.Fatalf("want one %s finding in %s, got %d; all findings: %s", rule, path, len(got), summary(in))
	}
	return got[0]
}

func summary(in *engine.Input) string {
	var b strings.Builder
	for _, s := range in.Secrets {
		fmt.Fprintf(&b, "\n  %s %s:%d %s %.7s", s.RuleID, s.Location.Path, s.Location.StartLine, s.Where, s.Location.Commit)
	}
	return b.String()
}

// isolated runs the calling top-level test in a fresh process and reports
// true in the parent, which then returns: gitleaks can translate only one
// config that uses [extend] per process.
func isolated(t *testing.T) bool {
	t.Helper()
	const env = "RELGATE_SECRETS_ISOLATED"
	if os.Getenv(env) == t.Name() {
		return false
	}
	cmd := exec.Command(os.Args[0], "-test.run=^"+regexp.QuoteMeta(t.Name())+"$", "-test.v", "-test.count=1")
	cmd.Env = append(os.Environ(), env+"="+t.Name())
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("--- PASS: "+t.Name())) {
		t.Fatalf("isolated run of %s failed: %v\n%s", t.Name(), err, out)
	}
	return true
}
