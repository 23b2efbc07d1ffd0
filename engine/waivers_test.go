package engine_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/relgate/relgate/engine"
)

func rulesOf(fs []engine.Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Rule)
	}
	slices.Sort(out)
	return out
}

// TestWaiverLifecycle: with the built-in policies and their catalog, a
// waiver accepts a finding, warns as it nears expiry, and expires into a
// violation of its own while its finding counts again.
func TestWaiverLifecycle(t *testing.T) {
	e := newEngine(t, engine.Options{})
	waiver := engine.Waiver{Rule: "REL001", Scope: engine.WaiverScope{Path: "**"}, Reason: "hotfix from a feature branch",
		Approver: "alice", Expires: "2026-11-25", Ticket: "OPS-7", Location: engine.Location{Path: ".relgate-waivers.yaml", StartLine: 2, EndLine: 7}}
	at := func(when time.Time, ws ...engine.Waiver) *engine.Decision {
		t.Helper()
		in := releaseInput("production", "feature/x", "", "")
		in.Release.Time = when
		in.Waivers = ws
		d, err := e.Evaluate(context.Background(), in)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	now := time.Date(2026, 11, 20, 12, 0, 0, 0, time.UTC)

	d := at(now, waiver)
	if d.Result != engine.ResultWarn || len(d.Waived) != 1 || d.Waived[0].Rule != "REL001" {
		t.Fatalf("waived: result %s, waived %+v, violations %+v", d.Result, d.Waived, d.Violations)
	}
	if w := d.Waived[0].Waiver; w == nil || w.Approver != "alice" || w.Reason != waiver.Reason || w.Expires != "2026-11-25" || w.Ticket != "OPS-7" {
		t.Errorf("waived finding does not say who, why and until when: %+v", w)
	}
	if got := rulesOf(d.Warnings); !slices.Equal(got, []string{"REL003", "WVR002"}) {
		t.Errorf("warnings = %v, want REL003 and WVR002 (expires within 14 days)", got)
	}

	d = at(now.AddDate(0, 0, 10), waiver)
	if d.Result != engine.ResultFail || len(d.Waived) != 0 {
		t.Fatalf("expired: result %s, waived %+v", d.Result, d.Waived)
	}
	if got := rulesOf(d.Violations); !slices.Equal(got, []string{"REL001", "WVR001"}) {
		t.Errorf("violations = %v, want REL001 again and WVR001", got)
	}
	for _, v := range d.Violations {
		if v.Rule == "WVR001" && (v.Location.Path != ".relgate-waivers.yaml" || v.Location.StartLine != 2 || v.Title == "") {
			t.Errorf("WVR001 does not point at the waiver: %+v", v)
		}
	}

	unapproved := waiver
	unapproved.Approver = ""
	d = at(now, unapproved)
	if got := rulesOf(d.Violations); !slices.Equal(got, []string{"REL001", "WVR004"}) || len(d.Waived) != 0 {
		t.Errorf("waiver of a high rule without approver: violations %v, waived %d", got, len(d.Waived))
	}

	long := waiver
	long.Expires = "2027-06-01" // high: 90 days at most
	d = at(now, long)
	if got := rulesOf(d.Violations); !slices.Equal(got, []string{"REL001", "WVR005"}) {
		t.Errorf("over-long waiver: violations %v", got)
	}

	typo := waiver
	typo.Rule, typo.Expires = "REL101", "2027-03-01"
	d = at(now, waiver, typo)
	if got := rulesOf(d.Warnings); !slices.Equal(got, []string{"REL003", "WVR002", "WVR003", "WVR006"}) {
		t.Errorf("unknown rule: warnings %v, want WVR003 (unused) and WVR006 (unknown) too", got)
	}
}

// TestRuleCatalogForPolicies: a rule id defined with several severities is
// governed by its most severe one.
func TestRuleCatalogForPolicies(t *testing.T) {
	e := newEngine(t, engine.Options{})
	in := releaseInput("production", "main", "v1.2.3", "1.2.3")
	// SCN001 is high where scanner errors deny, medium where they warn.
	in.Waivers = []engine.Waiver{{Rule: "SCN001", Scope: engine.WaiverScope{ID: "deps"}, Reason: "r", Expires: "2026-12-01"}}
	d, err := e.Evaluate(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	if got := rulesOf(d.Violations); !slices.Equal(got, []string{"WVR004"}) {
		t.Errorf("violations = %v, want WVR004 (SCN001 is high at most)", got)
	}
}

// BenchmarkEvaluateWaivers: BenchmarkEvaluate's 10,000 findings with 50
// waivers (half matching vulnerabilities by id, half matching nothing) and
// a baseline of 1,000 findings: the cost of governance on the hot path.
func BenchmarkEvaluateWaivers(b *testing.B) {
	ctx := context.Background()
	e := newEngine(b, engine.Options{})
	in := largeInput(10_000)
	for i := range 50 {
		id := fmt.Sprintf("GHSA-%d", 10*i+1)
		if i%2 == 1 {
			id = fmt.Sprintf("GHSA-none-%d", i)
		}
		in.Waivers = append(in.Waivers, engine.Waiver{Rule: "VUL001", Scope: engine.WaiverScope{ID: id}, Reason: "r",
			Approver: "a", Expires: "2026-11-20", Location: engine.Location{Path: ".relgate-waivers.yaml", StartLine: i + 1}})
	}
	d, err := e.Evaluate(ctx, largeInput(10_000))
	if err != nil {
		b.Fatal(err)
	}
	var base []engine.BaselineEntry
	for _, f := range append(d.Violations, d.Warnings...)[:1000] {
		base = append(base, engine.BaselineEntry{Rule: f.Rule, Fingerprint: f.Fingerprint})
	}
	if err := e.SetBaseline(ctx, base); err != nil {
		b.Fatal(err)
	}
	p, err := engine.Prepare(in)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		if _, err := e.EvaluatePrepared(ctx, p); err != nil {
			b.Fatal(err)
		}
	}
}
