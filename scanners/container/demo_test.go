package container

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/relgate/relgate/engine"
)

var updateDemo = flag.Bool("update-demo", false, "rewrite the demo project's image archive and trivy database")

// The demo project (testdata/demo, `make demo`) ships an image archive and
// the trivy database it is matched against, both built by this test's
// fixtures: an end-of-life Alpine image running as root with a vulnerable
// openssl and lodash. Regenerate with: go test ./scanners/container -run Demo -update-demo
const (
	demoImage = "../../testdata/demo/build/shop.tar"
	demoDB    = "../../testdata/demo-db"
)

func TestDemoImageAndDB(t *testing.T) {
	if *updateDemo {
		if err := os.RemoveAll(filepath.Join(demoDB, "db")); err != nil {
			t.Fatal(err)
		}
		writeDockerArchive(t, demoImage, "registry.example.com/demo-shop:1.0", alpineImage(t))
		writeDB(t, demoDB)
	}
	out := engine.NewInput()
	run, err := New(Options{Dir: "../../testdata/demo", Images: []string{demoImage}, DBDir: demoDB, Offline: true}).Scan(context.Background(), out)
	if err != nil {
		t.Fatalf("scan the demo image: %v (regenerate with -update-demo)", err)
	}
	if run.DBUpdatedAt == nil || len(out.Containers) != 1 || !out.Containers[0].OS.EOL || len(out.Vulnerabilities) != 3 {
		t.Errorf("demo image facts: %d containers %+v, %d vulnerabilities, run %+v", len(out.Containers), out.Containers, len(out.Vulnerabilities), run)
	}
}
