package engine

import (
	"strings"
	"testing"

	"github.com/open-policy-agent/opa/v1/ast"
)

func TestReadDecision(t *testing.T) {
	v := ast.MustParseTerm(`{
		"result": "fail", "score": 62.5, "environment": "production", "extra": 1,
		"violations": {{"rule": "SEC001", "title": "t", "severity": "critical", "message": "m", "msg": "m",
			"kind": "deny", "area": "secrets", "fingerprint": "f",
			"location": {"path": "a.go", "start_line": 3, "end_line": 4, "commit": "abc"}}},
		"warnings": {{"rule": "B", "severity": "low", "message": "b", "known": true, "location": null},
			{"rule": "A", "severity": "low", "message": "a"}},
		"waived": {{"rule": "VUL001", "message": "w", "waiver": {"rule": "VUL001", "scope": {"id": "GHSA-1"}, "reason": "r", "expires": "2027-01-01"}}},
		"objectives": [{"name": "secrets", "result": "fail", "weight": 3, "key": false}]
	}`).Value
	var d Decision
	if err := readDecision(v, &d); err != nil {
		t.Fatal(err)
	}
	if d.Result != "fail" || d.Score != 62.5 || d.Environment != "production" {
		t.Errorf("head = %q %v %q", d.Result, d.Score, d.Environment)
	}
	want := Finding{Rule: "SEC001", Title: "t", Severity: "critical", Message: "m", Fingerprint: "f",
		Location: Location{Path: "a.go", StartLine: 3, EndLine: 4, Commit: "abc"}}
	if len(d.Violations) != 1 || d.Violations[0].Waiver != nil || d.Violations[0] != (Finding{
		Rule: want.Rule, Title: want.Title, Severity: want.Severity, Message: want.Message, Fingerprint: want.Fingerprint, Location: want.Location,
	}) {
		t.Errorf("violations = %+v", d.Violations)
	}
	// A set is listed in OPA's order (objects compare by their keys
	// first), as its JSON form was; d.sort orders them for reports.
	if len(d.Warnings) != 2 || d.Warnings[0].Rule != "B" || !d.Warnings[0].Known || d.Warnings[1].Known {
		t.Errorf("warnings = %+v", d.Warnings)
	}
	if len(d.Waived) != 1 || d.Waived[0].Waiver == nil || d.Waived[0].Waiver.Scope.ID != "GHSA-1" || d.Waived[0].Waiver.Expires != "2027-01-01" {
		t.Errorf("waived = %+v", d.Waived)
	}
	if len(d.Objectives) != 1 || d.Objectives[0] != (Objective{Name: "secrets", Result: "fail", Weight: 3}) {
		t.Errorf("objectives = %+v", d.Objectives)
	}
}

// A field of the wrong type is an error naming it, as decoding the JSON
// form was: never a finding quietly read as zero.
func TestReadDecisionWrongType(t *testing.T) {
	for src, want := range map[string]string{
		`[]`:                "want an object",
		`{"result": 1}`:     "result: want a string",
		`{"score": "high"}`: "score: want a number",
		`{"violations": {{"rule": "X", "location": {"start_line": "3"}}}}`: "violations[0].location.start_line: want an integer",
		`{"violations": {{"rule": "X", "location": {"start_line": 3.5}}}}`: "violations[0].location.start_line: want an integer",
		`{"warnings": ["plain"]}`:                             "warnings[0]: want an object",
		`{"waived": {{"rule": "X", "waiver": {"scope": 7}}}}`: "waived[0].waiver",
		`{"objectives": [{"name": "a", "key": "yes"}]}`:       "objectives[0].key: want a boolean",
	} {
		err := readDecision(ast.MustParseTerm(src).Value, new(Decision))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %v, want %q", src, err, want)
		}
	}
}
