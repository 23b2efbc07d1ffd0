package engine

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// DefaultTimeout bounds one evaluation of the policies when the options
// do not say: far above what a real input needs (tens of milliseconds for
// ten thousand findings), low enough that a runaway policy fails a
// pipeline with a clear message instead of hanging it.
const DefaultTimeout = 60 * time.Second

// evalError says which limit an evaluation hit, or wraps OPA's error.
func evalError(ctx context.Context, limit time.Duration, err error) error {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return fmt.Errorf("evaluate policies: stopped after %s: a policy is too slow or loops over too much (find it with relgate policy test, or relgate eval --explain RULE; raise policy.timeout only if the input is truly that large)", limit)
	}
	return fmt.Errorf("evaluate policies: %w", err)
}
