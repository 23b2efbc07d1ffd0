package slo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// maxResponse bounds a query's answer: an instant query relgate builds
// returns one sample, and a larger answer is a query that does not.
const maxResponse = 4 << 20

// prometheus measures objectives with instant queries against a
// Prometheus server's HTTP API (or anything speaking it: Thanos, Mimir,
// VictoriaMetrics).
type prometheus struct {
	base   *url.URL
	client *http.Client
	vars   map[string]string
	n      atomic.Int64
}

func newPrometheus(raw string, client *http.Client, vars map[string]string) (*prometheus, error) {
	u, err := url.Parse(strings.TrimSuffix(raw, "/"))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("measure objectives: Prometheus URL %q is not an http(s) URL", redact(raw))
	}
	return &prometheus{base: u, client: client, vars: vars}, nil
}

func (p *prometheus) name() string   { return p.base.Redacted() }
func (p *prometheus) queries() int64 { return p.n.Load() }

// selectorRE is a bare vector selector: a counter increase() can wrap.
var selectorRE = regexp.MustCompile(`^\s*[a-zA-Z_:][a-zA-Z0-9_:]*\s*(\{.*\})?\s*$|^\s*\{.*\}\s*$`)

// count is the number of events a ratio query gives over the window.
func (p *prometheus) count(ctx context.Context, o Objective, q, window string, at time.Time) (float64, error) {
	expr, err := render(q, p.vars, window)
	if err != nil {
		return 0, err
	}
	if o.Counter && !usesWindow(q) {
		if !selectorRE.MatchString(expr) {
			return 0, fmt.Errorf("counter query %q is not a metric selector: write the whole query with {{.window}} instead", expr)
		}
		expr = fmt.Sprintf("sum(increase(%s[%s]))", strings.TrimSpace(expr), window)
	}
	return p.query(ctx, expr, at)
}

func (p *prometheus) sli(ctx context.Context, o Objective, window string, at time.Time) (float64, bool, error) {
	if o.Kind == KindThreshold {
		inner, err := render(o.Query, p.vars, o.SliceWindow)
		if err != nil {
			return 0, false, err
		}
		expr := fmt.Sprintf("avg_over_time(((%s) %s bool %s)[%s:%s])", inner, promOps[o.Op],
			strconv.FormatFloat(o.Threshold, 'g', -1, 64), window, o.SliceWindow)
		v, err := p.query(ctx, expr, at)
		if err != nil {
			return 0, false, err
		}
		return v, !math.IsNaN(v), nil
	}
	total, err := p.count(ctx, o, o.Total, window, at)
	if err != nil {
		return 0, false, err
	}
	if total == 0 || math.IsNaN(total) {
		return 0, false, nil
	}
	if o.Good != "" {
		good, err := p.count(ctx, o, o.Good, window, at)
		if err != nil {
			return 0, false, err
		}
		return math.Min(good/total, 1), true, nil
	}
	bad, err := p.count(ctx, o, o.Bad, window, at)
	if err != nil {
		return 0, false, err
	}
	return math.Max(1-bad/total, 0), true, nil
}

func (p *prometheus) value(ctx context.Context, o Objective, window string, at time.Time) (float64, error) {
	expr, err := render(o.Query, p.vars, window)
	if err != nil {
		return 0, err
	}
	v, err := p.query(ctx, expr, at)
	if err == nil && math.IsNaN(v) {
		return 0, fmt.Errorf("%w: NaN from %s (no samples in the window?)", ErrNoData, expr)
	}
	return v, err
}

// usesWindow: a query that places the window itself is complete; a
// counter selector without it gets increase() over the window.
func usesWindow(q string) bool { return windowRE.MatchString(q) }

var windowRE = regexp.MustCompile(`{{-?\s*\.window\s*-?}}`)

var promOps = map[string]string{"lt": "<", "lte": "<=", "gt": ">", "gte": ">="}

// apiResponse is the Prometheus HTTP API's envelope.
type apiResponse struct {
	Status    string `json:"status"`
	ErrorType string `json:"errorType"`
	Error     string `json:"error"`
	Data      struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	} `json:"data"`
}

// ErrNoData is a query that returned no series: the metric does not
// exist (yet), or the selector matches nothing.
var ErrNoData = errors.New("the query returned no data")

// query runs an instant query that must return one value.
func (p *prometheus) query(ctx context.Context, expr string, at time.Time) (float64, error) {
	p.n.Add(1)
	u := p.base.JoinPath("api", "v1", "query")
	form := url.Values{"query": {expr}, "time": {strconv.FormatFloat(float64(at.UnixMilli())/1000, 'f', 3, 64)}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return 0, fmt.Errorf("query prometheus: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := p.client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // the URL may hold credentials; name the server redacted
		}
		return 0, fmt.Errorf("query prometheus at %s: %w", p.name(), err)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse+1))
	if cerr := resp.Body.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("query prometheus at %s: read answer: %w", p.name(), err)
	}
	if len(body) > maxResponse {
		return 0, fmt.Errorf("query prometheus: answer over %d MB to %s", maxResponse>>20, expr)
	}
	var r apiResponse
	if err := json.Unmarshal(body, &r); err != nil {
		return 0, fmt.Errorf("query prometheus at %s: HTTP %d, not the Prometheus API: %s", p.name(), resp.StatusCode, snippet(body))
	}
	if r.Status != "success" {
		return 0, fmt.Errorf("query prometheus: %s: %s (query %s)", r.ErrorType, r.Error, expr)
	}
	return parseResult(r.Data.ResultType, r.Data.Result, expr)
}

// parseResult reads the one value of an instant query's result.
func parseResult(kind string, raw json.RawMessage, expr string) (float64, error) {
	var sample [2]any
	switch kind {
	case "scalar":
		if err := json.Unmarshal(raw, &sample); err != nil {
			return 0, fmt.Errorf("query prometheus: bad scalar: %w", err)
		}
	case "vector":
		var vec []struct {
			Value [2]any `json:"value"`
		}
		if err := json.Unmarshal(raw, &vec); err != nil {
			return 0, fmt.Errorf("query prometheus: bad vector: %w", err)
		}
		switch len(vec) {
		case 0:
			return 0, fmt.Errorf("%w: %s", ErrNoData, expr)
		case 1:
			sample = vec[0].Value
		default:
			return 0, fmt.Errorf("query prometheus: %d series, want one (aggregate with sum()): %s", len(vec), expr)
		}
	default:
		return 0, fmt.Errorf("query prometheus: result type %q, want a vector or scalar: %s", kind, expr)
	}
	s, ok := sample[1].(string)
	if !ok {
		return 0, fmt.Errorf("query prometheus: bad sample value in the answer to %s", expr)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("query prometheus: bad sample value %q", s)
	}
	if math.IsInf(v, 0) {
		return 0, fmt.Errorf("query prometheus: %s is infinite", expr)
	}
	return v, nil
}

func snippet(b []byte) string {
	s := strings.TrimSpace(string(b))
	if len(s) > 120 {
		s = s[:120] + "…"
	}
	return strings.ToValidUTF8(s, "?")
}

// redact hides a password in a URL that may not parse.
func redact(raw string) string {
	if u, err := url.Parse(raw); err == nil {
		return u.Redacted()
	}
	return "(unparsable URL)"
}
