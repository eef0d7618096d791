#!/usr/bin/env bash
# Runs modelgate once for the action: SARIF to a file, annotations to the log, a Markdown summary
# to $GITHUB_STEP_SUMMARY, counts to $GITHUB_OUTPUT. Never fails the step itself: fail-on is applied
# by a later step, after the SARIF upload.
set -uo pipefail

bin="${MODELGATE_BIN:?}"
path="${MG_PATH:-.}"
out="${RUNNER_TEMP:?}/modelgate"
mkdir -p "$out"
sarif="$out/modelgate.sarif"

args=()
if [ -n "${MG_CONFIG:-}" ]; then args+=(--config "$MG_CONFIG"); fi
if [ -n "${MG_ARGS:-}" ]; then
  while IFS= read -r line; do
    [ -n "$line" ] && args+=("$line")
  done <<< "$MG_ARGS"
fi

event_field() {
  # event_field a.b.c: a string field of the event payload, or nothing.
  [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ] || return 0
  python3 - "$GITHUB_EVENT_PATH" "$1" <<'PY'
import json, sys
v = json.load(open(sys.argv[1], encoding="utf-8"))
for k in sys.argv[2].split("."):
    v = v.get(k) if isinstance(v, dict) else None
print(v if isinstance(v, str) else "")
PY
}

base="${MG_DIFF_BASE:-}"
case "${GITHUB_EVENT_NAME:-}" in
  pull_request|pull_request_target)
    if [ -z "$base" ]; then base="$(event_field pull_request.base.sha)"; fi ;;
esac
if [ "$base" = "none" ]; then base=""; fi
if [ -n "$base" ]; then
  if ! git -C "$path" merge-base "$base" HEAD >/dev/null 2>&1; then
    # A shallow checkout: fetch enough history to find the merge base.
    git -C "$path" fetch --no-tags --quiet origin "$base" >/dev/null 2>&1 || true
    if [ "$(git -C "$path" rev-parse --is-shallow-repository 2>/dev/null)" = "true" ]; then
      git -C "$path" fetch --no-tags --quiet --unshallow origin >/dev/null 2>&1 || true
    fi
  fi
  args+=(--diff-base "$base")
  echo "modelgate: reporting only what the changes since the merge base with $base introduce"
fi

# One scan writes every output: SARIF for code scanning, annotations to the log, the Markdown
# summary and the JSON the counts come from. --paths-from-cwd keeps SARIF URIs and annotations
# relative to the repository root when `path` is a subfolder.
"$bin" scan "${args[@]}" --paths-from-cwd --fail-on "${MG_FAIL_ON:-error}" \
  -o sarif="$sarif" -o github=- -o markdown="$out/summary.md" -o json="$out/modelgate.json" \
  "$path"
code=$?
if [ "$code" -ge 2 ]; then
  echo "::error title=modelgate::modelgate failed (exit $code); see the log above"
  echo "exit-code=$code" >> "$GITHUB_OUTPUT"
  echo "upload=false" >> "$GITHUB_OUTPUT"
  exit 0
fi
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
  head -c 1000000 "$out/summary.md" >> "$GITHUB_STEP_SUMMARY"
fi
python3 - "$out/modelgate.json" >> "$GITHUB_OUTPUT" <<'PY'
import json, sys
s = json.load(open(sys.argv[1], encoding="utf-8"))["summary"]
for k in ("error", "warning", "note"):
    print(f"{k}s={s[k]}")
print(f"suppressed={s['suppressed']}")
PY

upload="${MG_UPLOAD:-true}"
head_repo="$(event_field pull_request.head.repo.full_name)"
base_repo="$(event_field pull_request.base.repo.full_name)"
if [ "$upload" = "true" ] && [ -n "$head_repo" ] && [ "$head_repo" != "$base_repo" ]; then
  echo "::notice title=modelgate::SARIF upload skipped: pull requests from forks get a read-only token; the findings are in the annotations and the job summary"
  upload=false
fi
{
  echo "sarif-file=$sarif"
  echo "exit-code=$code"
  echo "upload=$upload"
} >> "$GITHUB_OUTPUT"
exit 0
