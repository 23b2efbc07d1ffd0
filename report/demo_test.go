package report

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/engine"
)

// demoInput is the demo project's input document as `relgate check
// testdata/demo --save-input` writes it; cmd/relgate's TestDemo fails when
// a scan of the demo no longer produces it (and rewrites it with -update).
const demoInput = "testdata/demo-input.json"

// TestDemoGolden renders every format from a real decision: the built-in
// policies, with the demo's own config, judging the demo's input document.
// Unlike TestGolden's synthetic decision, every rule id, title, severity and
// remediation here is the one the policies ship; go test -update rewrites
// the golden files after a deliberate change.
func TestDemoGolden(t *testing.T) {
	cfg, err := config.Load(filepath.Join("..", "testdata", "demo", config.FileName), false)
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(context.Background(), engine.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(demoInput)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	in, err := engine.DecodeInputLimit(demoInput, f, engine.DefaultMaxInputBytes)
	if err != nil {
		t.Fatal(err)
	}
	d, err := eng.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	// The demo is built to fail, with a finding from every area.
	if d.Result != engine.ResultFail || len(d.Violations) < 8 {
		t.Fatalf("demo decision: %s with %d violations, want fail with one per area", d.Result, len(d.Violations))
	}
	opts := Options{Version: "test", Rules: eng.Rules(), ConfigFile: config.FileName,
		RepositoryURL: "https://github.com/relgate/demo"}
	for _, format := range Formats() {
		t.Run(format, func(t *testing.T) {
			got := render(t, format, d, opts)
			checkGolden(t, format, filepath.Join("testdata", "golden", "demo."+format+"."+goldenExt[format]), got)
		})
	}
}
