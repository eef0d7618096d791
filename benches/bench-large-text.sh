#!/usr/bin/env bash
# Time and peak memory of `modelgate scan` on one large single-line text file (a minified
# bundle), read in windows. See docs/benchmarks.md, "Large text files (chunked scanning)".
#
# usage: benches/bench-large-text.sh [--mib N] [--runs N]
#
#   --mib N    size of the file in MiB (default 300)
#   --runs N   runs (default 1)
#
# Environment:
#   MODELGATE   the binary (default: <repo>/target/release/modelgate)
#   BENCH_DIR   where the file goes (default: ${TMPDIR:-/tmp}/modelgate-bench-large)
#
# The file is one line: `x=1;` filler with a hub id in its middle and an endpoint URL at its end.
# The script checks that both are reported at the right column and prints wall time and peak
# RSS (`/usr/bin/time -f "%e %M"`).
set -euo pipefail

die() { echo "bench-large-text: $*" >&2; exit 2; }

MIB=300
RUNS=1
while (($#)); do
    case $1 in
        --mib) shift; MIB=${1:-} ;;
        --runs) shift; RUNS=${1:-} ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
    shift
done
[[ $MIB =~ ^[1-9][0-9]*$ ]] || die "--mib needs a positive integer"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive integer"

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${MODELGATE:-$REPO/target/release/modelgate}
[[ -x $BIN ]] || die "no binary at $BIN (cargo build --release, or set MODELGATE)"
[[ -x /usr/bin/time ]] || die "needs /usr/bin/time (GNU time)"
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/modelgate-bench-large}
TREE=$BENCH_DIR/tree-$MIB
mkdir -p "$TREE"

# Expected columns are printed by the generator: one line, so a column is a byte offset + 1.
EXPECT=$(python3 - "$TREE/app.min.js" "$MIB" <<'EOF'
import sys
path, mib = sys.argv[1], int(sys.argv[2])
half = (mib << 20) // 2 // 4
mid = b'm=load("deepseek-ai/DeepSeek-V3");'
end = b'u="https://api.deepseek.com/v1";'
with open(path, "wb") as f:
    f.write(b"x=1;" * half)
    f.write(mid)
    f.write(b"x=1;" * half)
    f.write(end)
c1 = 4 * half + len(b'm=load("') + 1
c2 = 8 * half + len(mid) + len(b'u="') + 1
print(f"deepseek-ai/DeepSeek-V3:{c1} api.deepseek.com:{c2}")
EOF
)

echo "modelgate: $("$BIN" --version)"
echo "machine:   $(nproc) CPUs, $(uname -sr)"
echo "file:      $(stat -c %s "$TREE/app.min.js") bytes, one line"
cat "$TREE/app.min.js" >/dev/null # warm the page cache
for ((i = 1; i <= RUNS; i++)); do
    /usr/bin/time -o "$BENCH_DIR/time.txt" -f '%e %M' \
        "$BIN" scan --fail-on never --format json -o "$BENCH_DIR/out.json" "$TREE" 2>/dev/null
    read -r secs kib <"$BENCH_DIR/time.txt"
    GOT=$(python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
print(" ".join("%s:%d" % (f["identifier"], f["column"]) for f in d["findings"]))
' "$BENCH_DIR/out.json")
    status=ok
    [[ $GOT == "$EXPECT" ]] || status="WRONG (got $GOT, want $EXPECT)"
    printf 'run %d: %s s, peak RSS %s KiB (%.1f MiB), findings %s\n' \
        "$i" "$secs" "$kib" "$(awk -v k="$kib" 'BEGIN{print k/1024}')" "$status"
done
