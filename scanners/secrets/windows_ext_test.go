package secrets_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/relgate/relgate/scanners/secrets"
)

// TestEdgeDetectorFindsWhatGitleaksFindsInTheWholeText: looking only
// around keywords finds every secret gitleaks' rules find in the whole
// text, in the shapes relgate's outputs take: a pretty JSON report, the
// same report minified onto one line, a table, a Markdown page with a
// Kubernetes Secret and a PEM key, and texts where a context keyword or a
// rune that lowercases to ASCII makes gitleaks scan everything.
func TestEdgeDetectorFindsWhatGitleaksFindsInTheWholeText(t *testing.T) {
	windowed, err := secrets.Detector()
	if err != nil {
		t.Fatal(err)
	}
	whole, err := secrets.WholeTextDetector()
	if err != nil {
		t.Fatal(err)
	}
	cs := canaries("windows")
	type finding struct {
		Rule, Message, Path string
		Line                int
	}
	var report []finding
	for i := range 3000 {
		msg := fmt.Sprintf("pkg%d 1.0.%d (npm) in package-lock.json has GHSA-%06d; fixed in 1.0.%d", i, i, i, i+1)
		if i%97 == 0 {
			msg = "the api key field of service " + fmt.Sprint(i) + " is validated"
		}
		if i%701 == 100 {
			// The generic rule's keyword comes before the value, with
			// room between them that a window must reach over.
			msg = "fix: db_password:     " + cs[4].Value
		}
		if c := cs[i%len(cs)]; i%701 == 350 {
			msg = "fix: rotate " + c.Line
		}
		report = append(report, finding{"VUL001", msg, "package-lock.json", i + 1})
	}
	pretty, err := json.MarshalIndent(map[string]any{"apiVersion": "relgate.dev/v1", "violations": report}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	minified, err := json.Marshal(map[string]any{"apiVersion": "relgate.dev/v1", "violations": report})
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	for _, f := range report {
		fmt.Fprintf(&table, "%-8s %-60s %s:%d\n", f.Rule, f.Message, f.Path, f.Line)
	}
	filler := strings.Repeat("| VUL001 | high | pkg 1.0.0 has GHSA-0000; fixed in 1.0.1 | package-lock.json:1 |\n", 400)
	pem := cs[3].Value
	k8s := "apiVersion: v1\nkind: Secret\nmetadata:\n  name: payments\n  namespace: prod\n  labels:\n    app: payments\n    tier: backend\ndata:\n  password: " +
		"c3VwZXJzZWNyZXRwYXNzd29yZDEyMzQ1Njc4OTA=\n"
	markdown := "# Release gate\n\n" + filler + "```yaml\n" + k8s + "```\n\n" + filler + "```\n" + pem + "\n```\n" + filler
	airtable := "pat" + strings.Repeat("Ab1", 4) + "Cd" + "." + strings.Repeat("0123456789abcdef", 4)
	context := "airtable migration notes\n" + filler + filler + "value: " + airtable + "\n"
	// "to\u212aen" lowercases to "token": the only keyword in the text.
	kelvin := filler + "my_to\u212aen = \"" + cs[4].Value + "\"\n" + filler
	for name, text := range map[string]string{
		"pretty json": string(pretty), "minified json": string(minified), "table": table.String(),
		"markdown": markdown, "context keyword": context, "kelvin sign": kelvin, "no keyword": filler,
	} {
		want, got := whole(text), windowed(text)
		slices.Sort(want)
		slices.Sort(got)
		want, got = slices.Compact(want), slices.Compact(got)
		if !slices.Equal(want, got) {
			t.Errorf("%s: around keywords %d secrets %q, whole text %d %q", name, len(got), got, len(want), want)
		}
		if name != "no keyword" && len(want) == 0 {
			t.Errorf("%s: gitleaks finds nothing: the case tests nothing", name)
		}
	}
}
