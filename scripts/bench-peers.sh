#!/usr/bin/env bash
# bench-peers.sh: relgate against the CLIs of the tools it embeds, on the same
# generated inputs, as whole processes (issue 14's table).
#
# It installs the peers at pinned versions into .tools/peers (their documented
# `go install`; an installed binary of the right version is kept), builds
# bin/relgate, generates the inputs under a temporary directory, runs relgate
# and the peer interleaved N times per row, and prints per row the median CPU
# seconds (user+system), the largest max RSS and the relgate/peer ratios.
# Read the ratios, not the absolute figures: the machine is shared.
#
#   N=7 scripts/bench-peers.sh            # all rows
#   ROWS="version staged" scripts/bench-peers.sh
#   PEERS=/opt/peers scripts/bench-peers.sh   # peers installed elsewhere (checked, installed if not)
#
# Rows: eval-1k eval-10k eval-100k version staged lockfile small-repo full-gate.
# Needs go, git and GNU time (/usr/bin/time; Debian: apt-get install time).
set -euo pipefail

N=${N:-5}
ROWS=${ROWS:-"eval-1k eval-10k eval-100k version staged lockfile small-repo full-gate"}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS=${PEERS:-$ROOT/.tools/peers}
RELGATE=$ROOT/bin/relgate
export GOEXPERIMENT=jsonv2

CONFTEST_VERSION=v0.71.1
GITLEAKS_VERSION=v8.30.1
OSV_SCANNER_VERSION=v2.5.0
TRIVY_VERSION=v0.74.0

die() { echo "bench-peers: $*" >&2; exit 1; }
[ -x /usr/bin/time ] || die "GNU time is missing: apt-get install time"
command -v git >/dev/null || die "git is missing"

# install NAME PACKAGE VERSION: go install into $PEERS unless the binary
# there was built from the module at VERSION (its build info says).
install() {
	local name=$1 pkg=$2 version=$3
	if [ -x "$PEERS/$name" ] && [ "$(go version -m "$PEERS/$name" | awk '$1 == "mod" { print $3; exit }')" = "$version" ]; then
		return
	fi
	echo "installing $name $version into $PEERS" >&2
	mkdir -p "$PEERS"
	# Outside the module, so that relgate's go.mod does not take part.
	(cd "$PEERS" && GOBIN=$PEERS GOFLAGS='' go install "$pkg@$version")
}

install conftest github.com/open-policy-agent/conftest "$CONFTEST_VERSION"
install gitleaks github.com/zricethezav/gitleaks/v8 "$GITLEAKS_VERSION"
install osv-scanner github.com/google/osv-scanner/v2/cmd/osv-scanner "$OSV_SCANNER_VERSION"
install trivy github.com/aquasecurity/trivy/cmd/trivy "$TRIVY_VERSION"

echo "building bin/relgate" >&2
(cd "$ROOT" && make -s build)

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export HOME=$WORK/home # peers keep caches and configs under $HOME
mkdir -p "$HOME"
export GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=bench GIT_AUTHOR_EMAIL=bench@example.com \
	GIT_COMMITTER_NAME=bench GIT_COMMITTER_EMAIL=bench@example.com

# ---- inputs ---------------------------------------------------------------

# evaldoc N FILE: an input document with N vulnerabilities (a quarter each
# critical, high, medium, low) and N/100 waivers by id.
evaldoc() {
	awk -v n="$1" 'BEGIN {
		split("critical high medium low", sev, " ")
		printf "{\"apiVersion\":\"relgate.dev/v1\",\"kind\":\"ReleaseInput\","
		printf "\"release\":{\"environment\":\"production\",\"branch\":\"main\",\"tag\":\"v2.0.0\",\"version\":\"2.0.0\",\"time\":\"2026-11-01T00:00:00Z\"},"
		printf "\"secrets\":[],\"containers\":[],\"misconfigurations\":[],\"migrations\":[],\"slo\":[],"
		printf "\"vulnerabilities\":["
		for (i = 0; i < n; i++) {
			printf "%s{\"id\":\"GHSA-%06d\",\"package\":{\"name\":\"pkg%d\",\"version\":\"1.0.0\",\"ecosystem\":\"npm\"},", (i ? "," : ""), i, i
			printf "\"severity\":\"%s\",\"fixed_versions\":[\"1.0.1\"],\"source\":\"osv\",", sev[i % 4 + 1]
			printf "\"location\":{\"path\":\"package-lock.json\",\"start_line\":%d},\"dev\":false,\"in_change\":true}", i + 1
		}
		printf "],\"waivers\":["
		for (i = 0; i < n / 100; i++) {
			printf "%s{\"rule\":\"VUL001\",\"scope\":{\"id\":\"GHSA-%06d\"},\"reason\":\"accepted\",\"expires\":\"2099-01-01\",", (i ? "," : ""), i * 100
			printf "\"location\":{\"path\":\".relgate-waivers.yaml\",\"start_line\":%d}}", i * 6 + 2
		}
		printf "],\"scanners\":[{\"name\":\"deps\",\"status\":\"ok\",\"duration_ms\":1}]}\n"
	}' >"$2"
}

# The conftest policy equivalent to the judgment relgate makes of that
# document: a severity threshold, a count budget and a waiver lookup.
mkdir -p "$WORK/conftest"
cat >"$WORK/conftest/policy.rego" <<'EOF'
package main

import rego.v1

waived contains w.scope.id if some w in input.waivers

# Severity threshold: high and critical fail unless waived.
deny contains msg if {
	some v in input.vulnerabilities
	v.severity in {"critical", "high"}
	not v.id in waived
	msg := sprintf("%s in %s@%s is %s", [v.id, v.package.name, v.package.version, v.severity])
}

# Count budget: at most five medium findings.
deny contains msg if {
	n := count([v | some v in input.vulnerabilities; v.severity == "medium"; not v.id in waived])
	n > 5
	msg := sprintf("%d medium vulnerabilities, budget 5", [n])
}

# Waiver lookup: an expired waiver is a violation of its own.
deny contains msg if {
	some w in input.waivers
	w.expires < "2026-11-01"
	msg := sprintf("waiver for %s expired on %s", [w.scope.id, w.expires])
}
EOF

# repo DIR FILES: a git repository of FILES Go files in one commit.
repo() {
	local dir=$1 n=$2 i
	mkdir -p "$dir"
	git -C "$dir" init -q -b main
	for ((i = 0; i < n; i++)); do
		mkdir -p "$dir/pkg$((i % 40))"
		printf 'package pkg%d\n\n// F%d returns its number.\nfunc F%d() int { return %d }\n' $((i % 40)) "$i" "$i" "$i" >"$dir/pkg$((i % 40))/file$i.go"
	done
	git -C "$dir" add -A
	git -C "$dir" commit -q -m "feat: the tree"
}

gen_staged() {
	repo "$WORK/staged" 2000
	local i
	for ((i = 0; i < 5; i++)); do
		printf '\n// Staged changes this file.\nfunc Staged%d() {}\n' "$i" >>"$WORK/staged/pkg$i/file$i.go"
		git -C "$WORK/staged" add "pkg$i/file$i.go"
	done
}

# The lockfile project and the small repository use the demo's offline
# vulnerability database (OSV npm records and trivy's).
DB=$ROOT/testdata/demo-db
gen_lockfile() {
	mkdir -p "$WORK/lockfile"
	cp "$ROOT/testdata/demo/package.json" "$ROOT/testdata/demo/package-lock.json" "$WORK/lockfile/"
}

# A small service repository without IaC: some source, a lockfile, a README.
gen_small() {
	repo "$WORK/small" 30
	cp "$ROOT/testdata/demo/package.json" "$ROOT/testdata/demo/package-lock.json" "$WORK/small/"
	printf '# small\n' >"$WORK/small/README.md"
	git -C "$WORK/small" add -A
	git -C "$WORK/small" commit -q -m "chore: lockfile"
	git -C "$WORK/small" tag v1.0.0
}

# The full gate: the demo project (secrets, lockfile, Dockerfile, Kubernetes,
# Terraform, migrations …) without its image, in a repository of its own.
gen_full() {
	cp -r "$ROOT/testdata/demo" "$WORK/full"
	rm -rf "$WORK/full/build" "$WORK/full/.relgate.yaml"
	git -C "$WORK/full" init -q -b main
	git -C "$WORK/full" add -A
	git -C "$WORK/full" commit -q -m "feat: the demo"
	git -C "$WORK/full" tag v1.0.0
}

# ---- measuring ------------------------------------------------------------

# measure OUT CMD…: run CMD once (exit 0 or 1 accepted: a gate or a scanner
# that found something) and append "cpu-seconds max-rss-kib wall-seconds".
measure() {
	local out=$1
	shift
	local t=$WORK/time.$$
	local code=0
	/usr/bin/time -f '%U %S %M %e' -o "$t" "$@" >"$WORK/stdout" 2>"$WORK/stderr" || code=$?
	if [ "$code" -gt 1 ]; then
		echo "bench-peers: $* exited $code:" >&2
		tail -5 "$WORK/stderr" >&2
		exit 1
	fi
	tail -1 "$t" | awk '{ printf "%.3f %d %.3f\n", $1 + $2, $3, $4 }' >>"$out"
}

# measure_peers_full OUT: the peers of the full gate one after another;
# CPU and wall add up, RSS is the largest of the three.
measure_peers_full() {
	local out=$1 part=$WORK/part
	: >"$part"
	measure "$part" "$PEERS/gitleaks" dir --no-banner --exit-code 0 --log-level error "$WORK/full"
	measure "$part" "$PEERS/osv-scanner" scan source --offline --local-db-path "$DB" --format json "$WORK/full"
	measure "$part" "$PEERS/trivy" config --quiet --skip-check-update --cache-dir "$WORK/trivy-cache" --format json "$WORK/full"
	awk '{ c += $1; w += $3; if ($2 > r) r = $2 } END { printf "%.3f %d %.3f\n", c, r, w }' "$part" >>"$out"
}

median() { sort -n | awk '{ a[NR] = $1 } END { if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
col() { awk -v c="$2" '{ print $c }' "$1"; }
maxcol() { awk -v c="$2" 'BEGIN { m = 0 } { if ($c > m) m = $c } END { print m }' "$1"; }

printf '%-10s %12s %12s %12s %12s %9s %9s %12s\n' row relgate-cpu relgate-MiB peer-cpu peer-MiB cpu-ratio rss-ratio relgate-wall
report() {
	local row=$1 ours=$2 theirs=${3:-}
	local oc orss ow
	oc=$(col "$ours" 1 | median)
	orss=$(maxcol "$ours" 2)
	ow=$(col "$ours" 3 | median)
	if [ -z "$theirs" ]; then
		printf '%-10s %12s %12.0f %12s %12s %9s %9s %12s\n' "$row" "$oc" "$((orss / 1024))" - - - - "$ow"
		return
	fi
	local tc trss
	tc=$(col "$theirs" 1 | median)
	trss=$(maxcol "$theirs" 2)
	awk -v row="$row" -v oc="$oc" -v orss="$orss" -v tc="$tc" -v trss="$trss" -v ow="$ow" 'BEGIN {
		printf "%-10s %12.3f %12.0f %12.3f %12.0f %8.2fx %8.2fx %12.3f\n", row, oc, orss / 1024, tc, trss / 1024, (tc > 0 ? oc / tc : 0), (trss > 0 ? orss / trss : 0), ow
	}'
}

# row NAME: generate its input, then run relgate and the peer interleaved.
row() {
	local name=$1 ours=$WORK/$1.ours theirs=$WORK/$1.theirs i
	: >"$ours"
	: >"$theirs"
	case $name in
	eval-*)
		local n=${name#eval-}
		n=${n/k/000}
		evaldoc "$n" "$WORK/$name.json"
		for ((i = 0; i < N; i++)); do
			measure "$ours" "$RELGATE" eval --input "$WORK/$name.json" --format json
			measure "$theirs" "$PEERS/conftest" test --no-color --output json --policy "$WORK/conftest" "$WORK/$name.json"
		done
		;;
	version)
		for ((i = 0; i < N; i++)); do
			measure "$ours" "$RELGATE" version
			measure "$theirs" "$PEERS/gitleaks" version
		done
		;;
	staged)
		gen_staged
		for ((i = 0; i < N; i++)); do
			measure "$ours" "$RELGATE" check --staged "$WORK/staged" --format json
			measure "$theirs" "$PEERS/gitleaks" git --staged --no-banner --exit-code 0 --log-level error "$WORK/staged"
		done
		;;
	lockfile)
		gen_lockfile
		for ((i = 0; i < N; i++)); do
			measure "$ours" "$RELGATE" check --scanners deps --offline --db-dir "$DB" --env staging --format json "$WORK/lockfile"
			measure "$theirs" "$PEERS/osv-scanner" scan source --offline --local-db-path "$DB" --format json "$WORK/lockfile"
		done
		;;
	small-repo)
		gen_small
		for ((i = 0; i < N; i++)); do
			measure "$ours" "$RELGATE" check --offline --db-dir "$DB" --format json "$WORK/small"
		done
		theirs=
		;;
	full-gate)
		gen_full
		for ((i = 0; i < N; i++)); do
			measure "$ours" "$RELGATE" check --offline --db-dir "$DB" --format json "$WORK/full"
			measure_peers_full "$theirs"
		done
		;;
	*) die "unknown row $name (known: eval-1k eval-10k eval-100k version staged lockfile small-repo full-gate)" ;;
	esac
	report "$name" "$ours" "$theirs"
}

for r in $ROWS; do
	row "$r"
done
