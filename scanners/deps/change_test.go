package deps

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relgate/relgate/internal/gittest"
)

// With --base, a vulnerable package is in the change when the change added
// it or moved it to its version; a package in an edited lockfile that was
// already there at base is not.
func TestScanMarksPackagesInChange(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	copyTree(t, filepath.Join("testdata", "repo"), r.Dir)
	base := r.Commit("chore: lockfiles")

	// Downgrade x/text (still vulnerable, now at another version).
	r.Write("svc/go.mod", "module example.com/svc\n\ngo 1.21\n\nrequire golang.org/x/text v0.3.6\n")
	// Edit web's lockfile without touching its lodash entries.
	lock, _ := os.ReadFile(r.Path("web/package-lock.json"))
	r.Write("web/package-lock.json", strings.Replace(string(lock), `    "node_modules/lodash": {`,
		"    \"node_modules/left-pad\": {\n      \"version\": \"1.3.0\"\n    },\n    \"node_modules/lodash\": {", 1))
	r.Commit("build: bump dependencies")
	// A new lockfile, not even committed yet.
	tools, _ := os.ReadFile(r.Path("tools/package-lock.json"))
	r.Write("newsvc/package-lock.json", string(tools))

	in, run, err := scan(t, Options{Dir: r.Dir, Base: base, Offline: true, DBDir: fixtureDB(t)})
	if err != nil {
		t.Fatalf("scan: %v", err)
	}
	want := map[string]bool{
		"newsvc/package-lock.json lodash@4.17.19": true,
		"py/requirements.txt requests@2.30.0":     false,
		"rs/Cargo.lock time@0.2.22":               false,
		"svc/go.mod golang.org/x/text@0.3.6":      true,
		"tools/package-lock.json lodash@4.17.19":  false,
		"web/package-lock.json lodash@4.17.15":    false,
		"web/package-lock.json lodash@4.17.20":    false,
	}
	got := map[string]bool{}
	for _, v := range in.Vulnerabilities {
		got[v.Location.Path+" "+v.Package.Name+"@"+v.Package.Version] = v.InChange
	}
	if len(got) != len(want) {
		t.Errorf("facts %v, want %v", got, want)
	}
	for k, w := range want {
		if g, ok := got[k]; !ok || g != w {
			t.Errorf("%s: in_change %v (found %v), want %v", k, g, ok, w)
		}
	}
	if run.Stats["lockfiles_changed"] != 3 {
		t.Errorf("lockfiles_changed = %d, want 3 (svc/go.mod, web and newsvc package-lock.json)", run.Stats["lockfiles_changed"])
	}
	// The line moved with the edit; the finding still points at it.
	for _, v := range in.Vulnerabilities {
		if v.Location.Path == "svc/go.mod" && v.Location.StartLine != 5 {
			t.Errorf("svc/go.mod line %d, want 5", v.Location.StartLine)
		}
	}
}

func TestScanWithUnknownBaseFails(t *testing.T) {
	gittest.Isolate(t)
	r := gittest.New(t)
	copyTree(t, filepath.Join("testdata", "repo", "py"), r.Dir)
	r.Commit("chore: requirements")
	_, _, err := scan(t, Options{Dir: r.Dir, Base: "no-such-ref", Offline: true, DBDir: fixtureDB(t)})
	if err == nil || !strings.Contains(err.Error(), `resolve base "no-such-ref"`) {
		t.Fatalf("err = %v, want the base named", err)
	}
}
