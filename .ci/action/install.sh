#!/usr/bin/env bash
# Installs modelgate from the action's own source (cargo install --locked), unless the cache step
# restored a binary built from the same source.
set -euo pipefail
root="${RUNNER_TEMP:?}/modelgate-bin"
bin="$root/bin/modelgate"
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then
  echo "modelgate restored from cache: $("$bin" --version)"
else
  if ! command -v cargo >/dev/null 2>&1; then
    echo "::error title=modelgate::cargo is not installed on this runner; add a Rust toolchain step before this action"
    exit 1
  fi
  cargo install --locked --path "$GITHUB_ACTION_PATH" --root "$root"
fi
echo "bin=$bin" >> "$GITHUB_OUTPUT"
