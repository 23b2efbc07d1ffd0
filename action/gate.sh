#!/usr/bin/env bash
# gate.sh — the action's gate step: run `relgate check` with the action's
# inputs (INPUT_* variables), then, whatever the result:
#   - the SARIF report is in INPUT_SARIF_FILE whenever a decision was made
#     (a failing gate included), always with every finding: the inputs never
#     filter what goes into it;
#   - annotations (workflow commands) are printed, the Markdown summary is
#     appended to GITHUB_STEP_SUMMARY;
#   - the outputs result, exit-code and sarif-file are set.
# It exits 0 so that the SARIF upload step runs; the action's last step
# exits with relgate's code.
set -uo pipefail

# list splits an input on newlines and commas, dropping blanks.
list() {
	tr ',' '\n' <<<"$1" | sed -e 's/^[[:space:]]*//' -e 's/[[:space:]]*$//' -e '/^$/d'
}

args=(check "${INPUT_PATH:-.}" --format "${INPUT_FORMAT:-table}")
[[ -n "${INPUT_ENVIRONMENT:-}" ]] && args+=(--env "$INPUT_ENVIRONMENT")
[[ -n "${INPUT_CONFIG:-}" ]] && args+=(--config "$INPUT_CONFIG")
while IFS= read -r p; do args+=(--policy "$p"); done < <(list "${INPUT_POLICY:-}")
while IFS= read -r i; do args+=(--image "$i"); done < <(list "${INPUT_IMAGE:-}")
while IFS= read -r d; do args+=(--skip-dirs "$d"); done < <(list "${INPUT_SKIP_DIRS:-}")
while IFS= read -r f; do args+=(--skip-files "$f"); done < <(list "${INPUT_SKIP_FILES:-}")
[[ "${INPUT_FAIL_ON_WARN:-false}" == true ]] && args+=(--fail-on-warn)
[[ "${INPUT_OFFLINE:-false}" == true ]] && args+=(--offline)
[[ -n "${INPUT_DB_DIR:-}" ]] && args+=(--db-dir "$INPUT_DB_DIR")
[[ -n "${INPUT_EXIT_CODE:-}" ]] && args+=(--exit-code "$INPUT_EXIT_CODE")
[[ -n "${INPUT_SEVERITY:-}" ]] && args+=(--severity "$(list "$INPUT_SEVERITY" | tr '[:upper:]' '[:lower:]' | paste -sd, -)")
[[ "${INPUT_IGNORE_UNFIXED:-false}" == true ]] && args+=(--ignore-unfixed)

base=${INPUT_BASE_REF:-}
if [[ -z "$base" && -n "${GITHUB_BASE_REF:-}" ]]; then
	base="origin/$GITHUB_BASE_REF" # a pull request: its base branch
fi
[[ -n "$base" ]] && args+=(--base "$base")

sarif=${INPUT_SARIF_FILE:-relgate.sarif}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
args+=(--report "sarif=$sarif" --report "markdown=$work/summary.md" --report "github=$work/annotations" --report "json=$work/decision.json")

if [[ -n "${INPUT_ARGS:-}" ]]; then
	read -r -a extra <<<"$INPUT_ARGS"
	args+=("${extra[@]}")
fi

echo "relgate ${args[*]}"
relgate "${args[@]}"
code=$?

# Annotations are workflow commands: GitHub reads them from the log.
[[ -f "$work/annotations" ]] && cat "$work/annotations"
if [[ -f "$work/summary.md" && -n "${GITHUB_STEP_SUMMARY:-}" ]]; then
	cat "$work/summary.md" >>"$GITHUB_STEP_SUMMARY"
fi

result=""
if [[ -f "$work/decision.json" ]]; then
	result=$(sed -n 's/^  "result": "\([a-z]*\)",$/\1/p' "$work/decision.json" | head -n 1)
fi
written=""
[[ -f "$sarif" ]] && written=$sarif
if [[ -n "${GITHUB_OUTPUT:-}" ]]; then
	{
		echo "result=$result"
		echo "exit-code=$code"
		echo "sarif-file=$written"
	} >>"$GITHUB_OUTPUT"
fi
echo "relgate: result ${result:-none}, exit code $code, SARIF ${written:-not written}"
exit 0
