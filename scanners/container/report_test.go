package container

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/report"
)

// TestImageAndIaCFindingsInEveryReport scans a test image and the IaC
// fixture, judges them with the built-in policies for production, and
// checks that every report format shows the image, vulnerability and IaC
// findings with their files — the path `relgate check --image` takes.
func TestImageAndIaCFindingsInEveryReport(t *testing.T) {
	repo := t.TempDir()
	writeDockerArchive(t, filepath.Join(repo, "build", "shop.tar"), "registry.example.com/shop:1.0", alpineImage(t))
	cfgText := "containers:\n  images:\n    - build/shop.tar\n"
	writeFiles(t, repo, files{".relgate.yaml": cfgText})
	in := engine.NewInput()
	in.Release = engine.Release{Environment: "production", Time: time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)}

	img := engine.NewInput()
	if _, err := New(Options{Dir: repo, Images: []string{filepath.Join(repo, "build", "shop.tar")}, DBDir: fixtureDB(t), Offline: true}).Scan(context.Background(), img); err != nil {
		t.Fatalf("image scan: %v", err)
	}
	iac := engine.NewInput()
	if _, err := NewIaC(iacDir).Scan(context.Background(), iac); err != nil {
		t.Fatalf("iac scan: %v", err)
	}
	in.Merge(img)
	in.Merge(iac)

	cfg, err := config.Parse(".relgate.yaml", []byte(cfgText))
	if err != nil {
		t.Fatal(err)
	}
	eng, err := engine.New(context.Background(), engine.Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	d, err := eng.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if d.Result != engine.ResultFail {
		t.Fatalf("result = %s, want fail", d.Result)
	}
	want := map[string]string{} // rule → a path it must be shown with
	for _, f := range append(d.Violations, d.Warnings...) {
		switch {
		case strings.HasPrefix(f.Rule, "IMG"), strings.HasPrefix(f.Rule, "VUL"), strings.HasPrefix(f.Rule, "IAC"):
			want[f.Rule] = f.Location.Path
		}
	}
	for _, rule := range []string{"IMG001", "IMG002", "VUL001", "IAC001"} {
		if _, ok := want[rule]; !ok {
			t.Errorf("decision lacks %s: %+v", rule, want)
		}
	}
	opts := report.Options{Version: "test", Rules: eng.Rules(), ConfigFile: ".relgate.yaml"}
	for _, format := range report.Formats() {
		var buf bytes.Buffer
		if err := report.Write(&buf, format, d, opts); err != nil {
			t.Fatalf("%s: %v", format, err)
		}
		out := strings.ReplaceAll(buf.String(), `\`, "") // markdown escapes
		for rule, path := range want {
			if !strings.Contains(out, rule) || !strings.Contains(out, filepath.Base(path)) {
				t.Errorf("%s report lacks %s at %s", format, rule, path)
			}
		}
	}
}
