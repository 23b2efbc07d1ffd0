#!/usr/bin/env bash
# deps.sh — install what relgate's tests run for real, and print the
# environment they read. `make test` and .ci/run both call it:
#
#   env=$(bash .ci/deps.sh) && eval "$env" && go test ./...
#
# Only `export` lines go to stdout; progress goes to stderr. It is idempotent
# and quick when everything is present (nothing is downloaded then):
#   - Debian packages: prometheus and promtool (the SLO tests backfill a
#     history into a real server), pre-commit (the hook tests commit through
#     the real tool), shellcheck (make lint-action), curl (the Action's
#     install step), chromium (the HTML report is loaded in headless
#     Chromium), docker-registry (a real registry for the decision records);
#   - Go: the cosign CLI, into .tools/bin (.ci/cosign.sh), which verifies
#     the records relgate attaches to images;
#   - npm: the SARIF multitool and the SARIF 2.1.0 schema, into .tools/sarif
#     (.ci/sarif-tools.sh).
# A tool that is still missing afterwards fails here, and the test that needs
# it fails too, naming this script: no test skips for want of a tool.
set -euo pipefail
cd "$(dirname "$0")/.."

tools="$PWD/.tools"
mkdir -p "$tools"

# Debian packages install with their services left stopped (the tests start
# their own servers on loopback): policy-rc.d answers "not now" while apt
# runs. The dpkg lock is waited for, not fought over.
apt_install() {
	local sudo_cmd="" made_policy=""
	if [ "$(id -u)" -ne 0 ]; then sudo_cmd="sudo"; fi
	if ! command -v apt-get >/dev/null; then
		echo "deps: $* missing and no apt-get here: install them with your package manager" >&2
		exit 1
	fi
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | $sudo_cmd tee /usr/sbin/policy-rc.d >/dev/null
		$sudo_cmd chmod +x /usr/sbin/policy-rc.d
		made_policy=1
	fi
	$sudo_cmd apt-get -o DPkg::Lock::Timeout=600 update >&2
	DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get -o DPkg::Lock::Timeout=600 \
		install -y --no-install-recommends "$@" >&2
	if [ -n "$made_policy" ]; then $sudo_cmd rm -f /usr/sbin/policy-rc.d; fi
}

# command -> the Debian package that provides it
declare -A package=(
	[prometheus]=prometheus
	[promtool]=prometheus
	[pre-commit]=pre-commit
	[shellcheck]=shellcheck
	[curl]=curl
	[chromium]=chromium
	[docker-registry]=docker-registry
)
missing=()
for cmd in prometheus promtool pre-commit shellcheck curl chromium docker-registry; do
	if ! command -v "$cmd" >/dev/null; then
		pkg=${package[$cmd]}
		[[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
	fi
done
if ((${#missing[@]} > 0)); then
	echo "deps: apt-get install ${missing[*]}" >&2
	apt_install "${missing[@]}"
	for cmd in "${!package[@]}"; do
		command -v "$cmd" >/dev/null || {
			echo "deps: $cmd is still missing after installing ${missing[*]}" >&2
			exit 1
		}
	done
fi

# The SARIF validators. The assignment stands alone so that a failed
# install fails this script.
if ! command -v npm >/dev/null; then
	echo "deps: npm is needed for the SARIF validators (Debian: apt-get install npm)" >&2
	exit 1
fi
sarif_env=$(bash .ci/sarif-tools.sh "$tools/sarif")
echo "$sarif_env"
cosign_env=$(bash .ci/cosign.sh "$tools")
echo "$cosign_env"
