package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
)

// childEnv, when set, makes this test binary a server instead of a test
// run: the flood test measures the peak RSS of a process that is only the
// server, not the server plus 2,000 clients.
const childEnv = "RELGATE_TEST_SERVE_CHILD"

type childSpec struct {
	Cert, Key string
	MaxBody   int64
	Limits    Limits
}

func TestMain(m *testing.M) {
	if spec := os.Getenv(childEnv); spec != "" {
		os.Exit(serveChild(spec))
	}
	os.Exit(m.Run())
}

// serveChild serves on a loopback port it prints on stdout, until its
// stdin closes.
func serveChild(spec string) int {
	var cs childSpec
	if err := json.Unmarshal([]byte(spec), &cs); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	cert, err := tls.LoadX509KeyPair(cs.Cert, cs.Key)
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := New(ctx, Config{
		NewEngine: func(ctx context.Context) (*engine.Engine, error) { return engine.New(ctx, engine.Options{}) },
		MaxBody:   cs.MaxBody, Limits: cs.Limits,
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	fmt.Println(ln.Addr().String())
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	if err := s.Serve(ctx, ln, &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}, 10*time.Second); err != nil {
		fmt.Fprintln(os.Stderr, "child:", err)
		return 1
	}
	return 0
}

// procStatus reads a field of /proc/PID/status in bytes.
func procStatus(t *testing.T, pid int, field string) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.SplitSeq(string(data), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("%s: %v", field, err)
			}
			return kb << 10
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// TestFloodBoundsMemory opens 2,000 TLS connections at once on loopback,
// each posting a 500-finding input document (~180 KiB; judging one costs
// ~7 MiB of heap), to a server in a child process. The server must answer
// every one with a decision or 503 + Retry-After, never crash, and keep its
// peak RSS under the ceiling its limits promise. Without the in-flight
// limits the 128 connections it accepts at once would hold ~900 MiB.
func TestFloodBoundsMemory(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the flood test reads the server's peak RSS from /proc: Linux only")
	}
	const (
		clients  = 2000
		findings = 500
		maxBody  = 512 << 10
	)
	// The handshake timeout is long here: 2,000 clients in one process on a
	// busy machine answer their handshakes late, and cutting off slow
	// clients is TestSlowlorisIsCutOff's subject, not this test's.
	limits := Limits{MaxConns: 128, MaxInFlight: 8, MaxInFlightBytes: 1 << 20, ReadHeaderTimeout: 2 * time.Minute}
	// The documented ceiling: 40 × the body budget for judging, twice over
	// for the garbage collector's headroom, and 64 KiB per connection.
	budget := 2*40*limits.MaxInFlightBytes + int64(limits.MaxConns)*64<<10

	dir := t.TempDir()
	cert, pool := selfSigned(t)
	keyDER, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	spec := childSpec{Cert: filepath.Join(dir, "tls.crt"), Key: filepath.Join(dir, "tls.key"), MaxBody: maxBody, Limits: limits}
	if err := os.WriteFile(spec.Cert, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(spec.Key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		t.Fatal(err)
	}
	specJSON, _ := json.Marshal(spec)

	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childEnv+"="+string(specJSON))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	var (
		exitErr error
		gone    bool
	)
	wait := func(d time.Duration) bool {
		if gone {
			return true
		}
		timer := time.NewTimer(d)
		defer timer.Stop()
		select {
		case exitErr = <-exited:
			gone = true
		default:
			select {
			case exitErr = <-exited:
				gone = true
			case <-timer.C:
			}
		}
		return gone
	}
	defer func() {
		_ = stdin.Close()
		if !wait(30 * time.Second) {
			_ = cmd.Process.Kill()
			wait(5 * time.Second)
		}
	}()
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		t.Fatalf("child did not start: %v\n%s", err, stderr.String())
	}
	go func() { exited <- cmd.Wait() }()
	url := "https://" + strings.TrimSpace(addr)
	newClient := func() *http.Client {
		return &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, DisableKeepAlives: true,
		}}
	}
	body := vulnInput(t, findings)
	post := func(c *http.Client) (int, string, error) {
		resp, err := c.Post(url+"/v1/decision", "application/json", bytes.NewReader(body))
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		_, err = io.Copy(io.Discard, resp.Body)
		return resp.StatusCode, resp.Header.Get("Retry-After"), err
	}
	if code, _, err := post(newClient()); code != http.StatusOK {
		t.Fatalf("warm-up decision: %d, %v\n%s", code, err, stderr.String())
	}
	base := procStatus(t, cmd.Process.Pid, "VmRSS")

	var (
		mu     sync.Mutex
		codes  = map[int]int{}
		errs   []string
		noWait int
		wg     sync.WaitGroup
		start  = make(chan struct{})
	)
	for range clients {
		wg.Go(func() {
			c := newClient()
			<-start
			code, retry, err := post(c)
			mu.Lock()
			defer mu.Unlock()
			codes[code]++
			if err != nil {
				errs = append(errs, err.Error())
			}
			if code == http.StatusServiceUnavailable && retry == "" {
				noWait++
			}
		})
	}
	began := time.Now()
	close(start)
	wg.Wait()
	peak := procStatus(t, cmd.Process.Pid, "VmHWM")
	t.Logf("%d clients in %s: answers %v, %d transport errors; RSS %d MiB before, peak %d MiB, ceiling %d MiB",
		clients, time.Since(began).Round(time.Millisecond), codes, len(errs), base>>20, peak>>20, (base+budget)>>20)

	if wait(0) {
		t.Fatalf("the server died under the flood: %v\n%s", exitErr, stderr.String())
	}
	if len(errs) > 0 {
		t.Errorf("%d requests got no answer, e.g. %s\nserver log:\n%.3000s", len(errs), errs[0], stderr.String())
	}
	if codes[http.StatusOK]+codes[http.StatusServiceUnavailable] != clients {
		t.Errorf("answers %v: want only 200 and 503", codes)
	}
	if codes[http.StatusServiceUnavailable] == 0 || codes[http.StatusOK] == 0 {
		t.Errorf("answers %v: want some decisions and some 503s (the flood must saturate the server)", codes)
	}
	if noWait > 0 {
		t.Errorf("%d 503 answers without Retry-After", noWait)
	}
	if peak > base+budget {
		t.Errorf("peak RSS %d MiB is over the ceiling %d MiB (%d MiB at rest + %d MiB for the limits)", peak>>20, (base+budget)>>20, base>>20, budget>>20)
	}
	resp, err := newClient().Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metrics, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{"relgate_http_panics_total 0", `relgate_http_rejected_total{reason="saturated"}`} {
		if !strings.Contains(string(metrics), want) {
			t.Errorf("metrics lack %q", want)
		}
	}
	_ = stdin.Close()
	if !wait(30 * time.Second) {
		t.Error("the server did not shut down within 30 s")
	} else if exitErr != nil {
		t.Errorf("the server did not shut down cleanly: %v\n%s", exitErr, stderr.String())
	}
}
