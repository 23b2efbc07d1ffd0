// Package slo measures a release's service-level objectives: for every
// objective (from OpenSLO v1 files or relgate's compact form) its
// indicator over the SLO window, the error budget left, and the burn rate
// over a short and a long alerting window, read from a Prometheus server
// (or, offline, from a status file). After a deploy (--stage verify) it
// also measures each objective over the last minutes — the error rate or
// the latency of the new version — for the rollback triggers.
//
// An objective that cannot be measured (Prometheus down, a query error,
// an empty result) is a fact with its error, never a pass. The package
// judges nothing: policies/rules/slo.rego does.
package slo

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/relgate/relgate/engine"
)

// Sources of measurements.
const (
	SourcePrometheus = "prometheus"
	SourceStatic     = "static"
)

// Kinds of objectives.
const (
	KindRatio     = "ratio"
	KindThreshold = "threshold"
)

// Defaults of the alerting and verification windows: the SRE workbook's
// page-level pair (5m and 1h) and a ten-minute look after a deploy.
const (
	DefaultShortWindow  = "5m"
	DefaultLongWindow   = "1h"
	DefaultSliceWindow  = "5m"
	DefaultVerifyWindow = "10m"
)

// Objective is one objective to measure, however it was defined.
type Objective struct {
	Name    string
	Service string
	Kind    string
	// Target is the objective as a fraction (0.999).
	Target float64
	Window string
	// Ratio objectives: Good or Bad, and Total. Counter queries are
	// selectors of counters, measured with increase() over each window;
	// otherwise they are complete queries using {{.window}}.
	Counter          bool
	Good, Bad, Total string
	// Threshold objectives: the share of SliceWindow slices in which
	// Query (using {{.window}} for the slice) Op Threshold held.
	Query       string
	Op          string
	Threshold   float64
	SliceWindow string
	// Alerting windows and the definition's own fast-burn threshold.
	ShortWindow, LongWindow string
	AlertBurnRate           *float64
	// Rollback thresholds of the verification, if the definition sets them.
	MaxErrorRate, MaxValue *float64
	// Prometheus is a data source URL the definition names (OpenSLO
	// DataSource); empty means the configured server.
	Prometheus string
	Location   engine.Location
}

// Options say which objectives to measure, where and when.
type Options struct {
	// Dir is the repository root: OpenSLO patterns and the status file are
	// relative to it.
	Dir string
	// Files are glob patterns of OpenSLO v1 YAML files.
	Files []string
	// Objectives are defined in the compact form (config slo.objectives).
	Objectives []Objective
	// Prometheus is the server's URL; Static a status file instead.
	Prometheus string
	Static     string
	// Verify also measures every objective over VerifyWindow (default 10m).
	Verify       bool
	VerifyWindow string
	// Vars are query template variables besides window.
	Vars map[string]string
	// Now is the time the objectives are measured at; zero means now.
	Now time.Time
	// HTTPClient defaults to a client with a 30 s timeout per query.
	HTTPClient *http.Client
}

// Scanner measures objectives.
type Scanner struct{ opts Options }

// New returns an SLO scanner.
func New(opts Options) *Scanner {
	if opts.Dir == "" {
		opts.Dir = "."
	}
	if opts.VerifyWindow == "" {
		opts.VerifyWindow = DefaultVerifyWindow
	}
	if opts.HTTPClient == nil {
		opts.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &Scanner{opts: opts}
}

// Stats keys of the run record.
const (
	StatObjectives = "objectives"
	StatErrors     = "objectives_failed"
	StatQueries    = "queries"
)

// Scan measures every objective into out.SLO. Without objectives the run
// is skipped. Definitions that cannot be read are an error of the run;
// an objective that cannot be measured is a fact with its error.
func (s *Scanner) Scan(ctx context.Context, out *engine.Input) (engine.ScannerRun, error) {
	run := engine.ScannerRun{Stats: map[string]int64{}}
	// Objectives of the compact form have no location: reports pin their
	// findings to the config file.
	objs := append([]Objective{}, s.opts.Objectives...)
	files, err := s.openSLOFiles()
	if err != nil {
		return run, err
	}
	defs, err := readOpenSLO(files)
	if err != nil {
		return run, err
	}
	objs = append(objs, defs...)
	if len(objs) == 0 {
		run.Status, run.Reason = engine.StatusSkipped, engine.ReasonNoSLO
		return run, nil
	}
	if err := checkUnique(objs); err != nil {
		return run, err
	}
	for i := range objs {
		if err := objs[i].check(); err != nil {
			return run, err
		}
	}
	srcs, err := s.sources(objs)
	if err != nil {
		return run, err
	}
	now := s.opts.Now
	if now.IsZero() {
		now = time.Now()
	}
	failed := 0
	for i, o := range objs {
		if err := ctx.Err(); err != nil {
			return run, err
		}
		f := s.measure(ctx, srcs[i], o, now)
		if f.Error != "" {
			failed++
		}
		out.SLO = append(out.SLO, f)
	}
	var names []string
	var queries int64
	seen := map[source]bool{}
	for _, src := range srcs {
		if !seen[src] {
			seen[src] = true
			names = append(names, src.name())
			queries += src.queries()
		}
	}
	slices.Sort(names)
	run.Database = strings.Join(names, ", ")
	run.Stats[StatObjectives] = int64(len(objs))
	run.Stats[StatErrors] = int64(failed)
	run.Stats[StatQueries] = queries
	return run, nil
}

// check fills an objective's default windows and checks what the
// measurement relies on.
func (o *Objective) check() error {
	o.ShortWindow = cmp.Or(o.ShortWindow, DefaultShortWindow)
	o.LongWindow = cmp.Or(o.LongWindow, DefaultLongWindow)
	if o.Kind == KindThreshold {
		o.SliceWindow = cmp.Or(o.SliceWindow, DefaultSliceWindow)
	}
	windows := []string{o.Window, o.ShortWindow, o.LongWindow}
	if o.Kind == KindThreshold {
		windows = append(windows, o.SliceWindow)
	}
	for _, w := range windows {
		if _, err := parseDuration(w); err != nil {
			return fmt.Errorf("objective %s (%s): window %w", o.Name, where(o.Location), err)
		}
	}
	switch {
	case o.Target <= 0 || o.Target >= 1:
		return fmt.Errorf("objective %s (%s): target %v is not a fraction between 0 and 1", o.Name, where(o.Location), o.Target)
	case o.Kind == KindRatio && (o.Total == "" || (o.Good == "") == (o.Bad == "")):
		return fmt.Errorf("objective %s (%s): a ratio needs total and one of good or bad", o.Name, where(o.Location))
	case o.Kind == KindThreshold && (o.Query == "" || promOps[o.Op] == ""):
		return fmt.Errorf("objective %s (%s): a threshold needs a query and op lt, lte, gt or gte", o.Name, where(o.Location))
	case o.Kind != KindRatio && o.Kind != KindThreshold:
		return fmt.Errorf("objective %s (%s): kind %q, want ratio or threshold", o.Name, where(o.Location), o.Kind)
	}
	return nil
}

func checkUnique(objs []Objective) error {
	seen := map[string]engine.Location{}
	for _, o := range objs {
		k := o.Service + "/" + o.Name
		if prev, ok := seen[k]; ok {
			return fmt.Errorf("objective %s of service %q is defined twice (%s and %s)", o.Name, o.Service, where(prev), where(o.Location))
		}
		seen[k] = o.Location
	}
	return nil
}

func where(l engine.Location) string {
	if l.StartLine > 0 {
		return fmt.Sprintf("%s:%d", l.Path, l.StartLine)
	}
	return l.Path
}

// source measures objectives: Prometheus, or the status file.
type source interface {
	// sli is the objective's indicator over the window, ok false when the
	// window had no events.
	sli(ctx context.Context, o Objective, window string, at time.Time) (v float64, ok bool, err error)
	// value is a threshold objective's metric over the window.
	value(ctx context.Context, o Objective, window string, at time.Time) (float64, error)
	name() string
	queries() int64
}

// sources picks each objective's source: the status file when there is
// one (offline use wins), else the Prometheus an OpenSLO DataSource names,
// else the configured one.
func (s *Scanner) sources(objs []Objective) ([]source, error) {
	out := make([]source, len(objs))
	if s.opts.Static != "" {
		st, err := readStatus(s.abs(s.opts.Static), s.opts.Static)
		if err != nil {
			return nil, err
		}
		for i := range out {
			out[i] = st
		}
		return out, nil
	}
	byURL := map[string]source{}
	for i, o := range objs {
		u := cmp.Or(o.Prometheus, s.opts.Prometheus)
		if u == "" {
			return nil, fmt.Errorf("measure objective %s: no source: set slo.prometheus (a Prometheus URL) or slo.static (a status file)", o.Name)
		}
		if byURL[u] == nil {
			p, err := newPrometheus(u, s.opts.HTTPClient, s.opts.Vars)
			if err != nil {
				return nil, err
			}
			byURL[u] = p
		}
		out[i] = byURL[u]
	}
	return out, nil
}

// measure turns an objective into its fact. Every failure is kept on the
// fact; what was measured before it stays.
func (s *Scanner) measure(ctx context.Context, src source, o Objective, now time.Time) engine.SLO {
	f := engine.SLO{
		Name: o.Name, Service: o.Service, Kind: o.Kind, Objective: o.Target, Window: o.Window,
		ShortWindow: o.ShortWindow, LongWindow: o.LongWindow, AlertBurnRate: o.AlertBurnRate,
		Source: SourcePrometheus, Location: o.Location,
	}
	if _, ok := src.(*status); ok {
		f.Source = SourceStatic
	}
	if o.Kind == KindThreshold {
		f.Op, f.Threshold = o.Op, ptr(o.Threshold)
	}
	budget := 1 - o.Target
	fail := func(err error) engine.SLO {
		f.Error = err.Error()
		return f
	}
	sli, ok, err := src.sli(ctx, o, o.Window, now)
	if err != nil {
		return fail(fmt.Errorf("measure %s over %s: %w", o.Name, o.Window, err))
	}
	if !ok {
		return fail(fmt.Errorf("measure %s over %s: no events in the window", o.Name, o.Window))
	}
	f.SLI = ptr(round(sli))
	f.ErrorBudgetRemaining = ptr(round(1 - (1-sli)/budget))
	burn := func(window string) (*float64, error) {
		v, ok, err := src.sli(ctx, o, window, now)
		if err != nil {
			return nil, fmt.Errorf("measure %s burn rate over %s: %w", o.Name, window, err)
		}
		if !ok {
			return ptr(0.0), nil // no events, no errors: nothing burns
		}
		return ptr(round((1 - v) / budget)), nil
	}
	if f.BurnRate, err = burn(o.ShortWindow); err != nil {
		return fail(err)
	}
	if f.BurnRateLong, err = burn(o.LongWindow); err != nil {
		return fail(err)
	}
	if s.opts.Verify {
		v := &engine.SLOVerify{Window: s.opts.VerifyWindow, MaxErrorRate: o.MaxErrorRate, MaxValue: o.MaxValue}
		f.Verify = v
		switch o.Kind {
		case KindRatio:
			sli, ok, err := src.sli(ctx, o, v.Window, now)
			if err != nil {
				return fail(fmt.Errorf("verify %s over the last %s: %w", o.Name, v.Window, err))
			}
			if !ok {
				return fail(fmt.Errorf("verify %s over the last %s: no events: is the new version receiving traffic?", o.Name, v.Window))
			}
			v.ErrorRate = ptr(round(1 - sli))
		case KindThreshold:
			val, err := src.value(ctx, o, v.Window, now)
			if err != nil {
				return fail(fmt.Errorf("verify %s over the last %s: %w", o.Name, v.Window, err))
			}
			v.Value = ptr(round(val))
		}
	}
	return f
}

func ptr[T any](v T) *T { return &v }

// round keeps nine significant decimals, so facts do not change with the
// last bits of floating-point arithmetic.
func round(v float64) float64 {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'g', 9, 64), 64)
	return r
}

// render fills a query's template variables. A variable the query uses
// but nobody set is an error, never an empty string in PromQL.
func render(query string, vars map[string]string, window string) (string, error) {
	if !strings.Contains(query, "{{") {
		return query, nil
	}
	t, err := template.New("query").Option("missingkey=error").Parse(query)
	if err != nil {
		return "", fmt.Errorf("parse query template: %w", err)
	}
	data := maps.Clone(vars)
	if data == nil {
		data = map[string]string{}
	}
	data["window"] = window
	var b strings.Builder
	if err := t.Execute(&b, data); err != nil {
		return "", fmt.Errorf("fill query template (set the variable with --slo-var KEY=VALUE or slo.vars): %w", err)
	}
	return b.String(), nil
}

// durationRE is a Prometheus duration: 90s, 5m, 1h30m, 28d, 1w.
var durationRE = regexp.MustCompile(`^([0-9]+(ms|s|m|h|d|w|y))+$`)

var unitDur = map[string]time.Duration{
	"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour,
	"d": 24 * time.Hour, "w": 7 * 24 * time.Hour, "y": 365 * 24 * time.Hour,
}

var partRE = regexp.MustCompile(`([0-9]+)(ms|s|m|h|d|w|y)`)

// parseDuration reads a Prometheus duration.
func parseDuration(s string) (time.Duration, error) {
	if !durationRE.MatchString(s) {
		return 0, fmt.Errorf("%q is not a duration like 5m, 1h or 28d", s)
	}
	var d time.Duration
	for _, m := range partRE.FindAllStringSubmatch(s, -1) {
		n, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not a duration: %w", s, err)
		}
		d += time.Duration(n) * unitDur[m[2]]
	}
	if d <= 0 {
		return 0, fmt.Errorf("%q is not a positive duration", s)
	}
	return d, nil
}

// formatDuration writes a duration the way Prometheus reads it.
func formatDuration(d time.Duration) string {
	var b strings.Builder
	for _, u := range []struct {
		s string
		d time.Duration
	}{{"d", 24 * time.Hour}, {"h", time.Hour}, {"m", time.Minute}, {"s", time.Second}} {
		if n := d / u.d; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.s)
			d -= n * u.d
		}
	}
	if b.Len() == 0 {
		return "1s"
	}
	return b.String()
}
