package scanners_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/scanners"
)

// scannerFunc adapts a function to the orchestrator's interface: the
// orchestrator is what is under test here, not an adapter.
type scannerFunc func(ctx context.Context, out *engine.Input) (engine.ScannerRun, error)

func (f scannerFunc) Scan(ctx context.Context, out *engine.Input) (engine.ScannerRun, error) {
	return f(ctx, out)
}

func TestRunRecordsEveryOutcome(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	jobs := []scanners.Job{
		{Name: "ok", Scanner: scannerFunc(func(_ context.Context, out *engine.Input) (engine.ScannerRun, error) {
			out.Secrets = append(out.Secrets, engine.Secret{RuleID: "r", Where: "tree"})
			return engine.ScannerRun{Version: "1"}, nil
		})},
		{Name: "fails", Scanner: scannerFunc(func(_ context.Context, out *engine.Input) (engine.ScannerRun, error) {
			out.Secrets = append(out.Secrets, engine.Secret{RuleID: "partial"})
			return engine.ScannerRun{}, errors.New("no database")
		})},
		{Name: "panics", Scanner: scannerFunc(func(context.Context, *engine.Input) (engine.ScannerRun, error) {
			panic("boom")
		})},
		{Name: "hangs", Timeout: 50 * time.Millisecond, Scanner: scannerFunc(func(context.Context, *engine.Input) (engine.ScannerRun, error) {
			<-release // ignores its context
			return engine.ScannerRun{}, nil
		})},
		{Name: "skips", Scanner: scannerFunc(func(context.Context, *engine.Input) (engine.ScannerRun, error) {
			return engine.ScannerRun{Status: engine.StatusSkipped}, nil
		})},
	}
	in := engine.NewInput()
	scanners.Run(context.Background(), in, jobs, nil)
	got := map[string]engine.ScannerRun{}
	for _, r := range in.Scanners {
		got[r.Name] = r
	}
	for name, want := range map[string]struct{ status, err string }{
		"ok":     {engine.StatusOK, ""},
		"fails":  {engine.StatusError, "no database"},
		"panics": {engine.StatusError, "scanner panicked: boom"},
		"hangs":  {engine.StatusError, "timed out after 50ms"},
		"skips":  {engine.StatusSkipped, ""},
	} {
		r := got[name]
		if r.Status != want.status || !strings.Contains(r.Error, want.err) {
			t.Errorf("%s: status %q error %q, want %q %q", name, r.Status, r.Error, want.status, want.err)
		}
	}
	// Only the successful scanner's section is kept: a failed scanner's
	// partial output is never presented as complete.
	if len(in.Secrets) != 1 || in.Secrets[0].RuleID != "r" {
		t.Errorf("secrets = %+v, want only the ok scanner's", in.Secrets)
	}
}

func TestRunCanceled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	in := engine.NewInput()
	scanners.Run(ctx, in, []scanners.Job{{Name: "s", Scanner: scannerFunc(func(ctx context.Context, _ *engine.Input) (engine.ScannerRun, error) {
		return engine.ScannerRun{}, ctx.Err()
	})}}, nil)
	if r := in.Scanners[0]; r.Status != engine.StatusError || r.Error != "canceled" {
		t.Errorf("run = %+v, want a canceled error", r)
	}
}

func TestSelect(t *testing.T) {
	if got, _ := scanners.Select(nil, true); strings.Join(got, ",") != "secrets,migrations" {
		t.Errorf("staged default = %v", got)
	}
	if got, _ := scanners.Select([]string{"deps", "deps", " release"}, false); strings.Join(got, ",") != "deps,release" {
		t.Errorf("Select = %v", got)
	}
	if _, err := scanners.Select([]string{"nope"}, false); err == nil {
		t.Error("unknown scanner accepted")
	}
}
