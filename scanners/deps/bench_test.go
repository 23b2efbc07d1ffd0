package deps

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/relgate/relgate/engine"
)

// benchProject writes a project with n packages in each of npm, Go, PyPI
// and crates.io lockfiles, plus the fixture's vulnerable version of each.
func benchProject(tb testing.TB, n int) string {
	tb.Helper()
	dir := tb.TempDir()
	var npmRoot, npmPkgs, gomod, reqs, cargo strings.Builder
	for i := range n {
		fmt.Fprintf(&npmRoot, "        \"pkg-%d\": \"^1.%d.0\",\n", i, i%7)
		fmt.Fprintf(&npmPkgs, "    \"node_modules/pkg-%d\": {\n      \"version\": \"1.%d.0\",\n      \"resolved\": \"https://registry.npmjs.org/pkg-%d/-/pkg-%d-1.%d.0.tgz\"\n    },\n", i, i%7, i, i, i%7)
		fmt.Fprintf(&gomod, "\texample.com/mod%d v1.%d.0\n", i, i%5)
		fmt.Fprintf(&reqs, "pkg-%d==2.%d.0\n", i, i%9)
		fmt.Fprintf(&cargo, "[[package]]\nname = \"crate-%d\"\nversion = \"0.%d.1\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n", i, i%4)
	}
	write(tb, filepath.Join(dir, "web", "package-lock.json"), fmt.Sprintf(`{
  "name": "web",
  "version": "1.0.0",
  "lockfileVersion": 3,
  "requires": true,
  "packages": {
    "": {
      "name": "web",
      "version": "1.0.0",
      "dependencies": {
%s        "lodash": "4.17.20"
      }
    },
%s    "node_modules/lodash": {
      "version": "4.17.20"
    }
  }
}
`, npmRoot.String(), npmPkgs.String()))
	write(tb, filepath.Join(dir, "svc", "go.mod"), "module example.com/svc\n\ngo 1.21\n\nrequire (\n"+gomod.String()+"\tgolang.org/x/text v0.3.7\n)\n")
	write(tb, filepath.Join(dir, "py", "requirements.txt"), reqs.String()+"requests==2.30.0\n")
	write(tb, filepath.Join(dir, "rs", "Cargo.lock"), "version = 3\n\n"+cargo.String()+"[[package]]\nname = \"time\"\nversion = \"0.2.22\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n")
	return dir
}

// BenchmarkScanOffline is the adapter on a few hundred packages across
// four ecosystems; compare with BenchmarkOSVScannerCLI on the same input.
func BenchmarkScanOffline(b *testing.B) {
	dir, db := benchProject(b, 75), fixtureDB(b)
	s := New(Options{Dir: dir, Offline: true, DBDir: db})
	b.ResetTimer()
	for b.Loop() {
		in := engine.NewInput()
		if _, err := s.Scan(context.Background(), in); err != nil {
			b.Fatal(err)
		}
		if len(in.Vulnerabilities) != 4 {
			b.Fatalf("%d vulnerabilities, want 4", len(in.Vulnerabilities))
		}
	}
}

// BenchmarkDoScan is osv-scanner's library alone with the adapter's
// settings: the adapter's own cost is the difference to BenchmarkScanOffline.
func BenchmarkDoScan(b *testing.B) {
	dir, db := benchProject(b, 75), fixtureDB(b)
	abs, _ := filepath.Abs(dir)
	b.ResetTimer()
	for b.Loop() {
		res, _, err := runOSV(actions(abs, true, db, nil, nil))
		if err := scanError(err); err != nil {
			b.Fatal(err)
		}
		if len(res.Results) != 4 {
			b.Fatalf("%d lockfiles", len(res.Results))
		}
	}
}

// BenchmarkOSVScannerCLI runs the osv-scanner CLI of the same module
// version, built from this module's graph, on the same project and
// database with the same settings (offline, no transitive resolution, all
// packages in the result). It includes the CLI's process start, as a
// user running it pays that too.
func BenchmarkOSVScannerCLI(b *testing.B) {
	bin := osvScannerCLI(b)
	dir, db := benchProject(b, 75), fixtureDB(b)
	args := []string{"scan", "source", "-r", "--offline", "--local-db-path", db, "--all-packages", "--format", "json", dir}
	b.ResetTimer()
	for b.Loop() {
		cmd := exec.Command(bin, args...)
		out, err := cmd.Output()
		// Exit 1 means vulnerabilities were found, which they are.
		var ee *exec.ExitError
		if err != nil && (!errors.As(err, &ee) || ee.ExitCode() != 1) {
			b.Fatalf("osv-scanner: %v", err)
		}
		if !strings.Contains(string(out), "RUSTSEC-2020-0071") {
			b.Fatalf("osv-scanner found nothing:\n%s", out)
		}
	}
}

var (
	cliOnce sync.Once
	cliPath string
	cliErr  error
)

// osvScannerCLI builds osv-scanner's command from the version go.mod
// requires, with a copy of go.mod and go.sum (-modfile) so the CLI's own
// dependencies never touch the repository's. RELGATE_OSV_SCANNER names a
// binary built before, to skip the build.
func osvScannerCLI(b *testing.B) string {
	if p := os.Getenv("RELGATE_OSV_SCANNER"); p != "" {
		return p
	}
	cliOnce.Do(func() {
		tmp, err := os.MkdirTemp("", "relgate-osv-cli-")
		if err != nil {
			cliErr = err
			return
		}
		for _, f := range []string{"go.mod", "go.sum"} {
			data, err := os.ReadFile(filepath.Join("..", "..", f))
			if err != nil {
				cliErr = err
				return
			}
			if err := os.WriteFile(filepath.Join(tmp, f), data, 0o644); err != nil {
				cliErr = err
				return
			}
		}
		cliPath = filepath.Join(tmp, "osv-scanner")
		cmd := exec.Command("go", "build", "-mod=mod", "-modfile", filepath.Join(tmp, "go.mod"), "-o", cliPath,
			"github.com/google/osv-scanner/v2/cmd/osv-scanner")
		cmd.Dir = filepath.Join("..", "..")
		cmd.Env = append(os.Environ(), "GOEXPERIMENT=jsonv2")
		if out, err := cmd.CombinedOutput(); err != nil {
			cliErr = fmt.Errorf("build osv-scanner: %w\n%s", err, out)
		}
	})
	if cliErr != nil {
		b.Skip(cliErr)
	}
	return cliPath
}

// BenchmarkScanLargeLockfile scans one package-lock.json of 50,000
// packages and reports the process's peak RSS: memory must stay bounded.
// Run it alone (-bench LargeLockfile) for the peak to be its own.
func BenchmarkScanLargeLockfile(b *testing.B) { benchLargeLockfile(b, 50_000) }

func benchLargeLockfile(b *testing.B, n int) {
	dir := b.TempDir()
	var root, pkgs strings.Builder
	for i := range n {
		fmt.Fprintf(&root, "        \"pkg-%d\": \"1.0.%d\",\n", i, i%10)
		fmt.Fprintf(&pkgs, "    \"node_modules/pkg-%d\": {\n      \"version\": \"1.0.%d\"\n    },\n", i, i%10)
	}
	write(b, filepath.Join(dir, "package-lock.json"), fmt.Sprintf(`{
  "name": "big",
  "lockfileVersion": 3,
  "packages": {
    "": {
      "name": "big",
      "dependencies": {
%s        "lodash": "4.17.20"
      }
    },
%s    "node_modules/lodash": {
      "version": "4.17.20"
    }
  }
}
`, root.String(), pkgs.String()))
	s := New(Options{Dir: dir, Offline: true, DBDir: fixtureDB(b)})
	b.ResetTimer()
	for b.Loop() {
		in := engine.NewInput()
		run, err := s.Scan(context.Background(), in)
		if err != nil {
			b.Fatal(err)
		}
		if run.Stats["packages"] != int64(n+1) || len(in.Vulnerabilities) != 1 || in.Vulnerabilities[0].Location.StartLine == 0 {
			b.Fatalf("stats %v, %d vulnerabilities", run.Stats, len(in.Vulnerabilities))
		}
	}
	b.StopTimer()
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err == nil {
		scale := 1024.0 // Linux reports kilobytes
		if runtime.GOOS == "darwin" {
			scale = 1
		}
		b.ReportMetric(float64(ru.Maxrss)*scale/(1<<20), "peak-RSS-MB")
	}
}
