// Package promtest runs a real Prometheus server for tests: Debian's
// prometheus package (.ci/run installs it), with a day of a small shop's
// request history backfilled by promtool, on a loopback port.
//
// The history ends at T0 and queries are made at T0, so what the tests
// measure never depends on the wall clock (StartAt ends it elsewhere):
//   - checkout: 20 req/s, 0.02% errors — a healthy service;
//   - search: 20 req/s, 0.2% errors — a 99.9% budget overspent;
//   - payments: 20 req/s, 0.01% errors, then 3.5% in the last half hour —
//     a fast burn with budget left;
//   - cart: v1.3.0 at 20 req/s with 0.05% errors and fast responses; v1.4.0
//     deployed 15 minutes before the end, 2 req/s, 4% errors, slow
//     (p99 ≈ 0.9 s).
package promtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// T0 is "now" for every measurement: the samples end there.
var T0 = time.Date(2026, 1, 15, 12, 0, 0, 0, time.UTC)

// ErrMissing is a machine without the prometheus package.
var ErrMissing = errors.New("prometheus is not installed: run `bash .ci/deps.sh` (make test runs it)")

// Server is a running test Prometheus.
type Server struct {
	URL  string
	stop func()
}

// Stop ends the server and removes its data.
func (s *Server) Stop() {
	if s != nil && s.stop != nil {
		s.stop()
	}
}

// Main is a TestMain helper: it starts the server, runs the tests and
// stops it. The server (nil) and the start error are handed to the
// package's tests through the pointers.
func Main(m *testing.M, srv **Server, startErr *error) {
	s, err := Start()
	if err != nil {
		fmt.Fprintf(os.Stderr, "promtest: no Prometheus: %v\n", err)
	}
	*srv, *startErr = s, err
	// Since Go 1.15 a TestMain that returns exits with m.Run's code.
	m.Run()
	s.Stop()
}

// Need returns the server's URL, or fails the test: a Prometheus that is
// not installed is a failure naming the command that installs it
// (.ci/deps.sh, which make test runs), never a skip.
func Need(t testing.TB, s *Server, startErr error) string {
	t.Helper()
	if s != nil {
		return s.URL
	}
	t.Fatalf("the test Prometheus did not start: %v", startErr)
	return ""
}

// Start backfills the history ending at T0 into a fresh TSDB and starts
// Prometheus on it; it returns once the data can be queried.
func Start() (*Server, error) { return StartAt(T0) }

// StartAt is Start with the history ending at end instead: a test of a
// command that measures at the wall clock passes the current time.
func StartAt(end time.Time) (*Server, error) {
	prom, err := exec.LookPath("prometheus")
	if err != nil {
		return nil, ErrMissing
	}
	promtool, err := exec.LookPath("promtool")
	if err != nil {
		return nil, ErrMissing
	}
	dir, err := os.MkdirTemp("", "relgate-prometheus-")
	if err != nil {
		return nil, err
	}
	cleanup := func() { _ = os.RemoveAll(dir) }
	fail := func(err error) (*Server, error) {
		cleanup()
		return nil, err
	}
	files, err := writeHistory(dir, end)
	if err != nil {
		return fail(err)
	}
	data := filepath.Join(dir, "data")
	for _, om := range files {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		out, err := exec.CommandContext(ctx, promtool, "tsdb", "create-blocks-from", "openmetrics", "--quiet", om, data).CombinedOutput()
		cancel()
		if err != nil {
			return fail(fmt.Errorf("promtool backfill %s: %w: %s", filepath.Base(om), err, out))
		}
	}
	cfg := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(cfg, []byte("global:\n  scrape_interval: 1m\n"), 0o644); err != nil {
		return fail(err)
	}
	addr, err := FreeAddr()
	if err != nil {
		return fail(err)
	}
	logPath := filepath.Join(dir, "prometheus.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return fail(err)
	}
	logs := func() string {
		b, _ := os.ReadFile(logPath)
		return string(b)
	}
	// The server lives until stop, not until a deadline.
	cmd := exec.CommandContext(context.Background(), prom, "--config.file="+cfg, "--storage.tsdb.path="+data, "--web.listen-address="+addr,
		"--storage.tsdb.retention.time=100y", "--log.level=warn")
	cmd.Stdout, cmd.Stderr = logFile, logFile
	err = cmd.Start()
	if cerr := logFile.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fail(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	stop := func() {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
			fmt.Fprintf(os.Stderr, "promtest: stop prometheus: %v\n", err)
		}
		select {
		case werr := <-done:
			_ = werr // "signal: terminated" is how it ends
		case <-time.After(20 * time.Second):
			if err := cmd.Process.Kill(); err != nil {
				fmt.Fprintf(os.Stderr, "promtest: kill prometheus: %v\n", err)
			}
			werr := <-done
			_ = werr
		}
		cleanup()
	}
	s := &Server{URL: "http://" + addr, stop: stop}
	deadline := time.Now().Add(90 * time.Second)
	for !ready(s.URL) {
		select {
		case err := <-done:
			msg := logs()
			cleanup()
			return nil, fmt.Errorf("prometheus exited: %w: %s", err, msg)
		case <-time.After(200 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			msg := logs()
			stop()
			return nil, fmt.Errorf("prometheus not ready after 90s: %s", msg)
		}
	}
	if err := queryable(s.URL, end); err != nil {
		msg := logs()
		stop()
		return nil, fmt.Errorf("backfilled data not queryable: %w: %s", err, msg)
	}
	return s, nil
}

func ready(base string) bool {
	status, _, err := get(base + "/-/ready")
	return err == nil && status == http.StatusOK
}

// get fetches a URL with a time limit and returns its status and body.
func get(u string) (int, []byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// queryable checks that a backfilled series answers at the end.
func queryable(base string, end time.Time) error {
	q := url.Values{"query": {`sum(http_requests_total{service="checkout"})`}, "time": {strconv.FormatInt(end.Unix(), 10)}}
	_, body, err := get(base + "/api/v1/query?" + q.Encode())
	if err != nil {
		return err
	}
	var r struct {
		Status string `json:"status"`
		Data   struct {
			Result []json.RawMessage `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &r); err != nil {
		return err
	}
	if r.Status != "success" || len(r.Data.Result) != 1 {
		return fmt.Errorf("status %s, %d series", r.Status, len(r.Data.Result))
	}
	return nil
}

// FreeAddr returns a loopback address with a port nobody listens on.
func FreeAddr() (string, error) {
	var lc net.ListenConfig
	l, err := lc.Listen(context.Background(), "tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := l.Addr().String()
	return addr, l.Close()
}

// series is one backfilled counter: its labels and its rate (per second)
// as a function of time.
type series struct {
	name   string
	labels string
	rate   func(t time.Time) float64
	from   time.Time // zero: the start of the history
}

// historySpan is how much history is backfilled. Every two hours is a
// block that promtool writes and syncs, which is what backfilling costs,
// so the history is short: windows longer than it (7d objectives) are
// measured over the samples there are, as Prometheus does.
const historySpan = 26 * time.Hour

// DeployAge is how long before the end of the history cart v1.4.0 was
// deployed.
const DeployAge = 15 * time.Minute

func history(end time.Time) []series {
	deploy := end.Add(-DeployAge)
	constant := func(v float64) func(time.Time) float64 { return func(time.Time) float64 { return v } }
	after := func(at time.Time, before, then float64) func(time.Time) float64 {
		return func(t time.Time) float64 {
			if t.After(at) {
				return then
			}
			return before
		}
	}
	var out []series
	add := func(service, version string, rps, errRatio func(time.Time) float64, from time.Time) {
		lv := fmt.Sprintf(`service="%s"`, service)
		if version != "" {
			lv += fmt.Sprintf(`,version="%s"`, version)
		}
		out = append(out,
			series{"http_requests_total", lv + `,code="200"`, func(t time.Time) float64 { return rps(t) * (1 - errRatio(t)) }, from},
			series{"http_requests_total", lv + `,code="500"`, func(t time.Time) float64 { return rps(t) * errRatio(t) }, from},
		)
	}
	add("checkout", "", constant(20), constant(0.0002), time.Time{})
	add("search", "", constant(20), constant(0.002), time.Time{})
	add("payments", "", constant(20), after(end.Add(-30*time.Minute), 0.0001, 0.035), time.Time{})
	add("cart", "1.3.0", constant(20), constant(0.0005), time.Time{})
	add("cart", "1.4.0", constant(2), constant(0.04), deploy)
	buckets := []string{"0.05", "0.1", "0.25", "0.5", "1", "+Inf"}
	latency := map[string][]float64{
		"1.3.0": {0.95, 0.995, 1, 1, 1, 1},
		"1.4.0": {0.3, 0.5, 0.8, 0.97, 0.995, 1},
	}
	for _, v := range []string{"1.3.0", "1.4.0"} {
		rps, from := 20.0, time.Time{}
		if v == "1.4.0" {
			rps, from = 2, deploy
		}
		for i, le := range buckets {
			share := latency[v][i]
			out = append(out, series{"http_request_duration_seconds_bucket",
				fmt.Sprintf(`service="cart",version="%s",le="%s"`, v, le), constant(rps * share), from})
		}
	}
	return out
}

// writeHistory writes the history as OpenMetrics for promtool, one file
// per day: promtool reads its whole input once per two-hour block, so
// days keep the backfill linear. Samples are two minutes apart, and 30
// seconds for the last three hours, so that short windows have the
// resolution they need.
func writeHistory(dir string, end time.Time) ([]string, error) {
	start := end.Add(-historySpan)
	ss := history(end)
	sort.SliceStable(ss, func(i, j int) bool { return ss[i].name < ss[j].name })
	days := map[int64]*bytes.Buffer{}
	families := map[int64]string{}
	for _, s := range ss {
		var total float64
		prev := time.Time{}
		for t := start; !t.After(end); t = next(t, end) {
			if !s.from.IsZero() && t.Before(s.from) {
				continue
			}
			if !prev.IsZero() {
				// The counter grows by the rate over the step, taken at
				// the step's end: a change of rate lands on a sample.
				total += s.rate(t) * t.Sub(prev).Seconds()
			}
			prev = t
			day := t.Unix() / 86400
			b := days[day]
			if b == nil {
				b = new(bytes.Buffer)
				days[day] = b
			}
			if families[day] != s.name {
				families[day] = s.name
				fmt.Fprintf(b, "# TYPE %s unknown\n", s.name)
			}
			fmt.Fprintf(b, "%s{%s} %s %d\n", s.name, s.labels, strconv.FormatFloat(total, 'f', -1, 64), t.Unix())
		}
	}
	var files []string
	for day, b := range days {
		b.WriteString("# EOF\n")
		p := filepath.Join(dir, fmt.Sprintf("day-%d.om", day))
		if err := os.WriteFile(p, b.Bytes(), 0o644); err != nil {
			return nil, err
		}
		files = append(files, p)
	}
	sort.Strings(files)
	return files, nil
}

func next(t, end time.Time) time.Time {
	if end.Sub(t) > 3*time.Hour {
		return t.Add(2 * time.Minute)
	}
	return t.Add(30 * time.Second)
}
