package relgate.rules.tests_test

import data.relgate.rules.tests

rules(set) := {v.rule | some v in set}

green := {
	"release": {"environment": "production"},
	"tests": {
		"reports": ["report.xml"],
		"passed": 10, "failed": 0, "errors": 0, "skipped": 1,
		"failures": [],
		"coverage": 85.5, "coverage_file": "cover.out", "coverage_format": "go",
		"location": {"path": "report.xml"},
	},
}

red := json.patch(green, [
	{"op": "replace", "path": "/tests/failed", "value": 1},
	{"op": "replace", "path": "/tests/errors", "value": 1},
	{"op": "replace", "path": "/tests/failures", "value": [
		{"id": "shop/cart.TestTotal", "name": "TestTotal", "classname": "shop/cart", "kind": "failure", "location": {"path": "report.xml", "start_line": 8, "end_line": 8}},
		{"id": "com.example.OrderServiceTest.savesToDatabase", "name": "savesToDatabase", "classname": "com.example.OrderServiceTest", "kind": "error", "location": {"path": "report.xml", "start_line": 20, "end_line": 20}},
	]},
])

test_green_run_passes if {
	count(tests.deny) == 0 with input as green
	count(tests.warn) == 0 with input as green
}

test_no_tests_section_passes if {
	count(tests.deny) == 0 with input as {"release": {"environment": "production"}}
	count(tests.warn) == 0 with input as {"release": {"environment": "production"}}
}

test_failing_tests_deny_each if {
	ds := tests.deny with input as red
	[d.rule | some d in ds] == ["TST001", "TST001"]
	some d in ds
	d.id == "shop/cart.TestTotal"
	d.location.start_line == 8
	contains(d.msg, "failed")
	some e in ds
	e.rule == "TST001"
	e.id == "com.example.OrderServiceTest.savesToDatabase"
	contains(e.msg, "errored")
}

test_failing_tests_deny_in_every_environment if {
	inp := json.patch(red, [{"op": "replace", "path": "/release/environment", "value": "dev"}])
	[d.rule | some d in tests.deny] == ["TST001", "TST001"] with input as inp
}

test_unlisted_failures_deny if {
	inp := json.patch(green, [{"op": "replace", "path": "/tests/failed", "value": 3}])
	[d] := [d | some d in tests.deny] with input as inp
	d.rule == "TST001"
	contains(d.msg, "3 more tests")
	not "TST001" in rules(tests.deny) with input as green
}

test_empty_run_warns if {
	inp := json.patch(green, [
		{"op": "replace", "path": "/tests/passed", "value": 0},
		{"op": "replace", "path": "/tests/skipped", "value": 0},
	])
	"TST003" in rules(tests.warn) with input as inp
	not "TST003" in rules(tests.warn) with input as green
}

test_low_coverage_warns if {
	inp := json.patch(green, [{"op": "replace", "path": "/tests/coverage", "value": 61.2}])
	[w] := [w | some w in tests.warn] with input as inp
	w.rule == "TST002"
	w.location.path == "cover.out"
	contains(w.msg, "61.2%")
}

test_coverage_minimum_configurable if {
	inp := json.patch(green, [{"op": "replace", "path": "/tests/coverage", "value": 61.2}])
	"TST002" in rules(tests.warn) with input as inp
	cfg := {"environments": {"production": {"tests": {"min_coverage": 60}}}}
	not "TST002" in rules(tests.warn) with input as inp with data.relgate.config as cfg
	off := {"defaults": {"tests": {"min_coverage": 0}}}
	not "TST002" in rules(tests.warn) with input as inp with data.relgate.config as off
	strict := {"defaults": {"tests": {"min_coverage": 90}}}
	"TST002" in rules(tests.warn) with input as green with data.relgate.config as strict
}

test_no_coverage_no_warning if {
	inp := json.remove(green, ["/tests/coverage"])
	not "TST002" in rules(tests.warn) with input as inp
	count(tests.warn) == 0 with input as inp
}

# ---- Boundaries ----

coverage(c) := json.patch(green, [{"op": "replace", "path": "/tests/coverage", "value": c}])

# The default minimum is 80%: exactly 80 passes, just under warns.
test_default_minimum_coverage_is_80 if {
	not "TST002" in rules(tests.warn) with input as coverage(80)
	[w] := [w | some w in tests.warn; w.rule == "TST002"] with input as coverage(79.9)
	w.msg == "coverage is 79.9% (cover.out), below the 80% required in production"
}

# Any minimum above 0 is a minimum, even 1%.
test_minimum_of_one_percent_applies if {
	cfg := {"defaults": {"tests": {"min_coverage": 1}}}
	"TST002" in rules(tests.warn) with input as coverage(0.5) with data.relgate.config as cfg
}

test_one_unlisted_failure_denies if {
	inp := json.patch(green, [{"op": "replace", "path": "/tests/failed", "value": 1}])
	[d] := [d | some d in tests.deny] with input as inp
	d.rule == "TST001"
	d.msg == "1 more tests failed or errored (see report.xml)"
}

# Coverage read without JUnit reports: no report, so no empty run to warn about.
test_coverage_without_reports_is_no_empty_run if {
	inp := json.patch(green, [
		{"op": "replace", "path": "/tests/reports", "value": []},
		{"op": "replace", "path": "/tests/passed", "value": 0},
		{"op": "replace", "path": "/tests/skipped", "value": 0},
	])
	count(tests.warn) == 0 with input as inp
}
