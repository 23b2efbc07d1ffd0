package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestServeChecksFlagsBeforeListening: each bad flag is exit 2 with one
// line, and the socket is never opened: the address is held by the test,
// so a listen attempt would fail differently (exit 3, address in use).
func TestServeChecksFlagsBeforeListening(t *testing.T) {
	tmp := t.TempDir()
	cert, key, _ := writeServingCert(t, tmp)
	sk, pk := mustEd25519(t)
	_, pub := writeKeyPair(t, tmp, "signing", sk, pk)
	hold, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	notDir := writeFile(t, filepath.Join(tmp, "file"), "x")
	base := []string{"serve", "--addr", hold.Addr().String(), "--tls-cert", cert, "--tls-key", key}
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no TLS", []string{"serve", "--addr", hold.Addr().String()}, "--tls-cert and --tls-key are required"},
		{"missing certificate", []string{"serve", "--addr", hold.Addr().String(), "--tls-cert", filepath.Join(tmp, "gone.crt"), "--tls-key", key}, "load TLS certificate"},
		{"key is not a key", []string{"serve", "--addr", hold.Addr().String(), "--tls-cert", cert, "--tls-key", cert}, "load TLS certificate"},
		{"records missing", append(base, "--records", filepath.Join(tmp, "gone"), "--key", pub), "--records " + filepath.Join(tmp, "gone") + ": no such file or directory"},
		{"records not a directory", append(base, "--records", notDir, "--key", pub), "not a directory"},
		{"records without key", append(base, "--records", tmp), "--records needs --key"},
		{"key missing", append(base, "--records", tmp, "--key", filepath.Join(tmp, "gone.pub")), "gone.pub"},
		{"token file missing", append(base, "--token-file", filepath.Join(tmp, "gone.token")), "--token-file"},
		{"budget below body", append(base, "--max-in-flight-bytes", "1000"), "in-flight body budget (1000 bytes) is smaller than the largest body"},
		{"negative limit", append(base, "--max-conns", "-1"), "max connections must not be negative"},
		{"negative timeout", append(base, "--read-header-timeout", "-1s"), "read-header timeout must not be negative"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, _, stderr := cli(t, c.args...)
			if code != exitUsage || !strings.Contains(stderr, c.want) || strings.Count(stderr, "\n") != 1 {
				t.Fatalf("exit %d, want %d with one line containing %q:\n%s", code, exitUsage, c.want, stderr)
			}
		})
	}
}

func TestServeDefaultAddress(t *testing.T) {
	none := func(string) string { return "" }
	noFiles := func(string) bool { return false }
	cases := []struct {
		name      string
		getenv    func(string) string
		exists    func(string) bool
		addr      string
		container bool
		want      string
	}{
		{"host", none, noFiles, "", false, "127.0.0.1:8443"},
		{"kubernetes", func(k string) string { return map[string]string{"KUBERNETES_SERVICE_HOST": "10.0.0.1"}[k] }, noFiles, "", true, ":8443"},
		{"docker", none, func(p string) bool { return p == "/.dockerenv" }, "", true, ":8443"},
		{"podman", none, func(p string) bool { return p == "/run/.containerenv" }, "", true, ":8443"},
		{"explicit wins on the host", none, noFiles, "0.0.0.0:9000", false, "0.0.0.0:9000"},
		{"explicit wins in a container", none, func(string) bool { return true }, "127.0.0.1:9000", true, "127.0.0.1:9000"},
	}
	for _, c := range cases {
		got := inContainer(c.getenv, c.exists)
		if got != c.container {
			t.Errorf("%s: inContainer %v, want %v", c.name, got, c.container)
		}
		if addr := (&serveOptions{addr: c.addr}).listenAddr(got); addr != c.want {
			t.Errorf("%s: address %q, want %q", c.name, addr, c.want)
		}
	}
}

// lockedBuffer is written by the server's goroutines and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestServeLogsListenAndStop: one line when it listens (address, TLS,
// auth, policy digest, records), one when it stops.
func TestServeLogsListenAndStop(t *testing.T) {
	tmp := t.TempDir()
	cert, key, pool := writeServingCert(t, tmp)
	token := writeFile(t, filepath.Join(tmp, "token"), "fake-serve-token-0000\n")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var logs lockedBuffer
	a := &app{stdout: io.Discard, stderr: &logs, logLevel: "info"}
	if err := a.setupLogging(); err != nil {
		t.Fatal(err)
	}
	wd, _ := os.Getwd()
	t.Chdir(tmp)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- a.serve(ctx, &serveOptions{cert: cert, key: key, tokenFile: token, grace: time.Second, mode: "enforce", failurePolicy: "allow"}, ln)
	}()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	waitReady(t, client, "https://"+ln.Addr().String())
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("serve: %v", err)
	}
	_ = os.Chdir(wd)
	out := logs.String()
	var listening, stopped []string
	for line := range strings.SplitSeq(out, "\n") {
		switch {
		case strings.Contains(line, `msg="relgate serve listening"`):
			listening = append(listening, line)
		case strings.Contains(line, `msg="relgate serve stopped"`):
			stopped = append(stopped, line)
		}
	}
	if len(listening) != 1 || len(stopped) != 1 {
		t.Fatalf("want one listening and one stopped line:\n%s", out)
	}
	for _, want := range []string{"addr=" + ln.Addr().String(), "tls=1.2+", "auth=bearer-token", "policy_digest=sha256:", "records=none", "max_in_flight=32"} {
		if !strings.Contains(listening[0], want) {
			t.Errorf("listening line lacks %q: %s", want, listening[0])
		}
	}
	if !strings.Contains(stopped[0], "addr="+ln.Addr().String()) {
		t.Errorf("stopped line lacks the address: %s", stopped[0])
	}
	if strings.Contains(out, "fake-serve-token") {
		t.Error("the token leaked into the log")
	}
}
