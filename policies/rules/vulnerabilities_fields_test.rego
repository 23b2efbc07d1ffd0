package relgate.rules.vulnerabilities_fields_test

import data.relgate.rules.vulnerabilities

vuln := {
	"id": "GHSA-35jh-r3h4-6jhm",
	"aliases": ["CVE-2021-23337"],
	"package": {"name": "lodash", "version": "4.17.20", "ecosystem": "npm"},
	"severity": "high",
	"fixed_versions": ["4.17.21"],
	"source": "trivy",
	"image": "shop:1.4.0",
	"layer": {"digest": "sha256:aa", "diff_id": "sha256:bb"},
	"cwes": ["CWE-77", "CWE-94"],
	"location": {"path": "Dockerfile", "start_line": 1},
}

doc(list) := {"release": {"environment": "production", "time": "2026-06-01T00:00:00Z"}, "vulnerabilities": list}

# A finding carries the structured fields trivy users read.
test_finding_has_structured_fields if {
	[f] := [f | some f in vulnerabilities.deny] with input as doc([vuln])
	f.rule == "VUL001"
	f.package == "lodash"
	f.installed_version == "4.17.20"
	f.fixed_version == "4.17.21"
	f.cve == "CVE-2021-23337"
	f.aliases == ["CVE-2021-23337"]
	f.cwe == ["CWE-77", "CWE-94"]
	f.image == "shop:1.4.0"
	f.layer == "sha256:bb"
}

# With several CVE aliases, cve is the first of them alone.
test_cve_is_the_first_cve_alias if {
	two := object.union(vuln, {"aliases": ["GHSA-xxxx-yyyy-zzzz", "CVE-2021-23337", "CVE-2021-99999"]})
	[f] := [f | some f in vulnerabilities.deny] with input as doc([two])
	f.rule == "VUL001"
	f.cve == "CVE-2021-23337"
}

# Without them the fields are empty, and the finding is still made.
test_finding_without_optional_facts if {
	bare := object.remove(vuln, ["aliases", "layer", "cwes", "image"])
	[f] := [f | some f in vulnerabilities.deny] with input as doc([object.union(bare, {"id": "CVE-2024-0001", "source": "osv"})])
	f.rule == "VUL001"
	f.cve == "CVE-2024-0001"
	f.cwe == []
	f.layer == ""
	not f.image
}
