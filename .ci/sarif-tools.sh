#!/usr/bin/env bash
# sarif-tools.sh DIR — install the SARIF validation tools the report tests use
# into DIR, from the npm registry, and print the environment the Go tests read:
#
#   eval "$(bash .ci/sarif-tools.sh .tools)"
#   go test ./report/
#
# Only the two `export` lines go to stdout; progress goes to stderr. Running it
# again is cheap: an install of the pinned version is reused.
#
# What it installs:
#   - @microsoft/sarif-multitool (the .NET SARIF validator, shipped as a
#     self-contained binary in its per-platform package). `validate` exits 0
#     even when it finds errors, so the tests read the SARIF log it writes.
#   - The SARIF 2.1.0 JSON Schema: the copy the multitool package ships
#     (sarif-2.1.0.json, the schema the validator itself enforces). No npm
#     package was found that ships the OASIS file byte for byte; this copy has
#     the same 52 definitions and is checked below to be the 2.1.0 schema.
set -euo pipefail

MULTITOOL_VERSION=5.7.0

if [[ $# -ne 1 ]]; then
	echo "usage: $0 DIR" >&2
	exit 2
fi

mkdir -p "$1"
dir=$(cd "$1" && pwd)

case "$(uname -s)" in
Linux) platform=linux ;;
Darwin) platform=darwin ;;
*)
	echo "sarif-tools: unsupported platform $(uname -s)" >&2
	exit 1
	;;
esac

pkgdir="$dir/node_modules/@microsoft/sarif-multitool-$platform"
binary="$pkgdir/Sarif.Multitool"
schema="$pkgdir/sarif-2.1.0.json"

installed_version() {
	[[ -f "$pkgdir/package.json" ]] || return 0
	node -e 'process.stdout.write(require(process.argv[1]).version)' "$pkgdir/package.json"
}

if [[ "$(installed_version)" != "$MULTITOOL_VERSION" || ! -f "$binary" ]]; then
	echo "sarif-tools: installing @microsoft/sarif-multitool@$MULTITOOL_VERSION into $dir" >&2
	# --ignore-scripts: the package's only script is a chmod, done below; a
	# registry package gets no chance to run code at install time.
	npm install --prefix "$dir" --no-audit --no-fund --ignore-scripts --loglevel=error \
		"@microsoft/sarif-multitool@$MULTITOOL_VERSION" >&2
fi

# The per-platform package ships its binary without the executable bit.
chmod +x "$binary"

# The bundled runtime needs ICU unless told to run culture-invariant; the
# validator does not need cultures.
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1
if ! "$binary" --version >/dev/null 2>&1; then
	echo "sarif-tools: $binary does not run" >&2
	exit 1
fi

if ! node -e '
	const s = require(process.argv[1]);
	if (!/SARIF\) Version 2\.1\.0 JSON Schema/.test(s.title) || Object.keys(s.definitions || {}).length < 50) process.exit(1);
' "$schema"; then
	echo "sarif-tools: $schema is not the SARIF 2.1.0 JSON Schema" >&2
	exit 1
fi

echo "export RELGATE_SARIF_MULTITOOL=$binary"
echo "export RELGATE_SARIF_SCHEMA=$schema"
