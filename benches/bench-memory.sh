#!/usr/bin/env bash
# Peak memory of `modelgate scan` against the number of findings and the number of distinct
# identifiers. See docs/benchmarks.md, "Memory per finding".
#
# usage: benches/bench-memory.sh [--findings N] [--formats "json sarif"] [--quick]
#
#   --findings N   findings of the largest tree (default 50000)
#   --formats F    output formats measured (default "json sarif")
#   --quick        only the largest tree of each series
#
# Environment:
#   MODELGATE   the binary (default: <repo>/target/release/modelgate)
#   BENCH_DIR   where the trees and outputs go (default: ${TMPDIR:-/tmp}/modelgate-bench-memory)
#
# Trees are Python files of 50 lines, one model reference per line (a line is one finding).
#   fixed     N findings over the same 8 identifiers (hub repositories of four developers and
#             an endpoint): memory should not grow with N.
#   distinct  N findings where D of the identifiers are distinct (`Qwen/finetune-K`, K < D) and
#             the rest cycle through the 8 fixed ones: memory grows with D.
# Each run is `/usr/bin/time -f %M` (peak RSS in KiB) of one scan writing FORMAT to a file.
# KiB per finding = (RSS(tree) - RSS(baseline)) / findings, the baseline being a tree of one
# file with one finding.
set -euo pipefail

die() { echo "bench-memory: $*" >&2; exit 2; }

N=50000
FORMATS="json sarif"
QUICK=0
while (($#)); do
    case $1 in
        --findings) shift; N=${1:-} ;;
        --formats) shift; FORMATS=${1:-} ;;
        --quick) QUICK=1 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
    shift
done
[[ $N =~ ^[1-9][0-9]*$ ]] || die "--findings needs a positive integer"

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BIN=${MODELGATE:-$REPO/target/release/modelgate}
[[ -x $BIN ]] || die "no binary at $BIN (cargo build --release, or set MODELGATE)"
[[ -x /usr/bin/time ]] || die "needs /usr/bin/time (GNU time)"
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/modelgate-bench-memory}
mkdir -p "$BENCH_DIR"

# gen DIR FINDINGS DISTINCT: a tree of FINDINGS references, DISTINCT of them distinct ids.
gen() {
    local dir=$1 n=$2 d=$3
    [[ -f $dir/.complete ]] && return 0
    rm -rf "$dir"
    mkdir -p "$dir"
    python3 - "$dir" "$n" "$d" <<'EOF'
import os, sys
root, n, d = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
fixed = ["Qwen/Qwen2.5-7B-Instruct", "deepseek-ai/DeepSeek-V3", "THUDM/glm-4-9b-chat",
         "moonshotai/Kimi-K2-Instruct", "Qwen/Qwen3-8B", "deepseek-ai/DeepSeek-R1",
         "BAAI/bge-m3", "https://api.deepseek.com/v1"]
per_file, lines = 50, []
for i in range(n):
    ident = "Qwen/finetune-%d" % i if i < d else fixed[i % len(fixed)]
    lines.append('m%d = load("%s")\n' % (i % per_file, ident))
for f in range(0, n, per_file):
    sub = os.path.join(root, "pkg%03d" % (f // per_file // 100))
    os.makedirs(sub, exist_ok=True)
    with open(os.path.join(sub, "m%05d.py" % (f // per_file)), "w") as out:
        out.write("".join(lines[f:f + per_file]))
EOF
    touch "$dir/.complete"
}

# rss DIR FORMAT: peak RSS (KiB) of one scan; checks the number of findings once.
rss() {
    local dir=$1 fmt=$2 out=$BENCH_DIR/out.$2
    /usr/bin/time -o "$BENCH_DIR/time.txt" -f '%M %e' \
        "$BIN" scan --fail-on never --format "$fmt" -o "$out" "$dir" 2>/dev/null
    cat "$BENCH_DIR/time.txt"
}

count() {
    "$BIN" scan --fail-on never --format json "$1" 2>/dev/null |
        python3 -c 'import json,sys; print(len(json.load(sys.stdin)["findings"]))'
}

echo "modelgate: $("$BIN" --version)"
echo "machine:   $(nproc) CPUs, $(uname -sr)"
gen "$BENCH_DIR/base" 1 0
declare -A BASE
for fmt in $FORMATS; do
    read -r BASE[$fmt] _ < <(rss "$BENCH_DIR/base" "$fmt")
done

series() {
    local title=$1; shift
    printf '\n%s\n' "$title"
    printf '%10s %10s %10s' findings distinct reported
    for fmt in $FORMATS; do printf ' %12s %9s %8s' "$fmt KiB" "KiB/find" "s"; done
    printf '\n'
    local spec n d dir got
    for spec in "$@"; do
        n=${spec%/*} d=${spec#*/}
        dir=$BENCH_DIR/tree-$n-$d
        gen "$dir" "$n" "$d"
        got=$(count "$dir")
        printf '%10s %10s %10s' "$n" "$d" "$got"
        for fmt in $FORMATS; do
            read -r kib secs < <(rss "$dir" "$fmt")
            printf ' %12s %9s %8s' "$kib" \
                "$(awk -v a="$kib" -v b="${BASE[$fmt]}" -v n="$got" 'BEGIN{printf "%.2f", (a-b)/n}')" \
                "$secs"
        done
        printf '\n'
    done
}

printf '\nbaseline (1 finding):'
for fmt in $FORMATS; do printf ' %s %s KiB' "$fmt" "${BASE[$fmt]}"; done
printf '\n'
if ((QUICK)); then
    series "fixed identifiers (8)" "$N/0"
    series "distinct identifiers" "$N/$N"
else
    series "fixed identifiers (8): RSS against findings" \
        "$((N / 10))/0" "$((N / 4))/0" "$((N / 2))/0" "$N/0"
    series "findings fixed at $N: RSS against distinct identifiers" \
        "$N/0" "$N/$((N / 10))" "$N/$((N / 2))" "$N/$N"
fi
