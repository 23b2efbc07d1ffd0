package container

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/gittest"
	"github.com/relgate/relgate/internal/skip"
)

// TestIaCInChange: with a base, a finding in a file the change touched is
// in the change, one in a file it left alone is not; without a base the
// fact is absent (no change is under review).
func TestIaCInChange(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	dockerfile := "FROM alpine:3.20\nRUN apk add --no-cache curl\n"
	r.Write("Dockerfile", dockerfile)
	r.Commit("base: an image that runs as root")
	r.Branch("feature")
	r.Write("svc/Dockerfile", dockerfile)
	r.Commit("feat: a second image, also root")

	scan := func(base string) []engine.Misconfiguration {
		t.Helper()
		out := engine.NewInput()
		if _, err := NewIaCWith(IaCOptions{Dir: r.Dir, Base: base}).Scan(context.Background(), out); err != nil {
			t.Fatalf("scan (base %q): %v", base, err)
		}
		return out.Misconfigurations
	}
	ms := scan("main")
	old, fresh := find(ms, "DS-0002", "Dockerfile"), find(ms, "DS-0002", "svc/Dockerfile")
	if len(old) != 1 || len(fresh) != 1 {
		t.Fatalf("want DS-0002 in both Dockerfiles, got %s", summary(ms))
	}
	if old[0].InChange == nil || *old[0].InChange {
		t.Errorf("the base's Dockerfile: in_change %v, want false", old[0].InChange)
	}
	if fresh[0].InChange == nil || !*fresh[0].InChange {
		t.Errorf("the change's Dockerfile: in_change %v, want true", fresh[0].InChange)
	}
	for _, m := range scan("") {
		if m.InChange != nil {
			t.Errorf("%s@%s: in_change %v without a base, want absent", m.ID, m.Location.Path, *m.InChange)
		}
	}
}

// TestIaCSkipPaths: --skip-dirs and --skip-files keep trivy's walker, the
// check for files trivy claims and the parse check out of those paths.
func TestIaCSkipPaths(t *testing.T) {
	dir := t.TempDir()
	root := "FROM alpine:3.20\nRUN apk add --no-cache curl\n"
	writeFiles(t, dir, files{
		"Dockerfile":                  root,
		"examples/Dockerfile":         root,
		"examples/broken.tf":          "resource \"x\" {\n",
		"deploy/Dockerfile.generated": root,
	})
	scan := func(sp *skip.Paths) []string {
		t.Helper()
		out := engine.NewInput()
		if _, err := NewIaCWith(IaCOptions{Dir: dir, Skip: sp}).Scan(context.Background(), out); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, m := range out.Misconfigurations {
			got = append(got, cmp.Or(m.ID, "parse")+"@"+m.Location.Path)
		}
		slices.Sort(got)
		return slices.Compact(got)
	}
	all := scan(nil)
	for _, want := range []string{"DS-0002@Dockerfile", "DS-0002@examples/Dockerfile", "parse@examples/broken.tf", "DS-0002@deploy/Dockerfile.generated"} {
		if !slices.Contains(all, want) {
			t.Fatalf("without skips, %s is missing: %v", want, all)
		}
	}
	sp, err := skip.New([]string{"examples"}, []string{"**/*.generated"})
	if err != nil {
		t.Fatal(err)
	}
	got := scan(sp)
	for _, m := range got {
		if !strings.HasSuffix(m, "@Dockerfile") {
			t.Errorf("skipped path scanned: %s (all: %v)", m, got)
		}
	}
	if !slices.Contains(got, "DS-0002@Dockerfile") {
		t.Errorf("the root Dockerfile must still be checked: %v", got)
	}

	// Nothing left that trivy checks: its checks are not even loaded.
	sp, _ = skip.New([]string{"examples", "deploy"}, []string{"Dockerfile"})
	if got := scan(sp); len(got) != 0 {
		t.Errorf("everything skipped, yet: %v", got)
	}
}
