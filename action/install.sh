#!/usr/bin/env bash
# install.sh — the action's first step: put the pinned relgate on PATH.
#
#   RELGATE_VERSION        release tag (vX.Y.Z) or commit SHA (built with go
#                          install); the action passes its own ref
#   RELGATE_INSTALL        release (default): download the release archive and
#                          verify it against the release's SHA256SUMS;
#                          go: go install from the Go module proxy;
#                          path: use the relgate already on PATH
#   RELGATE_DOWNLOAD_URL   base URL of the release assets (a mirror, or
#                          file:// for tests); default GitHub's release page
set -euo pipefail

version=${RELGATE_VERSION:-}
method=${RELGATE_INSTALL:-release}

fail() {
	echo "::error title=relgate install::$*"
	exit 1
}

case "$method" in
path)
	command -v relgate >/dev/null || fail "install is 'path' but there is no relgate on PATH"
	relgate version
	exit 0
	;;
release | go) ;;
*) fail "unknown install method '$method' (release, go or path)" ;;
esac

# The action pinned by commit SHA (uses: relgate/relgate@<sha>) with no
# version input: that commit is what the workflow pinned, so build exactly
# it. A branch name is not a pin: refuse rather than fetch "latest".
if [[ "$version" =~ ^[0-9a-f]{40}$ ]]; then
	method=go
elif [[ ! "$version" =~ ^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?$ ]]; then
	fail "version '$version' is neither a release tag (vX.Y.Z) nor a commit SHA: pin the action to a release or a commit (uses: relgate/relgate@vX.Y.Z or @<40-hex sha>) or set the version input"
fi

dir="${RUNNER_TEMP:-${TMPDIR:-/tmp}}/relgate-$version"
mkdir -p "$dir/bin"

if [[ "$method" == go ]]; then
	# trivy, which relgate-scanners embeds, needs encoding/json/v2; relgate
	# runs relgate-scanners from beside itself.
	GOBIN="$dir/bin" GOEXPERIMENT=jsonv2 CGO_ENABLED=1 go install "github.com/relgate/relgate/cmd/relgate@$version" "github.com/relgate/relgate/cmd/relgate-scanners@$version"
else
	[[ "$(uname -s)" == Linux ]] || fail "release binaries are built for Linux; use install: go on $(uname -s)"
	case "$(uname -m)" in
	x86_64 | amd64) arch=amd64 ;;
	aarch64 | arm64) arch=arm64 ;;
	*) fail "no release binary for $(uname -m); use install: go" ;;
	esac
	base=${RELGATE_DOWNLOAD_URL:-https://github.com/relgate/relgate/releases/download/$version}
	asset="relgate_${version}_linux_${arch}.tar.gz"
	curl -fsSL --retry 3 -o "$dir/$asset" "$base/$asset" || fail "download $base/$asset"
	curl -fsSL --retry 3 -o "$dir/SHA256SUMS" "$base/SHA256SUMS" || fail "download $base/SHA256SUMS"
	# Exactly one line must name the asset, and it must match.
	sums=$(grep -E "^[0-9a-f]{64}  $asset\$" "$dir/SHA256SUMS" || true)
	[[ $(printf '%s\n' "$sums" | grep -c .) -eq 1 ]] || fail "SHA256SUMS has no single checksum for $asset"
	(cd "$dir" && printf '%s\n' "$sums" | sha256sum --check --strict --quiet -) || fail "checksum mismatch for $asset"
	tar -xzf "$dir/$asset" -C "$dir/bin" relgate relgate-scanners
fi

if [[ -n "${GITHUB_PATH:-}" ]]; then
	echo "$dir/bin" >>"$GITHUB_PATH"
fi
"$dir/bin/relgate" version
