package server

import (
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/relgate/relgate/internal/redact"
)

// TestResponsesAreRedacted sends an input whose decode error quotes a
// token: the 400 answer must not carry it, while the same server without a
// redactor would (so the test can fail).
func TestResponsesAreRedacted(t *testing.T) {
	tokenRE := regexp.MustCompile(`tok_[A-Za-z0-9]{20}`)
	tok := "tok_" + strings.Repeat("R3d", 6) + "ab"
	body := `{"apiVersion":"relgate.dev/v1","kind":"ReleaseInput","` + tok + `":1}`
	for _, withRedactor := range []bool{false, true} {
		f := newFixture(t)
		s := newServer(t, f, func(c *Config) {
			if withRedactor {
				c.Redactor = redact.New(func(s string) []string { return tokenRE.FindAllString(s, -1) })
			}
		})
		w := post(t, s.Handler(), "/v1/decision", body)
		if w.Code != 400 {
			t.Fatalf("status %d, want 400: %s", w.Code, w.Body)
		}
		leaked := strings.Contains(w.Body.String(), tok)
		if withRedactor && (leaked || !strings.Contains(w.Body.String(), redact.Mask)) {
			t.Fatalf("the token leaked: %s", w.Body)
		}
		if !withRedactor && !leaked {
			t.Fatalf("without a redactor the error no longer quotes the field; the test cannot fail: %s", w.Body)
		}
		if got := w.Header().Get("Content-Length"); withRedactor && got != "" && got != strconv.Itoa(w.Body.Len()) {
			t.Errorf("Content-Length %s for a body of %d bytes", got, w.Body.Len())
		}
	}
}
