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

func TestProgressDrawsOnlyWhenAsked(t *testing.T) {
	none := Progress{}.Start("osv npm", 10, 0)
	if r := none.Reader(strings.NewReader("x")); r == nil {
		t.Fatal("a nil bar must pass the reader through")
	}
	none.Finish()

	var buf bytes.Buffer
	bar := Progress{W: &buf, Width: 60}.Start("osv npm", 2048, 1024)
	if _, err := io.Copy(io.Discard, bar.Reader(bytes.NewReader(make([]byte, 1024)))); err != nil {
		t.Fatal(err)
	}
	bar.Finish()
	out := buf.String()
	if !strings.Contains(out, "\rosv npm") || !strings.Contains(out, "100.00%") || !strings.HasSuffix(out, "\n") {
		t.Errorf("bar output %q", out)
	}
}
