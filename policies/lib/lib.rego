# METADATA
# title: relgate policy library
# description: |
#   Helpers every rule package uses: the per-environment settings (defaults
#   merged with data.relgate.config) and the constructor of a finding from a
#   rule's METADATA, so ids, titles and severities are written once.
package relgate.lib

# environment is where the release is going; a gate fails safe, so an input
# that does not say is treated as production.
default environment := "production"

environment := input.release.environment if input.release.environment != ""

is_production if environment == "production"

# config is .relgate.yaml as data; absent in policy unit tests.
default config := {}

config := data.relgate.config

# settings are the thresholds in force: the built-in defaults, then the
# built-in defaults of this environment, then the config's defaults, then
# the config's settings of this environment. Later layers win, key by key.
# relgate computes them once per environment when it compiles the policies
# (data.relgate.environment_settings); without that, they are merged here.
settings := s if {
	s := data.relgate.environment_settings[environment]
} else := object.union_n([
	data.relgate.defaults.base,
	object.get(data.relgate.defaults.environments, environment, {}),
	object.get(config, "defaults", {}),
	object.get(config, ["environments", environment], {}),
])

# finding builds a policy result from the calling rule's METADATA (pass
# rego.metadata.rule()) and the fields the rule knows: msg, location,
# fingerprint and any extra keys (package, id, image) that waivers can match.
finding(md, fields) := object.union(
	{
		"rule": md.custom.id,
		"title": md.title,
		"severity": md.custom.severity,
	},
	fields,
)

# location of a fact with a file; lines are optional.
location(path, start_line, end_line) := {"path": path, "start_line": start_line, "end_line": end_line}

# severity_rank orders severities, most severe first.
severity_rank := {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}

# at_least(s, floor) is true when severity s is as severe as floor or more.
at_least(s, floor) if severity_rank[s] <= severity_rank[floor]

# glob_any(patterns, s) is true when s matches one of the glob patterns
# (path-like: "*" stops at "/", "**" crosses it).
glob_any(patterns, s) if {
	some p in patterns
	glob.match(p, ["/"], s)
}

# time_ns is the time of the release facts, never the wall clock, so a saved
# input always re-evaluates to the same decision.
time_ns := time.parse_rfc3339_ns(input.release.time)

# date_ns parses an RFC 3339 time or a plain date (which lasts to the end of
# that day, UTC); it is undefined for anything else.
date_ns(s) := time.parse_rfc3339_ns(s) if regex.match(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`, s)

date_ns(s) := time.parse_ns("2006-01-02", s) + day_ns if regex.match(`^\d{4}-\d{2}-\d{2}$`, s)

day_ns := ((24 * 60) * 60) * 1000000000

# waiver_expired is true for a waiver whose expiry has passed, or cannot be read.
waiver_expired(w) if date_ns(w.expires) <= time_ns

waiver_expired(w) if not date_ns(w.expires)
