#!/usr/bin/env bash
# Start-up time of `modelgate scan` next to ripgrep, in the same run: a scan of an empty folder,
# and `scan --staged` of a git repository (one commit) with one staged .py file naming
# `Qwen/Qwen2.5-7B-Instruct` (a pre-commit check). See docs/benchmarks.md, "Start-up".
#
# usage: benches/bench-startup.sh [--runs N] [--bin PATH]...
#
#   --runs N    timed runs per command, interleaved; the median and the minimum are reported
#               (default 21)
#   --bin PATH  a modelgate binary to time (repeat to compare builds in one run); default:
#               target/release/modelgate, built with `cargo build --release` when missing
#
# Wall time of each run from bash's $EPOCHREALTIME (microseconds, no process started to read
# it). The scans run with the embedded rules (MODELGATE_DATA_DIR points at an empty folder, so an
# installed bundle is not used).
set -euo pipefail

die() { echo "bench-startup: $*" >&2; exit 2; }

RUNS=21
BINS=()
while (($#)); do
    case $1 in
        --runs) shift; RUNS=${1:-} ;;
        --runs=*) RUNS=${1#--runs=} ;;
        --bin) shift; BINS+=("${1:-}") ;;
        --bin=*) BINS+=("${1#--bin=}") ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
    shift
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive integer"
[[ -n ${EPOCHREALTIME:-} ]] || die "needs bash 5 or later (\$EPOCHREALTIME)"
command -v rg >/dev/null || die "ripgrep (rg) is missing"
command -v git >/dev/null || die "git is missing"

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
if ((${#BINS[@]} == 0)); then
    [[ -x $REPO/target/release/modelgate ]] || (cd "$REPO" && cargo build --release --quiet)
    BINS=("$REPO/target/release/modelgate")
fi
for i in "${!BINS[@]}"; do
    [[ -x ${BINS[i]} && ! -d ${BINS[i]} ]] || die "not an executable: ${BINS[i]}"
    BINS[i]=$(cd "$(dirname "${BINS[i]}")" && pwd)/$(basename "${BINS[i]}")
done

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
export MODELGATE_DATA_DIR=$WORK/data
mkdir -p "$WORK/empty" "$WORK/data" "$WORK/staged"
(
    cd "$WORK/staged"
    git init -q
    git -c user.name=bench -c user.email=bench@example.invalid commit -q --allow-empty -m init
    printf 'from transformers import AutoModel\nm = AutoModel.from_pretrained("Qwen/Qwen2.5-7B-Instruct")\n' >app.py
    git add app.py
)

TIMES=$WORK/times.tsv
: >"$TIMES"
timed() { # label cmd... (exit status ignored: rg exits 1 when nothing matches)
    local label=$1 t0 t1
    shift
    t0=$EPOCHREALTIME
    "$@" >/dev/null 2>&1 || true
    t1=$EPOCHREALTIME
    printf '%s\t%s\n' "$label" "$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", (b-a)*1000}')" >>"$TIMES"
}

cd "$WORK"
# One untimed run of each (page cache, git's object files); a scan that fails (exit 2) stops.
for b in "${BINS[@]}"; do
    "$b" scan empty >/dev/null || die "$b scan failed"
    (cd staged && "$b" scan --staged . >/dev/null) || (($? == 1)) || die "$b scan --staged failed"
done
rg modelgate empty >/dev/null 2>&1 || true

for ((i = 1; i <= RUNS; i++)); do
    cd "$WORK"
    timed "rg modelgate EMPTY" rg modelgate empty
    for b in "${BINS[@]}"; do timed "$b scan EMPTY" "$b" scan empty; done
    cd "$WORK/staged"
    timed "rg -F Qwen/Qwen2.5-7B-Instruct ." rg -F Qwen/Qwen2.5-7B-Instruct .
    for b in "${BINS[@]}"; do timed "$b scan --staged ." "$b" scan --staged .; done
done

echo "start-up, ${RUNS} runs each, interleaved; wall ms ($(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg))"
awk -F'\t' '
    { n[$1]++; v[$1, n[$1]] = $2; if (!($1 in seen)) { seen[$1] = 1; order[++k] = $1 } }
    END {
        printf "%-60s %9s %9s\n", "command", "median", "min"
        for (j = 1; j <= k; j++) {
            l = order[j]; m = n[l]
            for (a = 1; a <= m; a++) x[a] = v[l, a] + 0
            for (a = 1; a <= m; a++) for (b = a + 1; b <= m; b++) if (x[b] < x[a]) { t = x[a]; x[a] = x[b]; x[b] = t }
            med = (m % 2) ? x[(m + 1) / 2] : (x[m / 2] + x[m / 2 + 1]) / 2
            printf "%-60s %9.1f %9.1f\n", l, med, x[1]
        }
    }' "$TIMES"
