package engine

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/open-policy-agent/opa/v1/storage"
)

// BaselineEntry names a finding of a previous run by rule and fingerprint.
// Policies read the baseline as data.relgate.baseline: relgate.main reports
// a deny already in it as a known warning, so only new findings fail.
type BaselineEntry struct {
	Rule        string `json:"rule"`
	Fingerprint string `json:"fingerprint"`
}

// BaselineError is a baseline file relgate cannot read.
type BaselineError struct {
	File string
	Err  error
}

func (e *BaselineError) Error() string { return fmt.Sprintf("read baseline %s: %v", e.File, e.Err) }
func (e *BaselineError) Unwrap() error { return e.Err }

// ReadBaseline reads a previous run's findings from a relgate JSON report
// (a Decision), a relgate SARIF log, or a saved input document — which is
// judged with this engine's policies, so its findings are today's reading
// of yesterday's facts. Every finding counts: violations, warnings and
// waived ones.
func (e *Engine) ReadBaseline(ctx context.Context, path string) ([]BaselineEntry, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, &BaselineError{File: path, Err: err}
	}
	var head struct {
		Kind    string            `json:"kind"`
		Version string            `json:"version"`
		Runs    []json.RawMessage `json:"runs"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, &BaselineError{File: path, Err: fmt.Errorf("not a relgate JSON report, SARIF log or input document: %w", err)}
	}
	var out []BaselineEntry
	switch {
	case head.Kind == KindDecision:
		var d Decision
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, &BaselineError{File: path, Err: err}
		}
		out = entriesOf(&d)
	case head.Kind == KindInput:
		in, err := DecodeInput(path, bytes.NewReader(data))
		if err != nil {
			return nil, err
		}
		d, err := e.Evaluate(ctx, in)
		if err != nil {
			return nil, &BaselineError{File: path, Err: err}
		}
		out = entriesOf(d)
	case head.Runs != nil && strings.HasPrefix(head.Version, "2.1"):
		out, err = sarifEntries(data)
		if err != nil {
			return nil, &BaselineError{File: path, Err: err}
		}
	default:
		return nil, &BaselineError{File: path, Err: fmt.Errorf("not a relgate JSON report, SARIF log or input document (kind %q)", head.Kind)}
	}
	slices.SortFunc(out, func(a, b BaselineEntry) int {
		return strings.Compare(a.Rule+"\x00"+a.Fingerprint, b.Rule+"\x00"+b.Fingerprint)
	})
	return slices.Compact(out), nil
}

func entriesOf(d *Decision) []BaselineEntry {
	var out []BaselineEntry
	for _, fs := range [][]Finding{d.Violations, d.Warnings, d.Waived} {
		for _, f := range fs {
			if f.Fingerprint != "" {
				out = append(out, BaselineEntry{Rule: f.Rule, Fingerprint: f.Fingerprint})
			}
		}
	}
	return out
}

// sarifEntries reads the findings of a SARIF log relgate wrote: each
// result's rule id and the fingerprint in its properties.
func sarifEntries(data []byte) ([]BaselineEntry, error) {
	var log struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Name string `json:"name"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID     string `json:"ruleId"`
				Properties struct {
					Fingerprint string `json:"fingerprint"`
				} `json:"properties"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil {
		return nil, err
	}
	var out []BaselineEntry
	for _, run := range log.Runs {
		if run.Tool.Driver.Name != "relgate" {
			return nil, fmt.Errorf("SARIF from %q, not relgate: its results carry no relgate fingerprints", run.Tool.Driver.Name)
		}
		for _, r := range run.Results {
			if r.Properties.Fingerprint != "" {
				out = append(out, BaselineEntry{Rule: r.RuleID, Fingerprint: r.Properties.Fingerprint})
			}
		}
	}
	return out, nil
}

// SetBaseline gives the policies a previous run's findings as
// data.relgate.baseline. Call it before evaluating.
func (e *Engine) SetBaseline(ctx context.Context, entries []BaselineEntry) error {
	v, err := toJSONValue(entries)
	if err != nil {
		return fmt.Errorf("set baseline: %w", err)
	}
	if v == nil {
		v = []any{}
	}
	if err := storage.WriteOne(ctx, e.store, storage.AddOp, storage.MustParsePath("/relgate/baseline"), v); err != nil {
		return fmt.Errorf("set baseline: %w", err)
	}
	return nil
}
