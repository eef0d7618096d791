#!/usr/bin/env bash
# Tests the pre-commit hooks with the real pre-commit from PyPI:
# 1. the wheel route: a locally built wheel (maturin, from pyproject.toml) and a hook repository
#    made from .github/pre-commit-mirror/; `pre-commit try-repo` installs the hook from the wheel with no
#    cargo on PATH and no package index, blocks a staged zai-org/GLM-4.5-Air reference and passes a
#    clean file;
# 2. the fallback: this repository's `language: rust` hook (pre-commit runs cargo install) blocks
#    the same reference.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }

python3 -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check pre-commit "maturin>=1.9,<2"
pc="$work/venv/bin/pre-commit"
"$pc" validate-manifest "$repo/.pre-commit-hooks.yaml"
"$pc" validate-manifest "$repo/.github/pre-commit-mirror/.pre-commit-hooks.yaml"

# The mirror pins the release of this checkout.
version="$(sed -n 's/^version = "\([^"]*\)"$/\1/p' "$repo/Cargo.toml" | head -n 1)"
grep -q "^version = \"$version\"$" "$repo/.github/pre-commit-mirror/pyproject.toml" \
  && grep -q "\"modelgate-cli==$version\"" "$repo/.github/pre-commit-mirror/pyproject.toml" \
  || { echo ".github/pre-commit-mirror/pyproject.toml does not pin modelgate-cli $version" >&2; exit 1; }

# The wheel, as the release workflow builds it (reusing the checkout's release build), or the
# one .ci/wheel-test.sh left in MODELGATE_WHEEL_DIR.
wheels="$work/wheels"
mkdir -p "$wheels"
if [ -n "${MODELGATE_WHEEL_DIR:-}" ] && ls "$MODELGATE_WHEEL_DIR"/modelgate_cli-*.whl >/dev/null 2>&1; then
  cp "$MODELGATE_WHEEL_DIR"/modelgate_cli-*.whl "$wheels/"
else
  t0=$(now)
  (cd "$repo" && "$work/venv/bin/maturin" build --release --locked --quiet --out "$wheels")
  echo "pre-commit: wheel built in $(secs "$t0" "$(now)") s"
fi
echo "pre-commit: $(ls "$wheels")"
# The mirror's build backend, so that pip needs no index at all.
"$work/venv/bin/pip" download --quiet --disable-pip-version-check --dest "$wheels" "setuptools>=61"

mirror="$work/modelgate-pre-commit"
cp -r "$repo/.github/pre-commit-mirror" "$mirror"
git -C "$mirror" init -q -b main
git -C "$mirror" add -A
git -C "$mirror" -c user.email=ci@example.com -c user.name=ci -c commit.gpgsign=false commit -q -m "modelgate $version"

consumer="$work/consumer"
mkdir -p "$consumer"
cd "$consumer"
git init -q -b main
git config user.email ci@example.com
git config user.name ci
git config commit.gpgsign false
export PRE_COMMIT_HOME="$work/pre-commit-home"
echo 'print("hello")' > clean.py
printf 'MODEL = "zai-org/GLM-4.5-Air"\n' > bad.py
git add clean.py bad.py

# expect_block OUTPUT CODE ROUTE
expect_block() {
  echo "$1"
  if [ "$2" -eq 0 ]; then
    echo "pre-commit ($3): the hook passed a staged zai-org/GLM-4.5-Air reference" >&2
    exit 1
  fi
  grep -q "MG101" <<< "$1" || { echo "pre-commit ($3): no MG101 in the hook's output" >&2; exit 1; }
}

# 1. The wheel route: no cargo on PATH, no package index, only the local wheels.
nocargo_path="$work/venv/bin:/usr/local/bin:/usr/bin:/bin"
if PATH="$nocargo_path" command -v cargo >/dev/null 2>&1; then
  nocargo_path="$work/venv/bin:/usr/bin:/bin"
fi
wheel_env=(env "PATH=$nocargo_path" PIP_NO_INDEX=1 "PIP_FIND_LINKS=$wheels" PIP_DISABLE_PIP_VERSION_CHECK=1)
"${wheel_env[@]}" bash -c '! command -v cargo >/dev/null' || { echo "cargo is still on PATH" >&2; exit 1; }
t0=$(now)
if ! "${wheel_env[@]}" "$pc" try-repo "$mirror" modelgate --files clean.py; then
  echo "pre-commit (wheel): the hook failed on a clean file" >&2
  exit 1
fi
t1=$(now)
set +e
out="$("${wheel_env[@]}" "$pc" try-repo "$mirror" modelgate --files bad.py 2>&1)"
code=$?
set -e
t2=$(now)
expect_block "$out" "$code" wheel
echo "pre-commit (wheel): blocks bad.py (MG101), passes clean.py; try-repo (install + run) $(secs "$t0" "$t1") s and $(secs "$t1" "$t2") s"

# 2. The fallback: this repository's language: rust hook, once (pre-commit's `cargo install` has no
# --locked, so it resolves and compiles the newest dependencies: minutes). The checkout's build
# directory is reused. MODELGATE_SKIP_RUST_HOOK=1 skips this part for a quick local run.
if [ -n "${MODELGATE_SKIP_RUST_HOOK:-}" ]; then
  echo "pre-commit (rust): skipped (MODELGATE_SKIP_RUST_HOOK)"
  exit 0
fi
export CARGO_TARGET_DIR="$repo/target"
t0=$(now)
set +e
out="$("$pc" try-repo "$repo" modelgate --files bad.py 2>&1)"
code=$?
set -e
expect_block "$out" "$code" rust
echo "pre-commit (rust): blocks bad.py (MG101); try-repo (cargo install + run) $(secs "$t0" "$(now)") s"
