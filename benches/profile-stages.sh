#!/usr/bin/env bash
# Where the time of a scan goes, by pipeline stage: `perf record` of one `modelgate scan`, each
# sample given to the stage of the innermost modelgate function on its stack (kernel time
# included, so the copy of a `read` counts for reading). See docs/benchmarks.md, "Profile".
#
# usage: benches/profile-stages.sh [--threads N] [--freq HZ] [--format F] CORPUS
#
#   --threads N  scan threads (default 1, so the shares are of the whole CPU time)
#   --freq HZ    sampling frequency (default 200)
#   --format F   report format (default sarif)
#
# Needs perf (linux-perf) and python3. The binary is target/release/modelgate, built when
# missing; build it with CARGO_PROFILE_RELEASE_DEBUG=line-tables-only for finer stacks.
set -euo pipefail

die() { echo "profile-stages: $*" >&2; exit 2; }

THREADS=1
FREQ=200
FORMAT=sarif
CORPUS=
while (($#)); do
    case $1 in
        --threads) shift; THREADS=${1:-} ;;
        --freq) shift; FREQ=${1:-} ;;
        --format) shift; FORMAT=${1:-} ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        -*) die "unknown option: $1 (try --help)" ;;
        *) CORPUS=$1 ;;
    esac
    shift
done
[[ -n $CORPUS && -d $CORPUS ]] || die "give the folder to scan (try --help)"
command -v perf >/dev/null || die "perf is missing (Debian: apt-get install linux-perf)"

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
MG=$REPO/target/release/modelgate
[[ -x $MG ]] || (cd "$REPO" && cargo build --release --quiet)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/modelgate-profile.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

perf record -q -F "$FREQ" -e cpu-clock --call-graph dwarf,32768 -o "$WORK/perf.data" -- \
    "$MG" scan --threads "$THREADS" --format "$FORMAT" -o "$WORK/out" --fail-on never "$CORPUS" \
    2>"$WORK/stderr" || die "the scan failed: $(tail -n3 "$WORK/stderr")"
perf script -i "$WORK/perf.data" -F ip,sym 2>/dev/null | python3 -c '
import collections, re, sys

# (stage, pattern of a function name); the innermost modelgate function on a stack decides.
STAGES = [
    ("open and stat (system calls)", r"sys_openat|do_filp_open|statx|sys_newfstat|sys_close"),
    ("read (system calls: the copy from the page cache)", r"ksys_read|vfs_read"),
    ("match: anchor search", r"modelgate::detect::anchors::"),
    ("read and open (user side)", r"modelgate::safeio::|modelgate::walk::read_and_visit"),
    ("classify", r"modelgate::classify::"),
    ("confirm: tokens, contexts, layout", r"modelgate::(detect|resolve|lineindex|suppress)::|modelgate::scan::(FileRefs|detect_|visit_file)"),
    ("policy: judge, fingerprint, sort", r"modelgate::(policy|lineage)::|modelgate::scan::(findings|build_report|judge)"),
    ("report", r"modelgate::report::|modelgate::cli::write_atomic"),
    ("manifests (dependencies)", r"modelgate::deps::"),
    ("weights and digests", r"modelgate::(digest|weights)::|modelgate::detect::weights"),
    ("start-up: rules, arguments", r"modelgate::(rules|cli|config)::|modelgate::main"),
    ("report: writing the file (system calls)", r"ksys_write|vfs_write"),
    ("walk", r"modelgate::walk::|ignore::walk::"),
]
compiled = [(s, re.compile(p)) for s, p in STAGES]
count = collections.Counter()
for block in sys.stdin.read().split("\n\n"):
    frames = [l.strip().split(" ", 1)[-1] for l in block.strip().splitlines()]
    if not frames:
        continue
    stage = "other (thread start, libc, kernel only)"
    for f in frames:  # innermost first
        hit = next((s for s, p in compiled if p.search(f)), None)
        if hit:
            stage = hit
            break
    count[stage] += 1
total = sum(count.values()) or 1
print(f"{total} samples")
print("| stage | share |")
print("|---|---:|")
for s, n in count.most_common():
    print(f"| {s} | {100 * n / total:.1f} % |")
'
