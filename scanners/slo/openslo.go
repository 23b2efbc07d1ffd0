package slo

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/relgate/relgate/engine"
	"github.com/relgate/relgate/internal/pathglob"
)

// maxDefinitionSize bounds an OpenSLO file.
const maxDefinitionSize = 4 << 20

// OpenSLO v1 documents, as far as relgate reads them. Fields relgate does
// not use (labels, annotations, descriptions, notification targets) are
// allowed and ignored, as the specification intends.
type osDoc struct {
	APIVersion string    `yaml:"apiVersion"`
	Kind       string    `yaml:"kind"`
	Metadata   osMeta    `yaml:"metadata"`
	Spec       yaml.Node `yaml:"spec"`
}

type osMeta struct {
	Name        string `yaml:"name"`
	DisplayName string `yaml:"displayName"`
}

type osSLOSpec struct {
	Service         string        `yaml:"service"`
	Indicator       *osSLI        `yaml:"indicator"`
	IndicatorRef    string        `yaml:"indicatorRef"`
	TimeWindow      []osWindow    `yaml:"timeWindow"`
	BudgetingMethod string        `yaml:"budgetingMethod"`
	Objectives      []osObjective `yaml:"objectives"`
	AlertPolicies   []yaml.Node   `yaml:"alertPolicies"`
}

type osWindow struct {
	Duration  string `yaml:"duration"`
	IsRolling *bool  `yaml:"isRolling"`
}

type osObjective struct {
	DisplayName     string   `yaml:"displayName"`
	Op              string   `yaml:"op"`
	Value           *float64 `yaml:"value"`
	Target          *float64 `yaml:"target"`
	TargetPercent   *float64 `yaml:"targetPercent"`
	TimeSliceWindow string   `yaml:"timeSliceWindow"`
	Indicator       *osSLI   `yaml:"indicator"`
	IndicatorRef    string   `yaml:"indicatorRef"`
}

type osSLI struct {
	Metadata osMeta    `yaml:"metadata"`
	Spec     osSLISpec `yaml:"spec"`
}

type osSLISpec struct {
	ThresholdMetric *osMetric `yaml:"thresholdMetric"`
	RatioMetric     *struct {
		Counter bool      `yaml:"counter"`
		Good    *osMetric `yaml:"good"`
		Bad     *osMetric `yaml:"bad"`
		Total   *osMetric `yaml:"total"`
		Raw     *osMetric `yaml:"raw"`
	} `yaml:"ratioMetric"`
}

type osMetric struct {
	MetricSource struct {
		MetricSourceRef string         `yaml:"metricSourceRef"`
		Type            string         `yaml:"type"`
		Spec            map[string]any `yaml:"spec"`
	} `yaml:"metricSource"`
}

type osAlertPolicy struct {
	Conditions []yaml.Node `yaml:"conditions"`
}

type osAlertCondition struct {
	Condition struct {
		Kind           string   `yaml:"kind"`
		Op             string   `yaml:"op"`
		Threshold      *float64 `yaml:"threshold"`
		LookbackWindow string   `yaml:"lookbackWindow"`
	} `yaml:"condition"`
}

type osDataSource struct {
	Type              string         `yaml:"type"`
	ConnectionDetails map[string]any `yaml:"connectionDetails"`
}

// parsed is one document with where it came from.
type parsed struct {
	doc  osDoc
	node *yaml.Node
	path string
}

func (p parsed) line() int { return p.node.Line }

func (p parsed) errorf(format string, args ...any) error {
	return fmt.Errorf("parse OpenSLO %s:%d: %s %s: %s", p.path, p.line(), p.doc.Kind, p.doc.Metadata.Name, fmt.Sprintf(format, args...))
}

// file is a definition file on disk and its repo-relative path.
type file = pathglob.File

func (s *Scanner) abs(p string) string {
	if filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(s.opts.Dir, filepath.FromSlash(p))
}

// openSLOFiles expands the patterns; one that matches nothing is an error,
// since objectives that silently vanish would read as met.
func (s *Scanner) openSLOFiles() ([]file, error) {
	return pathglob.Expand(s.opts.Dir, s.opts.Files, "SLO", func(pat string) error {
		return fmt.Errorf("SLO pattern %q matched no file", pat)
	})
}

// readOpenSLO reads the documents of every file, resolves references
// across them (indicatorRef, alertPolicyRef, conditionRef,
// metricSourceRef) and returns one objective per SLO objective.
func readOpenSLO(files []file) ([]Objective, error) {
	var docs []parsed
	for _, f := range files {
		ds, err := readDocs(f)
		if err != nil {
			return nil, err
		}
		docs = append(docs, ds...)
	}
	byKind := map[string]map[string]parsed{}
	for _, d := range docs {
		m := byKind[d.doc.Kind]
		if m == nil {
			m = map[string]parsed{}
			byKind[d.doc.Kind] = m
		}
		if prev, dup := m[d.doc.Metadata.Name]; dup {
			return nil, d.errorf("defined twice (first at %s:%d)", prev.path, prev.line())
		}
		m[d.doc.Metadata.Name] = d
	}
	r := resolver{byKind: byKind}
	var out []Objective
	for _, d := range docs {
		if d.doc.Kind != "SLO" {
			continue
		}
		objs, err := r.slo(d)
		if err != nil {
			return nil, err
		}
		out = append(out, objs...)
	}
	return out, nil
}

// knownKinds are the OpenSLO v1 kinds; relgate reads the first five.
var knownKinds = []string{"SLO", "SLI", "AlertPolicy", "AlertCondition", "DataSource", "Service", "AlertNotificationTarget"}

func readDocs(f file) ([]parsed, error) {
	fh, err := os.Open(f.Abs)
	if err != nil {
		return nil, fmt.Errorf("read OpenSLO %s: %w", f.Rel, unwrapPath(err))
	}
	defer fh.Close()
	data, err := io.ReadAll(io.LimitReader(fh, maxDefinitionSize+1))
	if err != nil {
		return nil, fmt.Errorf("read OpenSLO %s: %w", f.Rel, err)
	}
	if len(data) > maxDefinitionSize {
		return nil, fmt.Errorf("read OpenSLO %s: over %d MB", f.Rel, maxDefinitionSize>>20)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out []parsed
	for {
		var n yaml.Node
		err := dec.Decode(&n)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("parse OpenSLO %s: %s", f.Rel, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		if len(n.Content) == 0 || (n.Content[0].Kind == yaml.ScalarNode && n.Content[0].Tag == "!!null") {
			continue // an empty document between separators
		}
		root := n.Content[0]
		p := parsed{node: root, path: f.Rel}
		if root.Kind != yaml.MappingNode {
			return nil, fmt.Errorf("parse OpenSLO %s:%d: a document must be a mapping with apiVersion, kind, metadata and spec", f.Rel, root.Line)
		}
		if err := root.Decode(&p.doc); err != nil {
			return nil, fmt.Errorf("parse OpenSLO %s:%d: %s", f.Rel, root.Line, strings.TrimPrefix(err.Error(), "yaml: "))
		}
		switch {
		case p.doc.APIVersion == "openslo/v1alpha":
			return nil, fmt.Errorf("parse OpenSLO %s:%d: apiVersion openslo/v1alpha is not supported: convert the file to openslo/v1", f.Rel, root.Line)
		case p.doc.APIVersion != "openslo/v1":
			return nil, fmt.Errorf("parse OpenSLO %s:%d: apiVersion %q, want openslo/v1", f.Rel, root.Line, p.doc.APIVersion)
		case !slices.Contains(knownKinds, p.doc.Kind):
			return nil, fmt.Errorf("parse OpenSLO %s:%d: unknown kind %q (want one of %s)", f.Rel, root.Line, p.doc.Kind, strings.Join(knownKinds, ", "))
		case p.doc.Metadata.Name == "":
			return nil, fmt.Errorf("parse OpenSLO %s:%d: %s without metadata.name", f.Rel, root.Line, p.doc.Kind)
		}
		out = append(out, p)
	}
	return out, nil
}

type resolver struct{ byKind map[string]map[string]parsed }

func (r resolver) ref(kind, name string) (parsed, bool) {
	p, ok := r.byKind[kind][name]
	return p, ok
}

// slo turns one SLO document into its objectives.
func (r resolver) slo(d parsed) ([]Objective, error) {
	var spec osSLOSpec
	if err := d.doc.Spec.Decode(&spec); err != nil {
		return nil, d.errorf("%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if len(spec.TimeWindow) != 1 || spec.TimeWindow[0].Duration == "" {
		return nil, d.errorf("want exactly one timeWindow with a duration (e.g. 28d)")
	}
	window := spec.TimeWindow[0].Duration
	if _, err := parseDuration(window); err != nil {
		return nil, d.errorf("timeWindow: %v", err)
	}
	if len(spec.Objectives) == 0 {
		return nil, d.errorf("no objectives")
	}
	alert, err := r.alerting(d, spec.AlertPolicies)
	if err != nil {
		return nil, err
	}
	objNodes := child(child(d.node, "spec"), "objectives")
	var out []Objective
	for i, ob := range spec.Objectives {
		o := Objective{Name: d.doc.Metadata.Name, Service: spec.Service, Window: window,
			Location: engine.Location{Path: d.path, StartLine: d.line(), EndLine: d.line()}}
		if len(spec.Objectives) > 1 {
			o.Name = fmt.Sprintf("%s/%s", o.Name, cmp.Or(slug(ob.DisplayName), fmt.Sprint(i+1)))
		}
		if objNodes != nil && i < len(objNodes.Content) {
			o.Location.StartLine, o.Location.EndLine = objNodes.Content[i].Line, objNodes.Content[i].Line
		}
		switch {
		case ob.Target != nil:
			o.Target = *ob.Target
		case ob.TargetPercent != nil:
			o.Target = round(*ob.TargetPercent / 100)
		default:
			return nil, d.errorf("objective %d has no target", i+1)
		}
		if o.Target <= 0 || o.Target >= 1 {
			return nil, d.errorf("objective %d: target %v is not a fraction between 0 and 1", i+1, o.Target)
		}
		sli, err := r.indicator(d, cmp.Or(ob.IndicatorRef, spec.IndicatorRef), cmp.Or(ob.Indicator, spec.Indicator))
		if err != nil {
			return nil, err
		}
		if err := r.fill(d, &o, sli, ob); err != nil {
			return nil, err
		}
		o.ShortWindow, o.LongWindow, o.AlertBurnRate = alert.short, alert.long, alert.threshold
		out = append(out, o)
	}
	return out, nil
}

func (r resolver) indicator(d parsed, ref string, inline *osSLI) (*osSLI, error) {
	if inline != nil {
		return inline, nil
	}
	if ref == "" {
		return nil, d.errorf("no indicator or indicatorRef")
	}
	p, ok := r.ref("SLI", ref)
	if !ok {
		return nil, d.errorf("indicatorRef %q names no SLI", ref)
	}
	sli := &osSLI{Metadata: p.doc.Metadata}
	if err := p.doc.Spec.Decode(&sli.Spec); err != nil {
		return nil, p.errorf("%s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return sli, nil
}

// fill sets the objective's queries from its indicator.
func (r resolver) fill(d parsed, o *Objective, sli *osSLI, ob osObjective) error {
	spec := sli.Spec
	switch {
	case spec.RatioMetric != nil:
		rm := spec.RatioMetric
		if ob.Op != "" || ob.Value != nil {
			return d.errorf("objective %s: op and value apply to a threshold metric, not a ratio", o.Name)
		}
		if rm.Raw != nil {
			return d.errorf("SLI %s: raw ratio metrics are not supported: give good or bad, and total", sli.Metadata.Name)
		}
		if rm.Total == nil || (rm.Good == nil) == (rm.Bad == nil) {
			return d.errorf("SLI %s: a ratio metric needs total and one of good or bad", sli.Metadata.Name)
		}
		o.Kind, o.Counter = KindRatio, rm.Counter
		var err error
		if o.Total, err = r.query(d, o, rm.Total); err != nil {
			return err
		}
		if rm.Good != nil {
			o.Good, err = r.query(d, o, rm.Good)
		} else {
			o.Bad, err = r.query(d, o, rm.Bad)
		}
		return err
	case spec.ThresholdMetric != nil:
		if ob.Value == nil || promOps[ob.Op] == "" {
			return d.errorf("objective %s: a threshold metric needs op (lt, lte, gt, gte) and value", o.Name)
		}
		o.Kind, o.Op, o.Threshold = KindThreshold, ob.Op, *ob.Value
		o.SliceWindow = cmp.Or(ob.TimeSliceWindow, DefaultSliceWindow)
		if _, err := parseDuration(o.SliceWindow); err != nil {
			return d.errorf("objective %s: timeSliceWindow: %v", o.Name, err)
		}
		var err error
		o.Query, err = r.query(d, o, spec.ThresholdMetric)
		return err
	}
	return d.errorf("SLI %s has neither ratioMetric nor thresholdMetric", sli.Metadata.Name)
}

// query reads a Prometheus metric source's query (spec.query, or
// spec.promql as some tools write it) and the data source it names.
func (r resolver) query(d parsed, o *Objective, m *osMetric) (string, error) {
	ms := m.MetricSource
	typ := ms.Type
	if ms.MetricSourceRef != "" {
		ds, ok := r.ref("DataSource", ms.MetricSourceRef)
		if !ok {
			return "", d.errorf("metricSourceRef %q names no DataSource", ms.MetricSourceRef)
		}
		var spec osDataSource
		if err := ds.doc.Spec.Decode(&spec); err != nil {
			return "", ds.errorf("%s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		typ = cmp.Or(typ, spec.Type)
		if u, ok := spec.ConnectionDetails["url"].(string); ok {
			o.Prometheus = u
		}
	}
	if !strings.EqualFold(typ, "prometheus") {
		return "", d.errorf("metric source type %q is not supported: relgate reads Prometheus (or its API: Thanos, Mimir, VictoriaMetrics)", typ)
	}
	for _, k := range []string{"query", "promql"} {
		if q, ok := ms.Spec[k].(string); ok && strings.TrimSpace(q) != "" {
			return strings.TrimSpace(q), nil
		}
	}
	return "", d.errorf("a Prometheus metric source needs spec.query")
}

// alerting are the burn-rate windows an SLO's alert policies declare.
type alerting struct {
	short, long string
	threshold   *float64
}

// alerting picks the fastest burn-rate condition of the SLO's alert
// policies (the highest threshold: the page). Its lookback is the long
// window and a twelfth of it the short one, as the SRE workbook pairs
// them (1h and 5m); without one the defaults apply.
func (r resolver) alerting(d parsed, policies []yaml.Node) (alerting, error) {
	a := alerting{short: DefaultShortWindow, long: DefaultLongWindow}
	for i := range policies {
		pol, err := r.inlineOrRef(d, &policies[i], "AlertPolicy", "alertPolicyRef")
		if err != nil {
			return a, err
		}
		var spec osAlertPolicy
		if err := pol.Decode(&spec); err != nil {
			return a, d.errorf("alert policy: %s", strings.TrimPrefix(err.Error(), "yaml: "))
		}
		for j := range spec.Conditions {
			cn, err := r.inlineOrRef(d, &spec.Conditions[j], "AlertCondition", "conditionRef")
			if err != nil {
				return a, err
			}
			var c osAlertCondition
			if err := cn.Decode(&c); err != nil {
				return a, d.errorf("alert condition: %s", strings.TrimPrefix(err.Error(), "yaml: "))
			}
			cond := c.Condition
			if !strings.EqualFold(cond.Kind, "burnrate") || cond.Threshold == nil {
				continue
			}
			long, err := parseDuration(cond.LookbackWindow)
			if err != nil {
				return a, d.errorf("alert condition lookbackWindow: %v", err)
			}
			if a.threshold == nil || *cond.Threshold > *a.threshold {
				t := *cond.Threshold
				a = alerting{short: formatDuration(max(long/12, 60_000_000_000)), long: cond.LookbackWindow, threshold: &t}
			}
		}
	}
	return a, nil
}

// inlineOrRef returns the spec of an inline document or of the one a
// reference names; a plain string is a reference too.
func (r resolver) inlineOrRef(d parsed, n *yaml.Node, kind, refKey string) (*yaml.Node, error) {
	name := ""
	switch {
	case n.Kind == yaml.ScalarNode:
		name = n.Value
	case child(n, refKey) != nil:
		name = child(n, refKey).Value
	case child(n, "spec") != nil:
		return child(n, "spec"), nil
	default:
		return nil, d.errorf("line %d: want an inline %s (with spec) or %s", n.Line, kind, refKey)
	}
	p, ok := r.ref(kind, name)
	if !ok {
		return nil, d.errorf("%s %q names no %s", refKey, name, kind)
	}
	return &p.doc.Spec, nil
}

// child is the value of key in a mapping node, nil if absent.
func child(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// slug makes a display name usable in an objective's name.
func slug(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-', r == '.', r == '_':
			return r
		case r == ' ':
			return '-'
		}
		return -1
	}, s)
}

func unwrapPath(err error) error {
	var pe *os.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
