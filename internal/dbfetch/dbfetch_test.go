package dbfetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"testing"
	"time"
)

func TestRetryIsBounded(t *testing.T) {
	var calls int
	n, err := Retry{Tries: 3, Backoff: time.Millisecond}.Do(context.Background(), func(int) (bool, error) {
		calls++
		return true, errors.New("503")
	})
	if n != 3 || calls != 3 || err == nil {
		t.Errorf("%d tries, %d calls, err %v; want 3 and the last error", n, calls, err)
	}
	n, err = Retry{Tries: 3, Backoff: time.Hour}.Do(context.Background(), func(int) (bool, error) {
		return false, errors.New("404")
	})
	if n != 1 || err == nil {
		t.Errorf("an error not worth retrying: %d tries, %v", n, err)
	}
	n, err = Retry{}.Do(context.Background(), func(a int) (bool, error) { return true, nil })
	if n != 1 || err != nil {
		t.Errorf("success: %d tries, %v", n, err)
	}
}

func TestIsNoNetwork(t *testing.T) {
	dial := &net.OpError{Op: "dial", Net: "tcp", Err: &net.DNSError{Err: "no such host", Name: "osv.invalid", IsNotFound: true}}
	wrapped := fmt.Errorf("download https://osv.invalid/npm/all.zip: %w", dial)
	if !IsNoNetwork(wrapped) || !IsNoNetwork(&NoNetworkError{Err: wrapped}) {
		t.Error("a failed lookup is no network")
	}
	if IsNoNetwork(errors.New("server returned 503")) || IsNoNetwork(io.ErrUnexpectedEOF) || IsNoNetwork(nil) {
		t.Error("a server error or a cut transfer is not 'no network'")
	}
	if got := Reason(&NoNetworkError{Err: fmt.Errorf("update: %w", &NoNetworkError{Err: wrapped})}); got != dial.Error() {
		t.Errorf("Reason = %q, want %q", got, dial.Error())
	}
}

func TestProgressEvents(t *testing.T) {
	none := Progress{}.Start("osv npm", 10, 0)
	if r := none.Reader(strings.NewReader("x")); r == nil {
		t.Fatal("a nil bar must pass the reader through")
	}
	none.Add(3)
	none.Finish()

	var buf bytes.Buffer
	clock := time.Date(2026, 12, 5, 8, 0, 0, 0, time.UTC)
	bar := Progress{W: &buf, Interval: time.Second, Now: func() time.Time { return clock }}.Start("osv npm", 4096, 1024)
	if _, err := io.Copy(io.Discard, bar.Reader(bytes.NewReader(make([]byte, 1024)))); err != nil {
		t.Fatal(err)
	}
	clock = clock.Add(time.Second)
	bar.Add(1024) // an interval later: sent
	bar.Add(10)   // too soon: counted, not sent
	bar.Finish()
	bar.Finish()
	bar.Add(5) // after the end: not sent
	var got []Event
	for _, line := range strings.SplitAfter(buf.String(), "\n") {
		if line == "" {
			continue
		}
		if !strings.HasSuffix(line, "\n") {
			t.Fatalf("an event line without its line feed: %q", line)
		}
		ev, ok := ParseEvent(strings.TrimSuffix(line, "\n"))
		if !ok {
			t.Fatalf("not an event line: %q", line)
		}
		got = append(got, ev)
	}
	want := []Event{
		{Label: "osv npm", Total: 4096, Done: 1024},
		{Label: "osv npm", Total: 4096, Done: 3072},
		{Label: "osv npm", Total: 4096, Done: 3082, End: true},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("events %v, want %v", got, want)
	}

	buf.Reset()
	Progress{W: &buf}.Start("trivy db", -7, 0).Finish()
	if !strings.Contains(buf.String(), `"total":-1`) {
		t.Errorf("an unknown size is -1: %q", buf.String())
	}
	for _, line := range []string{"relgate: trivy: downloaded", EventMark + "{", EventMark + `{"total":3}`, "x" + EventMark + `{"label":"a"}`} {
		if ev, ok := ParseEvent(line); ok {
			t.Errorf("ParseEvent(%q) = %v, want no event", line, ev)
		}
	}
}
