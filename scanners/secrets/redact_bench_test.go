package secrets_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/relgate/relgate/internal/redact"
	"github.com/relgate/relgate/scanners/secrets"
)

// BenchmarkRedactReport masks a JSON report of n findings (about 300 bytes
// each) with gitleaks' default rules, as the edge does for every output.
// One planted token must come out masked, or the benchmark fails.
func BenchmarkRedactReport(b *testing.B) {
	detect, err := secrets.Detector()
	if err != nil {
		b.Fatal(err)
	}
	tok := canaries("bench")[1].Value // a github-pat
	for _, n := range []int{10, 1000, 10000} {
		var sb strings.Builder
		sb.WriteString("{\n  \"violations\": [\n")
		for i := range n {
			msg := fmt.Sprintf("lodash 4.17.%d has a prototype pollution flaw (GHSA-%04d-xxxx-yyyy); the api token key field is validated", i, i)
			if i == n/2 {
				msg = "fix: rotate " + tok
			}
			fmt.Fprintf(&sb, "    {\"rule\": \"VUL001\", \"msg\": %q, \"location\": {\"path\": \"services/%d/package-lock.json\", \"start_line\": %d}, \"fingerprint\": \"sha256:%064x\"},\n", msg, i, i+1, i)
		}
		sb.WriteString("  ]\n}\n")
		text := sb.String()
		b.Run(fmt.Sprintf("findings=%d/bytes=%d", n, len(text)), func(b *testing.B) {
			b.SetBytes(int64(len(text)))
			for b.Loop() {
				out := redact.New(detect).String(text)
				if strings.Contains(out, tok) || !strings.Contains(out, redact.Mask) {
					b.Fatal("the planted token was not masked")
				}
			}
		})
	}
}
