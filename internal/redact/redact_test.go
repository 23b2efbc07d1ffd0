package redact_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/relgate/relgate/internal/redact"
)

// tokenRE stands in for gitleaks' rules: the package must not import them.
var tokenRE = regexp.MustCompile(`tok_[A-Za-z0-9]{16}`)

func detector(text string) []string { return tokenRE.FindAllString(text, -1) }

func TestKnownSecretsAreMaskedInEveryForm(t *testing.T) {
	r := redact.New(nil)
	secret := `s3cr"et<&>value`
	r.Add(secret, "short")
	jsonForm, _ := json.Marshal(map[string]string{"msg": "x " + secret})
	for _, in := range []string{
		"plain " + secret + " end",
		string(jsonForm),
		"<failure>" + strings.NewReplacer(`"`, "&#34;", "<", "&lt;", "&", "&amp;", ">", "&gt;").Replace(secret) + "</failure>",
	} {
		out := r.String(in)
		if strings.Contains(out, "s3cr") || !strings.Contains(out, redact.Mask) {
			t.Errorf("String(%q) = %q: the secret is not masked", in, out)
		}
	}
	if got := r.String("a short word"); got != "a short word" {
		t.Errorf("a secret shorter than MinLen was masked: %q", got)
	}
	if !json.Valid([]byte(r.String(string(jsonForm)))) {
		t.Error("masking broke the JSON document")
	}
}

func TestDetectedSecretsAreMaskedFromThenOn(t *testing.T) {
	r := redact.New(detector)
	tok := "tok_" + strings.Repeat("Ab3", 5) + "Z"
	if out := r.String("subject: add " + tok); strings.Contains(out, tok) {
		t.Fatalf("detected secret not masked: %q", out)
	}
	// The detector found it once: from now on it is masked even where
	// the detector would not see it (a log line split differently).
	if out := r.String(tok[4:] + " " + tok); strings.Contains(out, tok) {
		t.Fatalf("known secret not masked: %q", out)
	}
}

func TestAllowMarkerDoesNotHideASecret(t *testing.T) {
	var seen string
	r := redact.New(func(text string) []string {
		seen = text
		if strings.Contains(strings.ToLower(text), "gitleaks:allow") {
			return nil // as gitleaks does by default
		}
		return detector(text)
	})
	tok := "tok_" + strings.Repeat("Qw9", 5) + "x"
	out := r.String("fix: " + tok + " GITLEAKS:ALLOW")
	if strings.Contains(out, tok) {
		t.Fatalf("an inline gitleaks:allow kept the secret: %q (detector saw %q)", out, seen)
	}
	if !strings.Contains(out, "GITLEAKS:ALLOW") {
		t.Errorf("the output changed beyond the secret: %q", out)
	}
}

func TestLongestSecretWins(t *testing.T) {
	r := redact.New(nil)
	r.Add("abcdefgh", "abcdefghijkl")
	if got := r.String("x abcdefghijkl y"); got != "x "+redact.Mask+" y" {
		t.Errorf("got %q", got)
	}
}

func TestNilRedactorPassesThrough(t *testing.T) {
	var r *redact.Redactor
	r.Add("whatever-secret")
	if r.String("abc") != "abc" || r.Len() != 0 {
		t.Error("a nil redactor changed its input")
	}
	var buf bytes.Buffer
	if err := r.WriteTo(&buf, func(w io.Writer) error { _, err := w.Write([]byte("x")); return err }); err != nil || buf.String() != "x" {
		t.Errorf("WriteTo = %q, %v", buf.String(), err)
	}
}

func TestWriterMasksLogRecords(t *testing.T) {
	r := redact.New(detector)
	var buf bytes.Buffer
	log := slog.New(slog.NewTextHandler(r.Writer(&buf), nil))
	tok := "tok_" + strings.Repeat("Lg7", 5) + "q"
	log.Warn("parse failed", "error", "syntax error at or near \""+tok+"\"")
	if strings.Contains(buf.String(), tok) || !strings.Contains(buf.String(), redact.Mask) {
		t.Fatalf("log line not masked: %s", buf.String())
	}
}

func TestConcurrentUse(t *testing.T) {
	r := redact.New(detector)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok := "tok_" + strings.Repeat(string(rune('a'+i)), 16)
			r.Add("secret-number-" + string(rune('a'+i)))
			if out := r.String("x " + tok); strings.Contains(out, tok) {
				t.Errorf("not masked: %q", out)
			}
		}()
	}
	wg.Wait()
}
