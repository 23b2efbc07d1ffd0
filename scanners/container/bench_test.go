package container

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aquasecurity/trivy/pkg/fanal/walker"

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

// BenchmarkIaCScanNoConfig scans a 2,000-file repository without IaC, as
// `relgate check` does on a small service repository: trivy's checks are
// not loaded. "first" includes setting up trivy's analyzers, which the
// first scan of a process pays; "trivy" is what the scan cost before it
// looked first, in a new process: compiling trivy's checks and running
// them over the repository.
func BenchmarkIaCScanNoConfig(b *testing.B) {
	dir := b.TempDir()
	noConfigRepo(b, dir, 2000)
	b.Run("trivy", func(b *testing.B) {
		for b.Loop() {
			regoScanner = newRegoScanner()
			var found []engine.Misconfiguration
			err := withTrivy(func() (err error) {
				found, err = scanIaC(context.Background(), dir, walker.Option{})
				return err
			})
			if err != nil || len(found) != 0 {
				b.Fatalf("trivy: %s, %v; want nothing", summary(found), err)
			}
		}
	})
	for _, first := range []bool{false, true} {
		b.Run(map[bool]string{false: "warm", true: "first"}[first], func(b *testing.B) {
			s := NewIaC(dir)
			for b.Loop() {
				if first {
					iacGroup = newIaCGroup()
				}
				out := engine.NewInput()
				run, err := s.Scan(context.Background(), out)
				if err != nil {
					b.Fatal(err)
				}
				if len(out.Misconfigurations) != 0 || run.Stats["misconfigurations"] != 0 {
					b.Fatalf("findings in a repository without IaC: %s", summary(out.Misconfigurations))
				}
			}
		})
	}
}
