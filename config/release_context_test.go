package config_test

import (
	"strings"
	"testing"

	"github.com/relgate/relgate/config"
)

const releaseContextSample = `tests:
  junit: ["build/test-results/**/*.xml"]
  coverage: coverage.out
  coverage_format: go
  max_file_size: 64
approvals:
  change_record: ops/change.yaml
  github:
    enabled: true
    repository: acme/shop
    api_url: https://ghe.example.com/api/v3
    ticket_pattern: '\b(?:SHOP|OPS)-[0-9]+\b'
slo:
  prometheus: http://prometheus:9090
  files: [slo/*.yaml]
  verify_window: 15m
  rollback: kubectl argo rollouts undo shop
  vars: {track: canary}
  objectives:
    - name: checkout-availability
      service: checkout
      target: 0.999
      window: 28d
      good: http_requests_total{code!~"5.."}
      total: http_requests_total
      burn_rate: {short: 5m, long: 1h, threshold: 14.4}
      verify: {max_error_rate: 0.01}
    - name: checkout-latency
      target: 0.99
      window: 7d
      query: histogram_quantile(0.99, sum by (le) (rate(x_bucket[{{.window}}])))
      op: lte
      threshold: 0.3
defaults:
  tests: {min_coverage: 75}
  approvals: {required: 1, hotfix_branches: ["hotfix/**"], hotfix_required: 0, require_ticket: true, missing: warn}
  slo: {min_budget: 0.05, fast_burn_rate: 10, fast_burn: warn, errors: deny, fix_types: [fix], verify_burn_rate: 3}
`

func TestReleaseContextSections(t *testing.T) {
	cfg, err := config.Parse("relgate.yaml", []byte(releaseContextSample))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Tests.JUnit[0] != "build/test-results/**/*.xml" || *cfg.Tests.MaxFileSize != 64 ||
		cfg.Approvals.GitHub.Repository != "acme/shop" || !cfg.Approvals.GitHub.Enabled ||
		len(cfg.SLO.Objectives) != 2 || *cfg.SLO.Objectives[1].Threshold != 0.3 || cfg.SLO.Vars["track"] != "canary" ||
		*cfg.Defaults.Tests.MinCoverage != 75 || cfg.Defaults.Approvals.Missing != "warn" || cfg.Defaults.SLO.Errors != "deny" {
		t.Fatalf("parsed %+v", cfg)
	}
}

func TestReleaseContextErrors(t *testing.T) {
	tests := []struct{ doc, want string }{
		{"tests: {coverage_format: jacoco}\n", `tests.coverage_format: "jacoco" is not one of go, cobertura, lcov`},
		{"tests: {max_file_size: -1}\n", "tests.max_file_size: -1 is negative"},
		{"defaults: {tests: {min_coverage: 120}}\n", "defaults.tests.min_coverage: 120 is not a percentage"},
		{"approvals: {github: {ticket_pattern: '('}}\n", "approvals.github.ticket_pattern: error parsing regexp"},
		{"approvals: {github: {token: x}}\n", `unknown key "token"`},
		{"environments: {production: {approvals: {required: -1}}}\n", "environments.production.approvals: required and hotfix_required cannot be negative"},
		{"defaults: {approvals: {missing: maybe}}\n", `defaults.approvals.missing: "maybe" is not one of deny, warn, ignore`},
		{"defaults: {slo: {fast_burn: page}}\n", `defaults.slo.fast_burn: "page" is not one of deny, warn, ignore`},
		{"slo: {prometheus: http://p, static: s.yaml}\n", "prometheus and static are alternatives"},
		{"slo: {verify_window: 10 minutes}\n", `slo.verify_window: "10 minutes" is not a duration`},
		{"slo: {objectives: [{target: 0.9, window: 1d, good: a, total: b}]}\n", "slo.objectives[0]: name is required"},
		{"slo: {objectives: [{name: a, target: 99.9, window: 1d, good: a, total: b}]}\n", "target 99.9 is not a fraction"},
		{"slo: {objectives: [{name: a, target: 0.9, window: 1 day, good: a, total: b}]}\n", `window "1 day" is not a duration`},
		{"slo: {objectives: [{name: a, target: 0.9, window: 1d, good: a}]}\n", "a ratio needs total and one of good or bad"},
		{"slo: {objectives: [{name: a, target: 0.9, window: 1d, good: a, bad: b, total: c}]}\n", "a ratio needs total and one of good or bad"},
		{"slo: {objectives: [{name: a, target: 0.9, window: 1d, query: q, op: eq, threshold: 1}]}\n", "or query with op (lt, lte, gt, gte) and threshold"},
		{"slo: {objectives: [{name: a, target: 0.9, window: 1d, query: q, op: lt, threshold: 1, total: t, good: g}]}\n", "not both"},
		{"slo: {objectives: [{name: a, target: 0.9, window: 1d, good: a, total: b}, {name: a, target: 0.9, window: 1d, good: a, total: b}]}\n", "defined twice"},
		{"slo: {objectives: [{name: a, target: 0.9, window: 1d, good: a, total: b, burn_rate: {short: soon}}]}\n", `burn_rate.short "soon" is not a duration`},
	}
	for _, tt := range tests {
		_, err := config.Parse("relgate.yaml", []byte(tt.doc))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q: err = %v, want %q", tt.doc, err, tt.want)
		}
	}
}

// TestEmptyWeeklyFreeze: a weekly window whose from and to meet (the
// defaults 00:00 and 24:00 included) would never freeze — a config error
// rather than a calendar that silently lets every release through; the
// whole day and an overnight window are accepted.
func TestEmptyWeeklyFreeze(t *testing.T) {
	freeze := func(w string) string {
		return "defaults: {release: {freeze: [{name: w, days: [fri], " + w + "}]}}\n"
	}
	for _, w := range []string{"from: '15:00', to: '15:00'", "to: '00:00'", "from: '24:00'", "from: '24:00', to: '00:00'"} {
		_, err := config.Parse("relgate.yaml", []byte(freeze(w)))
		if err == nil || !strings.Contains(err.Error(), "defaults.release.freeze[0] (w): from ") || !strings.Contains(err.Error(), "is an empty window") {
			t.Errorf("%s: err = %v, want an empty-window error", w, err)
		}
	}
	for _, w := range []string{"time_zone: UTC", "from: '00:00', to: '24:00'", "from: '22:00', to: '06:00'", "from: '24:00', to: '06:00'", "from: '15:00'"} {
		if _, err := config.Parse("relgate.yaml", []byte(freeze(w))); err != nil {
			t.Errorf("%s: %v", w, err)
		}
	}
}
