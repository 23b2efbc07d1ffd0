# METADATA
# title: Leaked secrets
# description: |
#   Secrets found by gitleaks in the working tree, in the change being
#   released (the staged diff or base..HEAD) and in older git history. The
#   input carries only the secret's sha256 and a 4-character preview, never
#   the secret.
# custom:
#   reads:
#     - secrets
package relgate.rules.secrets

import data.relgate.lib

# What a secret found only in older commits does: deny, warn or ignore
# (settings.secrets.in_history; deny in production by default).
in_history := lib.settings.secrets.in_history

places := {
	"change": "in the change",
	"tree": "in the working tree",
	"history": "in the git history",
}

current_places := {"change", "tree"}

# Arrays, not sets: a set of whole secret objects hashes each one again.
current := [s |
	some s in input.secrets
	s.where in current_places
]

historic := [s |
	some s in input.secrets
	s.where == "history"
]

# METADATA
# title: Secret in the change or the working tree
# description: |
#   A credential (an API key, a token, a private key) is committed in the
#   change being released, staged for commit, or present in the working
#   tree. Anyone with read access to the repository, its forks, clones and
#   CI logs can use it.
# custom:
#   id: SEC001
#   severity: critical
#   remediation: |
#     Revoke and rotate the secret first: once pushed, it must be treated as
#     compromised, and removing it does not undo that. Then remove it from the
#     code and load it at run time (a secret manager or the environment), and
#     if it was committed, purge it from the history (git filter-repo or BFG)
#     before the branch is merged. A false positive is marked in place with a
#     `gitleaks:allow` comment, listed in .gitleaksignore by its fingerprint,
#     or waived by its secret_hash (scope id).
# related_resources:
#   - ref: https://github.com/gitleaks/gitleaks
#   - ref: https://cheatsheetseries.owasp.org/cheatsheets/Secrets_Management_Cheat_Sheet.html
#   - ref: https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/removing-sensitive-data-from-a-repository
deny contains v if {
	md := rego.metadata.rule()
	some s in current
	v := lib.finding(md, result("SEC001", s))
}

# METADATA
# title: Secret in older git history
# description: |
#   A credential is in an older commit of the repository although it is no
#   longer in the tree or the change. Whoever can clone the repository can
#   still read it. It fails the gate in production and warns elsewhere
#   (settings.secrets.in_history).
# custom:
#   id: SEC002
#   severity: high
#   remediation: |
#     Revoke and rotate the secret first, then purge it from every branch and
#     tag of the history (git filter-repo or BFG), force-push, and ask
#     everyone with a clone to re-clone. A secret already revoked can be
#     waived by its secret_hash (scope id) with the rotation ticket as reason.
# related_resources:
#   - ref: https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/removing-sensitive-data-from-a-repository
#   - ref: https://github.com/newren/git-filter-repo
deny contains v if {
	in_history == "deny"
	md := rego.metadata.rule()
	some s in historic
	v := lib.finding(md, result("SEC002", s))
}

# METADATA
# title: Secret in older git history
# description: |
#   A credential is in an older commit of the repository, outside an
#   environment that fails on it (settings.secrets.in_history).
# custom:
#   id: SEC002
#   severity: medium
#   remediation: |
#     Revoke and rotate the secret, then purge it from the history (git
#     filter-repo or BFG); in production the same finding fails the gate.
# related_resources:
#   - ref: https://docs.github.com/en/authentication/keeping-your-account-and-data-secure/removing-sensitive-data-from-a-repository
warn contains v if {
	in_history == "warn"
	md := rego.metadata.rule()
	some s in historic
	v := lib.finding(md, result("SEC002", s))
}

# result describes a finding without the secret: the rule that matched,
# the preview, where, and the commit for history findings; in_change tells
# PR mode (relgate.main) a secret only in older commits from a new one. Its fingerprint
# follows the secret (its hash) and the file, not the line, so a waiver
# survives unrelated edits; scope id matches the secret anywhere.
result(id, s) := r if {
	ident := identity(s)
	r := {
		"msg": sprintf("%s secret %s %s%s", [s.rule_id, s.redacted, places[s.where], commit_note(s)]),
		"location": lib.location(s.location.path, s.location.start_line, object.get(s.location, "end_line", s.location.start_line)),
		"fingerprint": crypto.sha256(concat("|", [id, s.rule_id, s.location.path, ident])),
		"id": ident,
		"in_change": s.where == "change",
	}
}

# identity is the secret's hash; a path-only rule (a key file) has none and
# is known by gitleaks' fingerprint.
identity(s) := s.secret_hash if object.get(s, "secret_hash", "") != ""

identity(s) := s.fingerprint if object.get(s, "secret_hash", "") == ""

commit_note(s) := sprintf(", commit %s by %s on %s", [
	substring(s.location.commit, 0, 12),
	object.get(s, "author", "unknown"),
	object.get(s, "date", "an unknown date"),
]) if object.get(s.location, "commit", "") != ""

commit_note(s) := "" if object.get(s.location, "commit", "") == ""
