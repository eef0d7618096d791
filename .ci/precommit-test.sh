#!/usr/bin/env bash
# Tests the pre-commit hook with the real pre-commit from PyPI: `pre-commit try-repo` against this
# checkout must block a staged zai-org/GLM-4.5-Air reference and pass a clean file.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check pre-commit
pc="$work/venv/bin/pre-commit"
"$pc" validate-manifest "$repo/.pre-commit-hooks.yaml"

consumer="$work/consumer"
mkdir -p "$consumer"
cd "$consumer"
git init -q -b main
git config user.email ci@example.com
git config user.name ci
git config commit.gpgsign false
# Reuse the checkout's build directory so pre-commit's `cargo install` does not start from scratch.
export CARGO_TARGET_DIR="$repo/target"
export PRE_COMMIT_HOME="$work/pre-commit-home"

echo 'print("hello")' > clean.py
git add clean.py
if ! "$pc" try-repo "$repo" modelgate --files clean.py; then
  echo "pre-commit: the hook failed on a clean file" >&2
  exit 1
fi

printf 'MODEL = "zai-org/GLM-4.5-Air"\n' > bad.py
git add bad.py
set +e
out="$("$pc" try-repo "$repo" modelgate --files bad.py 2>&1)"
code=$?
set -e
echo "$out"
if [ "$code" -eq 0 ]; then
  echo "pre-commit: the hook passed a staged zai-org/GLM-4.5-Air reference" >&2
  exit 1
fi
grep -q "MG101" <<< "$out" || { echo "pre-commit: no MG101 in the hook's output" >&2; exit 1; }
echo "pre-commit: blocks bad.py (MG101), passes clean.py"
