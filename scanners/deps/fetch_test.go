package deps

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/relgate/relgate/internal/dbfetch"
)

// fastRetry keeps the tests' back-off short; the policy is the same.
var fastRetry = dbfetch.Retry{Tries: 3, Backoff: time.Millisecond}

// rangeServer serves one ecosystem's archive with http.ServeContent, which
// honours Range and If-Range as Google Cloud Storage does; before serves
// each request first and may answer it instead (true).
type rangeServer struct {
	*httptest.Server
	data     []byte
	mu       sync.Mutex
	requests []*http.Request
}

func newRangeServer(t *testing.T, data []byte, before func(n int, w http.ResponseWriter, r *http.Request) bool) *rangeServer {
	s := &rangeServer{data: data}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.requests = append(s.requests, r.Clone(context.Background()))
		n := len(s.requests)
		s.mu.Unlock()
		if before != nil && before(n, w, r) {
			return
		}
		http.ServeContent(w, r, "all.zip", exportTime, bytes.NewReader(data))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *rangeServer) headers(key string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, r := range s.requests {
		out = append(out, r.Header.Get(key))
	}
	return out
}

// dropHalf answers with the whole archive's length but closes the
// connection after half of it: a transfer cut off.
func dropHalf(data []byte) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Header().Set("Last-Modified", exportTime.Format(http.TimeFormat))
		w.WriteHeader(http.StatusOK)
		w.Write(data[:len(data)/2])
		w.(http.Flusher).Flush()
		conn, _, err := w.(http.Hijacker).Hijack()
		if err == nil {
			conn.Close()
		}
	}
}

func TestDownloadRetriesServerErrors(t *testing.T) {
	data := zipRecords(t, "npm", nil)
	srv := newRangeServer(t, data, func(n int, w http.ResponseWriter, _ *http.Request) bool {
		if n <= 2 {
			http.Error(w, "backend error", http.StatusServiceUnavailable)
			return true
		}
		return false
	})
	db := t.TempDir()
	got, err := UpdateDB(context.Background(), UpdateOptions{Dir: db, BaseURL: srv.URL, Ecosystems: []string{"npm"}, Retry: fastRetry, Now: updateNow})
	if err != nil || len(got) != 1 {
		t.Fatalf("update after two 503s: %v", err)
	}
	if n := len(srv.headers("Range")); n != 3 {
		t.Errorf("%d requests, want 3 (two failures, one success)", n)
	}
	if installed, _ := os.ReadFile(ArchivePath(db, "npm")); !bytes.Equal(installed, data) {
		t.Error("the installed archive is not the served one")
	}

	// Three failures are the end of it: the error names the last status.
	always := newRangeServer(t, data, func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		http.Error(w, "backend error", http.StatusServiceUnavailable)
		return true
	})
	_, err = UpdateDB(context.Background(), UpdateOptions{Dir: db, BaseURL: always.URL, Ecosystems: []string{"npm"}, Retry: fastRetry, Now: updateNow})
	if err == nil || !strings.Contains(err.Error(), "503") || len(always.headers("Range")) != 3 {
		t.Errorf("err %v after %d requests; want a 503 after 3", err, len(always.headers("Range")))
	}
	// A client error is not retried.
	gone := newRangeServer(t, data, func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		http.NotFound(w, nil)
		return true
	})
	if _, err := UpdateDB(context.Background(), UpdateOptions{Dir: db, BaseURL: gone.URL, Ecosystems: []string{"npm"}, Retry: fastRetry}); err == nil || len(gone.headers("Range")) != 1 {
		t.Errorf("404: err %v after %d requests, want 1", err, len(gone.headers("Range")))
	}
}

// A transfer cut off halfway goes on from where it stopped, with a Range
// request guarded by If-Range, and the whole file is checked at the end.
func TestDownloadResumesWithRange(t *testing.T) {
	data := zipRecords(t, "npm", nil)
	srv := newRangeServer(t, data, func(n int, w http.ResponseWriter, _ *http.Request) bool {
		if n == 1 {
			dropHalf(data)(w)
			return true
		}
		return false
	})
	db := t.TempDir()
	if _, err := UpdateDB(context.Background(), UpdateOptions{Dir: db, BaseURL: srv.URL, Ecosystems: []string{"npm"}, Retry: fastRetry, Now: updateNow}); err != nil {
		t.Fatal(err)
	}
	ranges, ifRanges := srv.headers("Range"), srv.headers("If-Range")
	if want := "bytes=" + strconv.Itoa(len(data)/2) + "-"; len(ranges) != 2 || ranges[0] != "" || ranges[1] != want || ifRanges[1] == "" {
		t.Errorf("requests' Range %q, If-Range %q; want the second to ask for %q", ranges, ifRanges, want)
	}
	if installed, _ := os.ReadFile(ArchivePath(db, "npm")); !bytes.Equal(installed, data) {
		t.Error("the resumed archive is not the served one")
	}
	if _, err := os.Stat(filepath.Join(db, "osv-scalibr", "npm", partialName)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the partial file outlived the install: %v", err)
	}
}

// An interrupted `db update` leaves the partial file; the next one asks only
// for the rest. A server that ignores the range (200) starts it over.
func TestDownloadResumesAcrossRuns(t *testing.T) {
	data := zipRecords(t, "npm", nil)
	var cut atomic.Bool
	cut.Store(true)
	srv := newRangeServer(t, data, func(_ int, w http.ResponseWriter, _ *http.Request) bool {
		if cut.Load() {
			dropHalf(data)(w)
			return true
		}
		return false
	})
	db := t.TempDir()
	opts := UpdateOptions{Dir: db, BaseURL: srv.URL, Ecosystems: []string{"npm"}, Retry: dbfetch.Retry{Tries: 1}, Now: updateNow}
	if _, err := UpdateDB(context.Background(), opts); err == nil {
		t.Fatal("a cut-off transfer was installed")
	}
	partial := filepath.Join(db, "osv-scalibr", "npm", partialName)
	if info, err := os.Stat(partial); err != nil || info.Size() != int64(len(data)/2) {
		t.Fatalf("partial file after the cut: %v, %v", info, err)
	}
	cut.Store(false)
	if _, err := UpdateDB(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if ranges := srv.headers("Range"); ranges[len(ranges)-1] != "bytes="+strconv.Itoa(len(data)/2)+"-" {
		t.Errorf("second run's Range %q, want the rest", ranges[len(ranges)-1])
	}
	if installed, _ := os.ReadFile(ArchivePath(db, "npm")); !bytes.Equal(installed, data) {
		t.Error("the archive resumed across runs is not the served one")
	}

	// A server that ignores Range sends the whole archive: start over.
	whole := newRangeServer(t, data, func(_ int, w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data)
		return true
	})
	if err := os.WriteFile(partial, []byte("stale bytes of another archive"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(partial, time.Time{}, exportTime); err != nil {
		t.Fatal(err)
	}
	opts.BaseURL = whole.URL
	if _, err := UpdateDB(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	if whole.headers("Range")[0] == "" {
		t.Error("the partial file was not offered for resumption")
	}
	if installed, _ := os.ReadFile(ArchivePath(db, "npm")); !bytes.Equal(installed, data) {
		t.Error("a 200 answer to a range request was appended to the partial file")
	}
}

// A corrupt archive never replaces the database, and is not kept to be
// resumed: the next update starts over.
func TestDownloadCorruptArchiveKeepsOldDatabase(t *testing.T) {
	good := zipRecords(t, "npm", nil)
	corrupt := append([]byte(nil), good...)
	copy(corrupt[len(corrupt)/2:], bytes.Repeat([]byte{0xff}, 64))
	var serve atomic.Pointer[[]byte]
	serve.Store(&good)
	srv := newRangeServer(t, nil, func(_ int, w http.ResponseWriter, r *http.Request) bool {
		http.ServeContent(w, r, "all.zip", exportTime, bytes.NewReader(*serve.Load()))
		return true
	})
	db := t.TempDir()
	opts := UpdateOptions{Dir: db, BaseURL: srv.URL, Ecosystems: []string{"npm"}, Retry: fastRetry, Now: updateNow}
	if _, err := UpdateDB(context.Background(), opts); err != nil {
		t.Fatal(err)
	}
	serve.Store(&corrupt)
	_, err := UpdateDB(context.Background(), opts)
	if err == nil || !strings.Contains(err.Error(), "validate") {
		t.Fatalf("err = %v, want the corrupt archive refused", err)
	}
	if installed, _ := os.ReadFile(ArchivePath(db, "npm")); !bytes.Equal(installed, good) {
		t.Error("the corrupt archive replaced the database")
	}
	if left, _ := filepath.Glob(filepath.Join(db, "osv-scalibr", "npm", ".*")); len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

// Without a network the update says so at the first refused dial: no
// retry, and no other ecosystem is tried.
func TestDownloadNoNetworkFailsAtFirstDial(t *testing.T) {
	var dials atomic.Int32
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
		dials.Add(1)
		return nil, &net.OpError{Op: "dial", Net: network, Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}
	}}}
	_, err := UpdateDB(context.Background(), UpdateOptions{
		Dir: t.TempDir(), BaseURL: "http://osv.invalid", Ecosystems: []string{"npm", "Go", "PyPI", "crates.io"},
		HTTPClient: client, Retry: dbfetch.Retry{Tries: 3, Backoff: time.Hour},
	})
	if !dbfetch.IsNoNetwork(err) {
		t.Fatalf("err = %v, want a no-network error", err)
	}
	if n := dials.Load(); n != 1 {
		t.Errorf("%d dials, want 1", n)
	}
	if got := dbfetch.Reason(err); !strings.Contains(got, "connection refused") || strings.Contains(got, "osv.invalid/") {
		t.Errorf("reason %q, want the dial error alone", got)
	}
}
