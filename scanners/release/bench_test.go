package release_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/scanners/release"
)

// BenchmarkScan scans a 500-commit history with a release tag every 100
// commits and an untagged HEAD, once over all commits since the previous
// release and once over the whole history through --base.
func BenchmarkScan(b *testing.B) {
	gittest.Isolate(b)
	r := gittest.New(b)
	root := r.Commit("chore: root")
	for release := range 5 {
		r.CommitMany(100, func(i int) gittest.Change {
			kinds := []string{"feat(api): step %d", "fix: step %d", "chore(deps): bump %d", "Plain message %d", "feat!: break %d"}
			return gittest.Change{
				Message: fmt.Sprintf(kinds[i%len(kinds)], i) + "\n\nSome body text.\n\nRefs: #1",
				Files:   map[string]string{fmt.Sprintf("pkg/f%d.go", i%20): fmt.Sprintf("package pkg // %d.%d\n", release, i)},
			}
		})
		if release < 4 {
			r.Tag(fmt.Sprintf("v1.%d.0", release))
		}
	}
	for _, bc := range []struct {
		name, base string
		want       int
	}{
		{"since-previous-release", "", 100},
		{"base-root-500-commits", root, 500},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := release.New(release.Options{Dir: r.Dir, Base: bc.base, Getenv: func(string) string { return "" }})
			for b.Loop() {
				in := engine.NewInput()
				if _, err := s.Scan(context.Background(), in); err != nil {
					b.Fatal(err)
				}
				if len(in.Release.Commits) != bc.want {
					b.Fatalf("commits = %d, want %d", len(in.Release.Commits), bc.want)
				}
			}
		})
	}
}
