// Package scanners runs the fact-gathering adapters in parallel and merges
// their sections into one input document.
//
// Adapters live in sub-packages (scanners/release, scanners/secrets, …) and
// return concrete types; this package defines the small interface it needs
// and a static registry by name.
package scanners

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/relgate/relgate/engine"
)

// Scanner gathers one section of the input document. It writes only into
// out, a partial document of its own, and returns its run record with the
// fields only it knows (version, database age, stats). Returning an error
// marks the scanner's status as error: a fact for policy, never a silent
// pass. A scanner with nothing to look at sets Status to skipped.
type Scanner interface {
	Scan(ctx context.Context, out *engine.Input) (engine.ScannerRun, error)
}

// Progress is told when each scanner starts and ends; it may be nil.
type Progress interface {
	Start(name string)
	Done(run engine.ScannerRun)
}

// Job is a named scanner with its time limit.
type Job struct {
	Name    string
	Scanner Scanner
	Timeout time.Duration
}

// Run runs the jobs in parallel and merges their sections into in, adding
// one run record per job. A scanner that fails, panics or overruns its
// timeout is recorded as an error and contributes nothing: partial results
// are never presented as complete.
func Run(ctx context.Context, in *engine.Input, jobs []Job, progress Progress) {
	for _, o := range RunEach(ctx, jobs, progress) {
		if o.Part != nil {
			in.Merge(o.Part)
		}
		in.Scanners = append(in.Scanners, o.Run)
	}
}

// Outcome is one job's section (nil when it failed) and run record.
type Outcome struct {
	Part *engine.Input
	Run  engine.ScannerRun
}

// RunEach runs the jobs in parallel and returns their outcomes in the
// jobs' order.
func RunEach(ctx context.Context, jobs []Job, progress Progress) []Outcome {
	outcomes := make([]Outcome, len(jobs))
	var wg sync.WaitGroup
	for i, job := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if progress != nil {
				progress.Start(job.Name)
			}
			part, run := runOne(ctx, job)
			outcomes[i] = Outcome{part, run}
			if progress != nil {
				progress.Done(run)
			}
		}()
	}
	wg.Wait()
	return outcomes
}

// runOne runs a job under its timeout. The scanner works in its own
// goroutine so that one ignoring its context cannot hold up the gate.
func runOne(ctx context.Context, job Job) (*engine.Input, engine.ScannerRun) {
	if job.Timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, job.Timeout)
		defer cancel()
	}
	start := time.Now()
	type result struct {
		part *engine.Input
		run  engine.ScannerRun
		err  error
	}
	done := make(chan result, 1)
	go func() {
		part := engine.NewInput()
		var r result
		defer func() {
			if p := recover(); p != nil {
				r = result{err: fmt.Errorf("scanner panicked: %v", p)}
			}
			done <- r
		}()
		r.run, r.err = job.Scanner.Scan(ctx, part)
		r.part = part
	}()
	var r result
	select {
	case r = <-done:
	case <-ctx.Done():
		r = result{err: ctx.Err()}
	}
	run := r.run
	run.Name = job.Name
	run.DurationMS = time.Since(start).Milliseconds()
	switch {
	case r.err != nil && errors.Is(ctx.Err(), context.Canceled):
		// The whole run was called off (interrupt, broken policy): the
		// caller says why; this scanner did not fail.
		run.Status = engine.StatusError
		run.Error = "canceled"
		slog.Debug("scanner canceled", "scanner", job.Name)
		return nil, run
	case r.err != nil && errors.Is(ctx.Err(), context.DeadlineExceeded):
		run.Status = engine.StatusError
		run.Error = fmt.Sprintf("timed out after %s", job.Timeout)
		slog.Warn("scanner failed", "scanner", job.Name, "error", run.Error)
		return nil, run
	case r.err != nil:
		run.Status = engine.StatusError
		run.Error = r.err.Error()
		slog.Warn("scanner failed", "scanner", job.Name, "error", run.Error)
		return nil, run
	case run.Status == "":
		run.Status = engine.StatusOK
	case run.Status == engine.StatusSkipped && run.Reason == "":
		// Policy tells a scanner whose area does not apply from missing
		// evidence by its reason: an adapter that forgot to say is the latter.
		run.Reason = engine.ReasonUnknown
	}
	if run.Status != engine.StatusSkipped {
		run.Reason = ""
	}
	return r.part, run
}

// Unselected returns a skipped run record for every known scanner not in
// selected, so the document says what was not looked at instead of leaving
// it out: policy decides whether that evidence was required. A staged
// (pre-commit) run looks only at the staged change, where the others do not
// apply.
func Unselected(selected []string, staged bool) []engine.ScannerRun {
	reason := engine.ReasonNotSelected
	if staged {
		reason = engine.ReasonStagedOnly
	}
	var out []engine.ScannerRun
	for _, n := range Names() {
		if !slices.Contains(selected, n) {
			out = append(out, engine.ScannerRun{Name: n, Status: engine.StatusSkipped, Reason: reason})
		}
	}
	return out
}
