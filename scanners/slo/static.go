package slo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// maxStatusSize bounds the status file.
const maxStatusSize = 8 << 20

// status is the static source: a file of measured indicators, for gates
// that run without access to the metrics (air-gapped runners, replays).
//
//	apiVersion: relgate.dev/v1
//	kind: SLOStatus
//	objectives:
//	  - name: checkout-availability
//	    service: checkout
//	    sli: {28d: 0.9993, 1h: 0.9991, 5m: 0.999}  # per window; null: no events
//	    value: {10m: 0.21}                          # threshold metrics, for verify
type status struct {
	path string
	byID map[string]statusEntry
	n    int64
}

type statusFile struct {
	APIVersion string        `yaml:"apiVersion"`
	Kind       string        `yaml:"kind"`
	MeasuredAt string        `yaml:"measured_at"`
	Objectives []statusEntry `yaml:"objectives"`
}

type statusEntry struct {
	Name    string              `yaml:"name"`
	Service string              `yaml:"service"`
	SLI     map[string]*float64 `yaml:"sli"`
	Value   map[string]*float64 `yaml:"value"`
}

func readStatus(abs, shown string) (*status, error) {
	data, err := os.ReadFile(abs)
	if err != nil {
		return nil, fmt.Errorf("read SLO status %s: %w", shown, unwrapPath(err))
	}
	if len(data) > maxStatusSize {
		return nil, fmt.Errorf("read SLO status %s: over %d MB", shown, maxStatusSize>>20)
	}
	var f statusFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("parse SLO status %s: %s", shown, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if f.Kind != "SLOStatus" {
		return nil, fmt.Errorf("parse SLO status %s: kind %q, want SLOStatus", shown, f.Kind)
	}
	s := &status{path: shown, byID: map[string]statusEntry{}}
	for _, e := range f.Objectives {
		for w, v := range e.SLI {
			if _, err := parseDuration(w); err != nil {
				return nil, fmt.Errorf("parse SLO status %s: objective %s: window %w", shown, e.Name, err)
			}
			if v != nil && (*v < 0 || *v > 1) {
				return nil, fmt.Errorf("parse SLO status %s: objective %s: sli %v over %s is not a fraction", shown, e.Name, *v, w)
			}
		}
		s.byID[e.Service+"/"+e.Name] = e
	}
	return s, nil
}

func (s *status) name() string   { return "file " + s.path }
func (s *status) queries() int64 { return s.n }

func (s *status) entry(o Objective) (statusEntry, error) {
	e, ok := s.byID[o.Service+"/"+o.Name]
	if !ok {
		return e, fmt.Errorf("%s has no objective %s of service %q", s.path, o.Name, o.Service)
	}
	return e, nil
}

func (s *status) sli(_ context.Context, o Objective, window string, _ time.Time) (float64, bool, error) {
	s.n++
	e, err := s.entry(o)
	if err != nil {
		return 0, false, err
	}
	v, ok := e.SLI[window]
	if !ok {
		return 0, false, fmt.Errorf("%s has no sli over %s for %s", s.path, window, o.Name)
	}
	if v == nil {
		return 0, false, nil
	}
	return *v, true, nil
}

func (s *status) value(_ context.Context, o Objective, window string, _ time.Time) (float64, error) {
	s.n++
	e, err := s.entry(o)
	if err != nil {
		return 0, err
	}
	v, ok := e.Value[window]
	if !ok || v == nil {
		return 0, fmt.Errorf("%s has no value over %s for %s", s.path, window, o.Name)
	}
	return *v, nil
}
