#!/usr/bin/env bash
# can-upload.sh — decide whether the SARIF upload step runs. A pull request
# from a fork runs with a read-only token that cannot write security events:
# the upload would fail the job although the gate decided. Skip it with a
# notice instead.
set -euo pipefail

upload=true
if [[ "${GITHUB_EVENT_NAME:-}" == pull_request* && -n "${HEAD_REPO:-}" && "${HEAD_REPO}" != "${GITHUB_REPOSITORY:-}" ]]; then
	upload=false
	echo "::notice title=relgate::SARIF not uploaded: pull requests from forks (${HEAD_REPO}) cannot write code scanning results. The report is in the sarif-file output."
fi
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
	echo "upload=$upload" >>"$GITHUB_OUTPUT"
fi
echo "relgate: SARIF upload ${upload}"
