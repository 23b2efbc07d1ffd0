package engine_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
)

// TestRunawayPolicyTimesOut: a policy that loops over too much stops at the
// limit with an error that says so.
func TestRunawayPolicyTimesOut(t *testing.T) {
	dir := t.TempDir()
	writePolicy(t, filepath.Join(dir, "slow.rego"), `package relgate.rules.slow

warn contains "never" if {
	some i in numbers.range(1, 50000)
	some j in numbers.range(1, 50000)
	i * j == -1
}
`)
	e := newEngine(t, engine.Options{Policies: []string{dir}, Timeout: 200 * time.Millisecond})
	_, err := e.Evaluate(context.Background(), releaseInput("dev", "main", "", ""))
	if err == nil || !strings.Contains(err.Error(), "stopped after 200ms: a policy is too slow") {
		t.Fatalf("err = %v", err)
	}
}
