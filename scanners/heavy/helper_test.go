package heavy_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relgate/relgate/config"
	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/scanners"
	"github.com/relgate/relgate/scanners/deps"
	_ "github.com/relgate/relgate/scanners/heavy"
)

var helper struct {
	once sync.Once
	path string
	err  error
}

// helperBinary builds relgate-scanners once per test process. It is built
// without VCS stamps, like this test binary, so that the two identify as
// the same build.
func helperBinary(t *testing.T) string {
	t.Helper()
	helper.once.Do(func() {
		dir, err := os.MkdirTemp("", "relgate-scanners-")
		if err != nil {
			helper.err = err
			return
		}
		helper.path = filepath.Join(dir, scanners.HelperName)
		cmd := exec.Command("go", "build", "-buildvcs=false", "-o", helper.path, "./cmd/relgate-scanners")
		cmd.Dir = filepath.Join("..", "..")
		cmd.Env = append(os.Environ(), "GOEXPERIMENT=jsonv2")
		if out, err := cmd.CombinedOutput(); err != nil {
			helper.err = err
			helper.path = string(out)
		}
	})
	if helper.err != nil {
		t.Fatalf("go build ./cmd/relgate-scanners: %v\n%s", helper.err, helper.path)
	}
	return helper.path
}

// demo is a copy of the demo project: a lockfile with known
// vulnerabilities in the offline database, a Dockerfile and Terraform.
func demo(t *testing.T) scanners.Target {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", "..", "testdata"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if err := os.CopyFS(dir, os.DirFS(filepath.Join(root, "demo"))); err != nil {
		t.Fatal(err)
	}
	return scanners.Target{Dir: dir, Offline: true, DBDir: filepath.Join(root, "demo-db")}
}

// gather runs the named scanners for the target and returns the document.
func gather(t *testing.T, target scanners.Target, names ...string) *engine.Input {
	t.Helper()
	cfg, err := config.Load(filepath.Join(target.Dir, config.FileName), true)
	if err != nil {
		t.Fatal(err)
	}
	jobs, err := scanners.NewJobs(names, target, cfg, 5*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	in := engine.NewInput()
	scanners.Run(context.Background(), in, jobs, nil)
	return in
}

// facts is the document without what differs between two runs (the
// scanners' durations).
func facts(t *testing.T, in *engine.Input) string {
	t.Helper()
	for i := range in.Scanners {
		in.Scanners[i].DurationMS = 0
	}
	slices.SortFunc(in.Scanners, func(a, b engine.ScannerRun) int { return strings.Compare(a.Name, b.Name) })
	data, err := json.MarshalIndent(in, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// TestHelperGathersWhatTheLinkedScannersGather: relgate-scanners, run as
// relgate runs it, gives the same facts as the scanners linked in process.
func TestHelperGathersWhatTheLinkedScannersGather(t *testing.T) {
	target := demo(t)
	inProcess := gather(t, target, "deps", "iac", "containers")
	target.Helper = helperBinary(t)
	viaHelper := gather(t, target, "deps", "iac", "containers")
	for _, run := range viaHelper.Scanners {
		if run.Status != engine.StatusOK {
			t.Errorf("scanner %s: %s %s", run.Name, run.Status, run.Error)
		}
	}
	if len(viaHelper.Vulnerabilities) == 0 || len(viaHelper.Misconfigurations) == 0 {
		t.Fatalf("the helper found %d vulnerabilities and %d misconfigurations in the demo", len(viaHelper.Vulnerabilities), len(viaHelper.Misconfigurations))
	}
	if a, b := facts(t, inProcess), facts(t, viaHelper); a != b {
		t.Errorf("the helper's facts differ from the linked scanners':\n--- in process\n%s\n--- helper\n%s", a, b)
	}
}

// TestMissingHelperIsAnErrorFact: without relgate-scanners the scanners it
// runs are errors that say how to install it; nothing passes for lack of it.
func TestMissingHelperIsAnErrorFact(t *testing.T) {
	target := demo(t)
	target.Helper = filepath.Join(t.TempDir(), "nowhere", scanners.HelperName)
	in := gather(t, target, "deps", "iac")
	if len(in.Scanners) != 2 {
		t.Fatalf("runs %+v", in.Scanners)
	}
	for _, run := range in.Scanners {
		if run.Status != engine.StatusError || !strings.Contains(run.Error, target.Helper) {
			t.Errorf("%s: %s %q, want an error naming %s", run.Name, run.Status, run.Error, target.Helper)
		}
	}
	t.Setenv(scanners.HelperEnv, "")
	t.Setenv("PATH", t.TempDir())
	if _, err := scanners.FindHelper(); err == nil || !strings.Contains(err.Error(), "go install github.com/relgate/relgate/cmd/relgate-scanners@") {
		t.Errorf("FindHelper without a helper: %v, want the install command", err)
	}
}

// TestHelperRefusesAnotherBuild: a helper from another build would gather
// facts this relgate's policies may not expect; it says so instead.
func TestHelperRefusesAnotherBuild(t *testing.T) {
	path := helperBinary(t)
	old := scanners.ReleaseVersion
	scanners.ReleaseVersion = "v0.0.0-other"
	t.Cleanup(func() { scanners.ReleaseVersion = old })
	target := demo(t)
	target.Helper = path
	in := gather(t, target, "deps")
	run := in.Scanners[0]
	if run.Status != engine.StatusError || !strings.Contains(run.Error, "cannot serve relgate \"v0.0.0-other\"") {
		t.Fatalf("deps via a helper of another build: %s %q", run.Status, run.Error)
	}
}

// TestHelperTimeoutIsAnErrorFact: the scanners' time limit holds in the
// helper, and is reported as relgate reports it in process.
func TestHelperTimeoutIsAnErrorFact(t *testing.T) {
	target := demo(t)
	target.Helper = helperBinary(t)
	cfg := &config.Config{}
	jobs, err := scanners.NewJobs([]string{"deps"}, target, cfg, time.Nanosecond)
	if err != nil {
		t.Fatal(err)
	}
	in := engine.NewInput()
	scanners.Run(context.Background(), in, jobs, nil)
	if run := in.Scanners[0]; run.Status != engine.StatusError || !strings.Contains(run.Error, "timed out") {
		t.Fatalf("deps under a 1ns limit via the helper: %s %q", run.Status, run.Error)
	}
}

// TestHelperUpdatesDatabases: `relgate db update` through the helper
// relays its report, and its failure as the error.
func TestHelperUpdatesDatabases(t *testing.T) {
	path := helperBinary(t)
	var out, errOut bytes.Buffer
	empty := t.TempDir()
	req := scanners.DBUpdate{Dir: empty, DBDir: t.TempDir(), Sources: []string{"osv"}, Helper: path}
	if err := scanners.UpdateDB(context.Background(), req, &out, &errOut); err != nil {
		t.Fatalf("update with nothing to update: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(out.String(), "osv: nothing to update: no lockfiles in "+empty) {
		t.Errorf("report %q", out.String())
	}
	req.Ecosystems, req.URL = []string{"npm"}, "http://127.0.0.1:1"
	out.Reset()
	errOut.Reset()
	err := scanners.UpdateDB(context.Background(), req, &out, &errOut)
	if err == nil || !strings.HasPrefix(err.Error(), "no network: osv database not updated (dial tcp 127.0.0.1:1: ") {
		t.Fatalf("update from a closed port: %v, want the helper's no-network error", err)
	}
	// The error is relgate's to print: the helper's stderr does not repeat it.
	if strings.Contains(errOut.String(), "no network") {
		t.Errorf("the helper's error was relayed on stderr too: %q", errOut.String())
	}
}

// TestRelgateDoesNotLinkTheHeavyScanners: the point of the helper. relgate
// itself must not import trivy or osv-scanner, or every command pays for
// them again.
func TestRelgateDoesNotLinkTheHeavyScanners(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "./cmd/relgate")
	cmd.Dir = filepath.Join("..", "..")
	cmd.Env = append(os.Environ(), "GOEXPERIMENT=jsonv2")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps ./cmd/relgate: %v", err)
	}
	for _, pkg := range strings.Fields(string(out)) {
		for _, heavy := range []string{"github.com/aquasecurity/trivy", "github.com/google/osv-scanner", "github.com/google/osv-scalibr", "github.com/relgate/relgate/scanners/heavy", "github.com/relgate/relgate/scanners/deps", "github.com/relgate/relgate/scanners/container"} {
			if pkg == heavy || strings.HasPrefix(pkg, heavy+"/") {
				t.Errorf("relgate links %s", pkg)
			}
		}
	}
}

func TestDefaultOSVURLIsTheAdapters(t *testing.T) {
	if scanners.DefaultOSVDBURL != deps.DefaultDBURL {
		t.Fatalf("scanners.DefaultOSVDBURL %q, deps.DefaultDBURL %q", scanners.DefaultOSVDBURL, deps.DefaultDBURL)
	}
}

// TestHelperReadsTheConfigRelgateRead: with --config elsewhere, the helper
// reads that file, not the root's .relgate.yaml.
func TestHelperReadsTheConfigRelgateRead(t *testing.T) {
	target := demo(t)
	db := target.DBDir
	target.DBDir, target.Helper = "", helperBinary(t)
	// The root's config names a database beside the project, which the
	// copy does not have: read, it fails the deps scanner.
	target.ConfigPath = filepath.Join(t.TempDir(), "elsewhere.yaml")
	if err := os.WriteFile(target.ConfigPath, []byte("deps:\n  offline: true\n  db_dir: "+db+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	in := gather(t, target, "deps")
	if run := in.Scanners[0]; run.Status != engine.StatusOK || len(in.Vulnerabilities) == 0 {
		t.Fatalf("deps via the helper with --config %s: %s %q, %d vulnerabilities", target.ConfigPath, run.Status, run.Error, len(in.Vulnerabilities))
	}
	target.ConfigPath = ""
	in = gather(t, target, "deps")
	if run := in.Scanners[0]; run.Status != engine.StatusError {
		t.Fatalf("deps via the helper with the root's config (a database that is not there): %s, %d vulnerabilities", run.Status, len(in.Vulnerabilities))
	}
}
