package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sync"
	"syscall"
	"testing"
	"time"
)

var relgateBin struct {
	once sync.Once
	path string
	err  error
	out  []byte
}

// relgateBinary builds bin/relgate once per test process, for the tests
// that need relgate as a process of its own (replicas, signals).
func relgateBinary(t *testing.T) string {
	t.Helper()
	relgateBin.once.Do(func() {
		dir, err := os.MkdirTemp("", "relgate-bin-")
		if err != nil {
			relgateBin.err = err
			return
		}
		relgateBin.path = filepath.Join(dir, "relgate")
		cmd := exec.Command("go", "build", "-buildvcs=false", "-o", relgateBin.path, ".")
		cmd.Env = append(os.Environ(), "GOEXPERIMENT=jsonv2")
		relgateBin.out, relgateBin.err = cmd.CombinedOutput()
	})
	if relgateBin.err != nil {
		t.Fatalf("go build ./cmd/relgate: %v\n%s", relgateBin.err, relgateBin.out)
	}
	return relgateBin.path
}

var listeningAddr = regexp.MustCompile(`msg="relgate serve listening" addr=(\S+)`)

// startServe starts a `relgate serve` process and returns the address it
// logged that it listens on. At the end of the test it is stopped with
// SIGTERM and must exit 0 (a graceful stop); its log is shown on failure.
func startServe(t *testing.T, cmd *exec.Cmd, name string) string {
	t.Helper()
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var (
		mu   sync.Mutex
		log  bytes.Buffer
		addr = make(chan string, 1)
		done = make(chan struct{})
	)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			log.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if m := listeningAddr.FindStringSubmatch(sc.Text()); m != nil {
				addr <- m[1]
			}
		}
	}()
	logged := func() string {
		mu.Lock()
		defer mu.Unlock()
		return log.String()
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-done
		if err := cmd.Wait(); err != nil {
			t.Errorf("%s did not stop cleanly: %v\n%s", name, err, logged())
		}
	})
	select {
	case a := <-addr:
		return a
	case <-done:
		t.Fatalf("%s exited before it listened:\n%s", name, logged())
	case <-time.After(60 * time.Second):
		t.Fatalf("%s did not log that it listens within a minute:\n%s", name, logged())
	}
	return ""
}
