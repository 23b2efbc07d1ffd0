package secrets_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// binDir holds the binaries the end-to-end tests and benchmarks build: the
// relgate CLI and the gitleaks CLI of the module version relgate embeds.
var binDir string

func TestMain(m *testing.M) {
	m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}

var builds struct {
	sync.Mutex
	done map[string]string
	errs map[string]error
}

// buildBinary builds a main package of this module's build graph once per
// test process and returns the binary's path.
func buildBinary(tb testing.TB, name, pkg string) string {
	tb.Helper()
	builds.Lock()
	defer builds.Unlock()
	if p, ok := builds.done[pkg]; ok {
		return p
	}
	if err, ok := builds.errs[pkg]; ok {
		tb.Fatal(err)
	}
	if binDir == "" {
		d, err := os.MkdirTemp("", "relgate-secrets-bin-")
		if err != nil {
			tb.Fatal(err)
		}
		binDir = d
	}
	out := filepath.Join(binDir, name)
	cmd := exec.Command("go", "build", "-o", out, pkg)
	cmd.Dir = filepath.Join("..", "..") // the module root
	cmd.Env = append(os.Environ(), "GOEXPERIMENT=jsonv2")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if builds.done == nil {
		builds.done, builds.errs = map[string]string{}, map[string]error{}
	}
	if err := cmd.Run(); err != nil {
		builds.errs[pkg] = fmt.Errorf("go build %s: %w\n%s", pkg, err, stderr.Bytes())
		tb.Fatal(builds.errs[pkg])
	}
	builds.done[pkg] = out
	return out
}

// relgateBinary is the relgate CLI, built from this tree.
func relgateBinary(tb testing.TB) string {
	return buildBinary(tb, "relgate", "./cmd/relgate")
}

// gitleaksBinary is the gitleaks CLI of the version go.mod pins, built from
// the module cache: the same code the adapter embeds.
func gitleaksBinary(tb testing.TB) string {
	return buildBinary(tb, "gitleaks", "github.com/zricethezav/gitleaks/v8")
}

// runBinary runs a binary and returns its standard output, standard error
// and exit code.
func runBinary(tb testing.TB, bin string, args ...string) (stdout, stderr []byte, code int) {
	tb.Helper()
	cmd := exec.Command(bin, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if err != nil {
		if ee := (*exec.ExitError)(nil); !errors.As(err, &ee) {
			tb.Fatalf("run %s: %v", filepath.Base(bin), err)
		}
	}
	return out.Bytes(), errb.Bytes(), cmd.ProcessState.ExitCode()
}
