package container

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/relgate/relgate/engine"
)

// BenchmarkIaCScan scans the IaC fixture with trivy's checks already
// compiled, as every scan after the first in a process does.
func BenchmarkIaCScan(b *testing.B) {
	s := NewIaC(iacDir)
	if _, err := s.Scan(context.Background(), engine.NewInput()); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Scan(context.Background(), engine.NewInput()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIaCScanFirst includes compiling trivy's embedded checks, the
// cost the first scan of a process (and every trivy CLI run) pays.
func BenchmarkIaCScanFirst(b *testing.B) {
	s := NewIaC(iacDir)
	for b.Loop() {
		regoScanner = newRegoScanner()
		if _, err := s.Scan(context.Background(), engine.NewInput()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkImageScan scans the Alpine docker-save archive against the
// fixture database.
func BenchmarkImageScan(b *testing.B) {
	tmp := b.TempDir()
	archive := filepath.Join(tmp, "shop.tar")
	writeDockerArchive(b, archive, "registry.example.com/shop:1.0", alpineImage(b))
	s := New(Options{Images: []string{archive}, DBDir: fixtureDB(b)})
	for b.Loop() {
		if _, err := s.Scan(context.Background(), engine.NewInput()); err != nil {
			b.Fatal(err)
		}
	}
}
