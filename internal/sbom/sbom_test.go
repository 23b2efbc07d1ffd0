package sbom

import (
	"bytes"
	"encoding/json"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestFromBinary builds a real binary (this package's generator) and reads
// its SBOM back: the main module, the build settings, and valid hashes.
func TestFromBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "gen")
	cmd := exec.Command("go", "build", "-o", bin, "./gen")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	d, err := FromBinary(bin, "v1.2.3", time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if d.Metadata.Component.Name != "github.com/relgate/relgate" || d.Metadata.Component.PURL != "pkg:golang/github.com/relgate/relgate@v1.2.3" {
		t.Errorf("main component %+v", d.Metadata.Component)
	}
	var goarch bool
	for _, p := range d.Metadata.Properties {
		goarch = goarch || p.Name == "go:build:GOARCH"
	}
	if !goarch || d.Metadata.Timestamp != "2026-01-02T03:04:05Z" {
		t.Errorf("metadata %+v", d.Metadata)
	}
	for _, c := range d.Components {
		for _, h := range c.Hashes {
			if len(h.Content) != 64 || strings.Trim(h.Content, "0123456789abcdef") != "" {
				t.Errorf("%s: hash %q is not hex SHA-256", c.Name, h.Content)
			}
		}
	}
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back["bomFormat"] != "CycloneDX" || back["specVersion"] != "1.5" {
		t.Errorf("document %v: %s", err, buf.String())
	}
	if _, err := FromBinary(filepath.Join(t.TempDir(), "missing"), "v1", time.Time{}); err == nil {
		t.Error("a missing binary gave an SBOM")
	}
}
