# METADATA
# title: Test results
# description: |
#   What the release's own tests say: every failing or erroring test
#   denies, a run without tests warns, and coverage below the
#   environment's minimum warns.
#   Settings (settings.tests): min_coverage (a percentage; 0 turns the
#   check off).
package relgate.rules.tests

import data.relgate.lib

default_rules := {
	# Coverage below this percentage warns; SonarQube's default quality
	# gate asks for 80.
	"min_coverage": 80,
}

rules := object.union(default_rules, object.get(lib.settings, "tests", {}))

tests := input.tests

# METADATA
# title: A test failed
# description: |
#   A test case in the release's JUnit reports failed (<failure>) or could
#   not run (<error>). A release is not shipped on red tests.
# custom:
#   id: TST001
#   severity: high
#   remediation: |
#     Fix the test or the code it caught, and run the pipeline again. A
#     known-flaky test can be waived by its id (classname.name) with a
#     reason and an expiry while it is fixed.
# related_resources:
#   - ref: https://github.com/testmoapp/junitxml
deny contains v if {
	md := rego.metadata.rule()
	some f in tests.failures
	v := lib.finding(md, {
		"msg": concat(" ", ["test", f.id, outcome[f.kind]]),
		"location": f.location,
		"fingerprint": crypto.sha256(concat("|", ["TST001", f.id])),
		"id": f.id,
	})
}

outcome := {"failure": "failed", "error": "errored"}

# Failing tests beyond those listed, or counted without names, still deny.
unlisted := (tests.failed + tests.errors) - count(tests.failures) if tests

# METADATA
# title: A test failed
# description: |
#   More test cases failed than the document lists by name.
# custom:
#   id: TST001
#   severity: high
#   remediation: |
#     Read the JUnit reports for the full list, fix the failing tests and
#     run the pipeline again.
deny contains v if {
	unlisted > 0
	v := lib.finding(rego.metadata.rule(), {
		"msg": sprintf("%d more tests failed or errored (see %s)", [unlisted, concat(", ", tests.reports)]),
		"location": tests.location,
		"fingerprint": crypto.sha256(sprintf("TST001|unlisted|%s", [concat(",", tests.reports)])),
	})
}

# METADATA
# title: No tests ran
# description: |
#   The JUnit reports were read but hold no test case: the test step ran
#   nothing, or wrote its results elsewhere.
# custom:
#   id: TST003
#   severity: medium
#   remediation: |
#     Check the test step ran and that tests.junit in .relgate.yaml points
#     at the reports it writes.
warn contains v if {
	count(tests.reports) > 0
	((tests.passed + tests.failed) + tests.errors) + tests.skipped == 0
	v := lib.finding(rego.metadata.rule(), {
		"msg": sprintf("the JUnit reports %s hold no test case", [concat(", ", tests.reports)]),
		"location": tests.location,
		"fingerprint": crypto.sha256(sprintf("TST003|%s", [concat(",", tests.reports)])),
	})
}

# METADATA
# title: Test coverage below the minimum
# description: |
#   The share of statements or lines the tests execute is below the
#   environment's minimum (settings.tests.min_coverage).
# custom:
#   id: TST002
#   severity: medium
#   remediation: |
#     Add tests for the untested code, or lower tests.min_coverage for the
#     environment in .relgate.yaml if the minimum does not fit the project.
# related_resources:
#   - ref: https://go.dev/blog/cover
warn contains v if {
	rules.min_coverage > 0
	tests.coverage < rules.min_coverage
	v := lib.finding(rego.metadata.rule(), {
		"msg": sprintf("coverage is %v%% (%s), below the %v%% required in %s", [
			tests.coverage, tests.coverage_file, rules.min_coverage, lib.environment,
		]),
		"location": {"path": tests.coverage_file},
		"fingerprint": crypto.sha256(sprintf("TST002|%s|%s", [lib.environment, tests.coverage_file])),
	})
}
