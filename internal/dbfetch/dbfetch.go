// Package dbfetch holds what the vulnerability database downloads share:
// telling a machine without a network from a failing server, the bounded
// back-off between tries, and the progress a download reports to the
// live display that draws it.
package dbfetch

import (
	"context"
	"errors"
	"net"
	"syscall"
	"time"
)

// NoNetworkError is a download that could not reach its server at all: a
// name that does not resolve, a connection refused or a network that is
// unreachable. Retrying it only makes the user wait.
//
// It deliberately has no Unwrap: retry loops of other libraries (the
// registry client's) ask the chain whether an error is temporary, and a
// DNS failure says it is. Use Cause for the underlying error.
type NoNetworkError struct{ Err error }

func (e *NoNetworkError) Error() string { return e.Err.Error() }

// Cause is the dial or lookup error.
func (e *NoNetworkError) Cause() error { return e.Err }

// IsNoNetwork reports whether err is, or wraps, a failure to reach the
// network: a NoNetworkError, a failed name lookup or a failed dial.
func IsNoNetwork(err error) bool {
	if err == nil {
		return false
	}
	var nn *NoNetworkError
	if errors.As(err, &nn) {
		return true
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENETUNREACH) || errors.Is(err, syscall.EHOSTUNREACH)
}

// Retry says how often and how patiently a download is tried.
type Retry struct {
	// Tries is the number of attempts (DefaultTries when 0).
	Tries int
	// Backoff is the wait before the second try; it doubles after each
	// failed one (DefaultBackoff when 0).
	Backoff time.Duration
}

// DefaultTries and DefaultBackoff are the download policy: three tries,
// one and two seconds apart.
const (
	DefaultTries   = 3
	DefaultBackoff = time.Second
)

// Do runs try until it succeeds, returns an error that is not worth
// retrying (retry reports false), or has been tried Tries times. It
// returns the number of tries made and the last error.
func (r Retry) Do(ctx context.Context, try func(attempt int) (retry bool, err error)) (int, error) {
	tries := r.Tries
	if tries <= 0 {
		tries = DefaultTries
	}
	wait := r.Backoff
	if wait <= 0 {
		wait = DefaultBackoff
	}
	var err error
	for n := 1; ; n++ {
		var again bool
		again, err = try(n)
		if err == nil || !again || n == tries {
			return n, err
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return n, errors.Join(err, ctx.Err())
		case <-t.C:
		}
		wait *= 2
	}
}

// Reason is the part of a no-network error a person needs: the failed
// lookup or dial ("dial tcp: lookup example.com: no such host"), without
// the layers of URLs and operations around it.
func Reason(err error) string {
	for {
		var nn *NoNetworkError
		if !errors.As(err, &nn) {
			break
		}
		err = nn.Cause()
	}
	var op *net.OpError
	if errors.As(err, &op) {
		return op.Error()
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return dns.Error()
	}
	return err.Error()
}
