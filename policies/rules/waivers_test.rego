package relgate.rules.waivers_test

import data.relgate.rules.waivers

catalog := {
	"VUL001": {"severity": "critical", "title": "t", "package": "relgate.rules.vulnerabilities"},
	"MIG003": {"severity": "medium", "title": "t", "package": "relgate.rules.migrations"},
}

waiver(fields) := object.union(
	{
		"rule": "MIG003",
		"scope": {"path": "db/**"},
		"reason": "table is empty",
		"approver": "",
		"expires": "2026-09-01",
		"location": {"path": ".relgate-waivers.yaml", "start_line": 4, "end_line": 9},
	},
	fields,
)

inp(ws) := {"release": {"environment": "production", "time": "2026-06-01T00:00:00Z"}, "waivers": ws}

ids(set) := {v.rule | some v in set}

test_sound_waiver_raises_nothing if {
	ws := [waiver({}), waiver({"rule": "VUL001", "approver": "alice", "expires": "2026-06-30", "scope": {"id": "CVE-1"}})]
	count(waivers.deny) == 0 with input as inp(ws) with data.relgate.catalog as catalog
	count(waivers.warn) == 0 with input as inp(ws) with data.relgate.catalog as catalog
	count(waivers.rejected) == 0 with input as inp(ws) with data.relgate.catalog as catalog
}

test_expired_waiver_is_a_violation if {
	ws := [waiver({"expires": "2026-05-31"})]
	[v] := [v | some v in waivers.deny] with input as inp(ws) with data.relgate.catalog as catalog
	v.rule == "WVR001"
	v.severity == "high"
	contains(v.msg, "expired on 2026-05-31")
	v.location.start_line == 4
	waivers.expired == {0} with input as inp(ws) with data.relgate.catalog as catalog
}

test_waiver_expiring_on_release_day_has_expired if {
	# A plain date lasts to the end of its day (UTC).
	ws := [waiver({"expires": "2026-05-31T23:59:59Z"}), waiver({"expires": "2026-06-01", "scope": {"path": "x"}})]
	waivers.expired == {0} with input as inp(ws) with data.relgate.catalog as catalog
}

test_waiver_expiring_soon_warns if {
	ws := [waiver({"expires": "2026-06-10"})]
	[v] := [v | some v in waivers.warn] with input as inp(ws) with data.relgate.catalog as catalog
	v.rule == "WVR002"
	contains(v.msg, "in 10 day(s)")
	count(waivers.warn) == 0 with input as inp(ws) with data.relgate.catalog as catalog
		with data.relgate.config as {"defaults": {"waivers": {"expiry_warning_days": 5}}}
}

test_severe_waiver_needs_an_approver if {
	ws := [waiver({"rule": "VUL001", "expires": "2026-06-30", "scope": {"id": "CVE-1"}})]
	[v] := [v | some v in waivers.deny] with input as inp(ws) with data.relgate.catalog as catalog
	v.rule == "WVR004"
	contains(v.msg, "critical rule")
	waivers.rejected == {0} with input as inp(ws) with data.relgate.catalog as catalog

	# Which severities need one is a setting.
	cfg := {"defaults": {"waivers": {"approver_required": ["critical", "high", "medium"]}}}
	ids(waivers.deny) == {"WVR004"} with input as inp([waiver({})]) with data.relgate.catalog as catalog
		with data.relgate.config as cfg
}

test_waiver_longer_than_its_severity_allows_is_rejected if {
	# critical: 30 days by default; medium: 180.
	ws := [
		waiver({"rule": "VUL001", "approver": "alice", "expires": "2026-08-01", "scope": {"id": "CVE-1"}}),
		waiver({"expires": "2026-11-01"}),
	]
	[v] := [v | some v in waivers.deny] with input as inp(ws) with data.relgate.catalog as catalog
	v.rule == "WVR005"
	contains(v.msg, "more than the 30 days allowed for a critical rule")
	waivers.rejected == {0} with input as inp(ws) with data.relgate.catalog as catalog

	cfg := {"environments": {"production": {"waivers": {"max_days": {"medium": 90}}}}}
	waivers.rejected == {0, 1} with input as inp(ws) with data.relgate.catalog as catalog with data.relgate.config as cfg
}

test_unknown_rule_warns if {
	ws := [waiver({"rule": "MIG333"})]
	[v] := [v | some v in waivers.warn] with input as inp(ws) with data.relgate.catalog as catalog
	v.rule == "WVR006"
	contains(v.msg, "MIG333")

	# Without a catalog (a unit test of another policy) nothing is unknown.
	count(waivers.warn) == 0 with input as inp(ws)
}

test_incomplete_waiver_is_rejected if {
	ws := [
		waiver({"reason": " "}),
		waiver({"expires": "soon", "scope": {"path": "x"}}),
		object.remove(waiver({"scope": {"path": "y"}}), ["expires"]),
	]
	ids(waivers.deny) == {"WVR007"} with input as inp(ws) with data.relgate.catalog as catalog
	count(waivers.deny) == 3 with input as inp(ws) with data.relgate.catalog as catalog
	waivers.rejected == {0, 1, 2} with input as inp(ws) with data.relgate.catalog as catalog
}

test_fingerprint_survives_line_shifts if {
	a := waivers.deny with input as inp([waiver({"expires": "2026-01-01"})]) with data.relgate.catalog as catalog
	b := waivers.deny with input as inp([waiver({"expires": "2026-01-01", "location": {"path": ".relgate-waivers.yaml", "start_line": 40}})])
		with data.relgate.catalog as catalog
	[x] := [v.fingerprint | some v in a]
	[y] := [v.fingerprint | some v in b]
	x == y
}

# ---- The documented numbers, at their edges ----

by_severity := {
	"H1": {"severity": "high", "title": "t", "package": "relgate.rules.t"},
	"M1": {"severity": "medium", "title": "t", "package": "relgate.rules.t"},
	"L1": {"severity": "low", "title": "t", "package": "relgate.rules.t"},
	"I1": {"severity": "info", "title": "t", "package": "relgate.rules.t"},
	"C1": {"severity": "critical", "title": "t", "package": "relgate.rules.t"},
}

# The release is at 2026-06-01T00:00:00Z: each waiver runs exactly its
# severity's max_days (critical 30, high 90, medium 180, low and info 365),
# its twin one second more.
test_max_days_per_severity_at_the_edge if {
	edges := [
		["C1", "2026-07-01T00:00:00Z", "2026-07-01T00:00:01Z"],
		["H1", "2026-08-30T00:00:00Z", "2026-08-30T00:00:01Z"],
		["M1", "2026-11-28T00:00:00Z", "2026-11-28T00:00:01Z"],
		["L1", "2027-06-01T00:00:00Z", "2027-06-01T00:00:01Z"],
		["I1", "2027-06-01T00:00:00Z", "2027-06-01T00:00:01Z"],
	]
	every e in edges {
		ok := waiver({"rule": e[0], "approver": "alice", "expires": e[1]})
		long := waiver({"rule": e[0], "approver": "alice", "expires": e[2], "scope": {"path": "other/**"}})
		waivers.rejected == {1} with input as inp([ok, long]) with data.relgate.catalog as by_severity
		ids(waivers.deny) == {"WVR005"} with input as inp([ok, long]) with data.relgate.catalog as by_severity
	}
}

# 14 days (expiry_warning_days) before expiry warns; a second more does not.
test_expiry_warning_at_fourteen_days if {
	[v] := [v | some v in waivers.warn] with input as inp([waiver({"expires": "2026-06-15T00:00:00Z"})]) with data.relgate.catalog as catalog
	v.rule == "WVR002"
	contains(v.msg, "in 14 day(s)")
	count(waivers.warn) == 0 with input as inp([waiver({"expires": "2026-06-15T00:00:01Z"})]) with data.relgate.catalog as catalog
}

test_a_catalog_of_one_rule_still_knows_unknown_rules if {
	one := {"MIG003": catalog.MIG003}
	ids(waivers.warn) == {"WVR006"} with input as inp([waiver({"rule": "MIG333"})]) with data.relgate.catalog as one
}

# Messages name the scope's set fields only; a waiver without a location
# points at line 0 of no file.
expired_without_location(scope) := vs if {
	w := object.union(object.remove(waiver({"expires": "2026-05-31"}), ["location", "scope"]), {"scope": scope})
	vs := [v | some v in waivers.deny; v.rule == "WVR001"] with input as inp([w]) with data.relgate.catalog as catalog
}

test_waiver_described_by_its_scope if {
	[a] := expired_without_location({"path": "db/**"})
	a.msg == "waiver of MIG003 for path db/** expired on 2026-05-31; its findings count again"
	a.location == {"path": "", "start_line": 0, "end_line": 0}
	[b] := expired_without_location({"path": "db/**", "id": ""})
	b.msg == "waiver of MIG003 for path db/** expired on 2026-05-31; its findings count again"
	[c] := expired_without_location({})
	c.msg == "waiver of MIG003 expired on 2026-05-31; its findings count again"
}
