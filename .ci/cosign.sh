#!/usr/bin/env bash
# cosign.sh DIR — install the sigstore cosign CLI that the registry attestation
# tests verify relgate's records with, into DIR/bin, and print the environment
# the Go tests read:
#
#   eval "$(bash .ci/cosign.sh .tools)"
#   go test ./attest/ -run Cosign
#
# Only the `export` line goes to stdout; progress goes to stderr. The build is
# large (several minutes on a cold module cache): a binary of the pinned
# version already in DIR/bin is reused.
set -euo pipefail

COSIGN_VERSION=v2.6.5

if [[ $# -ne 1 ]]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi

mkdir -p "$1/bin"
dir=$(cd "$1" && pwd)
binary="$dir/bin/cosign"

# `cosign version` prints the module version a go install build stamps
# (GitVersion: v2.6.5); any other binary is replaced.
installed() {
	[[ -x "$binary" ]] && "$binary" version 2>&1 | grep -qF "$COSIGN_VERSION"
}

if ! installed; then
	echo "cosign: installing github.com/sigstore/cosign/v2/cmd/cosign@$COSIGN_VERSION into $dir/bin" >&2
	# cosign is built as its authors build it: relgate's GOEXPERIMENT (which
	# swaps encoding/json's implementation) does not apply to it.
	env -u GOEXPERIMENT GOBIN="$dir/bin" GOFLAGS= go install "github.com/sigstore/cosign/v2/cmd/cosign@$COSIGN_VERSION" >&2
fi

if ! installed; then
	echo "cosign: $binary does not report version $COSIGN_VERSION" >&2
	exit 1
fi

echo "export RELGATE_COSIGN=$binary"
