#!/usr/bin/env bash
# The PyPI route: builds the wheel with maturin (pyproject.toml), installs it into a fresh
# virtualenv without a package index, and runs `modelgate --version` and a scan of fixtures/demo.
# Install and first scan together must take under 30 s. With MODELGATE_WHEEL_DIR set, the wheel
# is left there (for .ci/precommit-test.sh).
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }

wheels="${MODELGATE_WHEEL_DIR:-$work/wheels}"
python3 -m venv "$work/build"
"$work/build/bin/pip" install --quiet --disable-pip-version-check "maturin>=1.9,<2"
t0=$(now)
(cd "$repo" && "$work/build/bin/maturin" build --release --locked --quiet --out "$wheels")
wheel="$(ls "$wheels"/modelgate_cli-*.whl | head -n 1)"
echo "wheel: $(basename "$wheel") ($(du -k "$wheel" | cut -f1) KiB), built in $(secs "$t0" "$(now)") s"

# A fresh virtualenv with no cargo on PATH and no package index.
t0=$(now)
python3 -m venv "$work/venv"
env PATH="$work/venv/bin:/usr/bin:/bin" PIP_NO_INDEX=1 \
  "$work/venv/bin/pip" install --quiet --disable-pip-version-check "$wheel"
t1=$(now)
env PATH="$work/venv/bin:/usr/bin:/bin" modelgate --version
set +e
env PATH="$work/venv/bin:/usr/bin:/bin" modelgate scan "$repo/fixtures/demo" > "$work/scan.txt"
code=$?
set -e
t2=$(now)
tail -n 1 "$work/scan.txt"
[ "$code" -eq 1 ] || { echo "wheel: the demo scan exited $code, not 1" >&2; exit 1; }
total="$(secs "$t0" "$t2")"
echo "wheel: venv + pip install $(secs "$t0" "$t1") s, --version + first scan $(secs "$t1" "$t2") s, total $total s"
python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < 30 else 1)" "$total" \
  || { echo "wheel: install and first scan took $total s (limit 30 s)" >&2; exit 1; }
