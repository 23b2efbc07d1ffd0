package container

import (
	"context"
	"testing"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/gittest"
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
