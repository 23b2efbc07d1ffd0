package slo

import (
	"testing"

	"github.com/relgate/relgate/internal/promtest"
)

// T0 is "now" for every measurement against the test Prometheus.
var T0 = promtest.T0

var (
	promSrv *promtest.Server
	promErr error
)

// TestMain runs the package's tests against a real Prometheus with a
// backfilled history (see internal/promtest).
func TestMain(m *testing.M) { promtest.Main(m, &promSrv, &promErr) }

func needPrometheus(t *testing.T) string { return promtest.Need(t, promSrv, promErr) }

func freePort() (string, error) { return promtest.FreeAddr() }
