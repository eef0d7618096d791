#!/usr/bin/env bash
# Benchmark weight hashing: `modelgate scan --no-cache` on a 2 GiB weight file against
# `openssl dgst -sha256` on the same file in the same run, a cached rescan, two files hashed in
# parallel, and peak RSS. See docs/benchmarks.md.
#
# usage: benches/bench-hash.sh [--runs N] [--size-mib N]
#
# The files are created in ${TMPDIR:-/tmp}/modelgate-bench-hash (not committed) and removed at
# the end. Timings are medians of N runs (default 3), interleaved, after warming the page cache.
set -euo pipefail

RUNS=3
SIZE_MIB=2048
while (($#)); do
    case $1 in
        --runs) shift; RUNS=$1 ;;
        --size-mib) shift; SIZE_MIB=$1 ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
    shift
done

ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${TMPDIR:-/tmp}/modelgate-bench-hash
BIN=$ROOT/target/release/modelgate
CACHE=$DIR/cache
(cd "$ROOT" && cargo build --release -q)
rm -rf "$DIR"; mkdir -p "$DIR/one" "$DIR/two" "$CACHE"
trap 'rm -rf "$DIR"' EXIT

# A GGUF-headed file of pseudo-random bytes (a header modelgate parses, then the payload).
mk() {
    printf 'GGUF\x03\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00' >"$1"
    head -c "$(($2 * 1024 * 1024))" /dev/urandom >>"$1"
}
mk "$DIR/one/model.gguf" "$SIZE_MIB"
mk "$DIR/two/a.gguf" $((SIZE_MIB / 2))
mk "$DIR/two/b.gguf" $((SIZE_MIB / 2))
cat "$DIR"/one/model.gguf "$DIR"/two/*.gguf >/dev/null   # warm the page cache

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
timeit() { local s e; s=$(now); "$@" >/dev/null 2>&1 || true; e=$(now); echo "$e - $s" | bc -l; }

declare -a OS MG MC TW
for ((i = 0; i < RUNS; i++)); do
    OS+=("$(timeit openssl dgst -sha256 "$DIR/one/model.gguf")")
    MG+=("$(timeit "$BIN" scan --no-cache --fail-on never "$DIR/one")")
done
"$BIN" scan --cache-dir "$CACHE" --fail-on never "$DIR/one" >/dev/null   # fill the cache
for ((i = 0; i < RUNS; i++)); do
    MC+=("$(timeit "$BIN" scan --cache-dir "$CACHE" --fail-on never "$DIR/one")")
    TW+=("$(timeit "$BIN" scan --no-cache -j 2 --fail-on never "$DIR/two")")
done
os=$(printf '%s\n' "${OS[@]}" | median)
mg=$(printf '%s\n' "${MG[@]}" | median)
mc=$(printf '%s\n' "${MC[@]}" | median)
tw=$(printf '%s\n' "${TW[@]}" | median)
tw1=$(timeit "$BIN" scan --no-cache -j 1 --fail-on never "$DIR/two")
rss=$(/usr/bin/time -f '%M' "$BIN" scan --no-cache --fail-on never "$DIR/one" 2>&1 >/dev/null | tail -1)

printf '\n%-58s %8s\n' "command (${SIZE_MIB} MiB, median of $RUNS)" "seconds"
printf '%-58s %8.3f\n' "openssl dgst -sha256 model.gguf" "$os"
printf '%-58s %8.3f  (%.2fx openssl)\n' "modelgate scan --no-cache one/" "$mg" "$(echo "$mg / $os" | bc -l)"
printf '%-58s %8.3f  (%.1f%% of the uncached scan)\n' "modelgate scan (cached rescan) one/" "$mc" "$(echo "100 * $mc / $mg" | bc -l)"
printf '%-58s %8.3f\n' "modelgate scan --no-cache -j 2 two/ (2 x half size)" "$tw"
printf '%-58s %8.3f\n' "modelgate scan --no-cache -j 1 two/ (1 run)" "$tw1"
printf '%-58s %8s KiB\n' "peak RSS, modelgate scan --no-cache one/" "$rss"
grep -m1 -o 'sha_ni' /proc/cpuinfo >/dev/null && echo "CPU has SHA-NI" || echo "CPU without SHA-NI"
