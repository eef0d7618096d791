#!/usr/bin/env bash
# Benchmark `modelgate scan` against ripgrep on the synthetic corpus of the shared benchmark kit,
# and check its accuracy against the corpus manifest. See docs/benchmarks.md.
#
# usage: benches/bench-scan.sh [--small] [--runs N] [--no-extra] [--strict]
#        benches/bench-scan.sh --scaling [SIZES] [--runs N]
#
#   --small      ~50 MiB corpus (quick run); the default is the full ~1 GiB corpus
#   --scaling    the scaling table instead: for each corpus size of SIZES (make-corpus sizes,
#                comma-separated; default 50M,256M,1G), rg-gitignore and modelgate (SARIF) with
#                1 and 2 threads, interleaved, median of N runs; corpora are generated as needed
#                under BENCH_DIR as corpus-<size> (mind the disk: 4G needs 4 GiB)
#   --runs N     timed runs per command, the median is reported (default 3)
#   --no-extra   skip the diagnostic timings (modelgate --threads 1, --format json; rg -j1) and
#                the start-up timings (benches/bench-startup.sh)
#   --strict     exit 3 when a project target is not met (default: exit 0 once measured)
#
# Environment:
#   BENCH_KIT    the benchmark kit (default: <repo>/../shared/bench)
#   BENCH_DIR    where the corpus and the results go (default: ${TMPDIR:-/tmp}/modelgate-bench)
#   BENCH_SEED   corpus seed (default: make-corpus's own default)
#   BENCH_RUNS   same as --runs
#
# The corpus is generated only when it is not already complete (make-corpus writes
# CORPUS.stats.json last). Every timed command runs on the same corpus, interleaved
# (rg, modelgate, rg, modelgate, ...), after warming the page cache.
set -euo pipefail

die() { echo "bench-scan: $*" >&2; exit 2; }
say() { printf '\n== %s\n' "$*"; }

SMALL=0
SCALING=
EXTRA=1
STRICT=0
RUNS=${BENCH_RUNS:-3}
while (($#)); do
    case $1 in
        --small) SMALL=1 ;;
        --runs) shift; RUNS=${1:-} ;;
        --runs=*) RUNS=${1#--runs=} ;;
        --no-extra) EXTRA=0 ;;
        --scaling)
            SCALING=50M,256M,1G
            if [[ ${2:-} =~ ^[0-9] ]]; then shift; SCALING=$1; fi
            ;;
        --scaling=*) SCALING=${1#--scaling=} ;;
        --strict) STRICT=1 ;;
        -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
        *) die "unknown argument: $1 (try --help)" ;;
    esac
    shift
done
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "--runs needs a positive integer"

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KIT=${BENCH_KIT:-$REPO/../shared/bench}
[[ -x $KIT/make-corpus && -f $KIT/patterns.txt ]] ||
    die "benchmark kit not found at $KIT (needs make-corpus and patterns.txt); set BENCH_KIT"
KIT=$(cd "$KIT" && pwd)
BENCH_DIR=${BENCH_DIR:-${TMPDIR:-/tmp}/modelgate-bench}
mkdir -p "$BENCH_DIR"
BENCH_DIR=$(cd "$BENCH_DIR" && pwd)

if ((SMALL)); then NAME=corpus-small; SIZE_ARGS=(--small); else NAME=corpus-1g; SIZE_ARGS=(--size 1G); fi
SEED_ARGS=()
if [[ -n ${BENCH_SEED:-} ]]; then NAME+="-seed$BENCH_SEED"; SEED_ARGS=(--seed "$BENCH_SEED"); fi
CORPUS=$BENCH_DIR/$NAME
OUT=$BENCH_DIR/results-$NAME
mkdir -p "$OUT"
LOG=$OUT/stderr.log
: >"$LOG"

as_root() {
    if [[ $(id -u) == 0 ]]; then "$@"
    elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo -n "$@"
    else return 1
    fi
}
APT_UPDATED=0
apt_install() { # package
    command -v apt-get >/dev/null || return 1
    if ((!APT_UPDATED)); then as_root apt-get update -qq >>"$LOG" 2>&1 || return 1; APT_UPDATED=1; fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >>"$LOG" 2>&1
}

# ---------------------------------------------------------------- tools
say "tools"
if ! command -v rg >/dev/null; then
    echo "rg not found: installing ripgrep with apt-get"
    apt_install ripgrep || die "ripgrep (rg) is missing and could not be installed with apt-get \
(needs root or passwordless sudo); install it (https://github.com/BurntSushi/ripgrep) and rerun"
fi
if [[ ! -x /usr/bin/time ]]; then
    echo "/usr/bin/time not found: installing the time package with apt-get"
    apt_install time || die "/usr/bin/time (GNU time) is missing and could not be installed; \
install the 'time' package and rerun"
fi
command -v python3 >/dev/null || die "python3 is required (standard library only)"
command -v cargo >/dev/null || die "cargo is required to build modelgate"
RG=$(command -v rg)

(cd "$REPO" && cargo build --release --quiet) || die "cargo build --release failed"
MG=$REPO/target/release/modelgate
[[ -x $MG ]] || die "$MG was not built"
echo "modelgate: $("$MG" --version 2>/dev/null || echo '?')"
echo "commit:    $(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo '?')$(
    [[ -n $(git -C "$REPO" --no-optional-locks status --porcelain --untracked-files=no 2>/dev/null) ]] &&
        echo ' (with uncommitted changes)')"
echo "ripgrep:   $("$RG" --version | head -n1)"
echo "machine:   $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"

# ---------------------------------------------------------------- timing helpers
timed() { # label run cmd... ; stdout goes to $OUT/<label>.out
    local label=$1 run=$2 t0 t1 rc=0 e m u sy mf fi
    shift 2
    t0=$(date +%s%N)
    /usr/bin/time -f '%e %M %U %S %F %I' -o "$OUT/time.tmp" "$@" >"$OUT/$label.out" 2>>"$LOG" || rc=$?
    t1=$(date +%s%N)
    # rg: 0 = matches found; modelgate with --fail-on never: 0
    ((rc == 0)) || die "$label exited with status $rc: $* (see $LOG)"
    read -r e m u sy mf fi < <(tail -n1 "$OUT/time.tmp")
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$run" "$e" "$((t1 - t0))" "$m" "$u" "$sy" "$mf" "$fi" \
        >>"$TIMES"
    awk -v l="$label" -v r="$run" -v e="$e" -v m="$m" -v u="$u" -v s="$sy" -v fi="$fi" \
        'BEGIN{printf "  %-12s run %s: %6.2f s  %7.1f MiB RSS  %5.2f s user %5.2f s sys  %6.1f MiB read from disk\n",
                      l, r, e, m/1024, u, s, fi*512/1048576}'
}

# CPU time used by the whole machine, in seconds (from /proc/stat), to estimate interference.
# Fields: user nice system idle iowait irq softirq steal (guest time is already in user).
machine_cpu() {
    awk -v hz="$(getconf CLK_TCK)" '/^cpu /{t=0; for(i=2;i<=9;i++) if(i!=5 && i!=6) t+=$i; printf "%.2f\n", t/hz}' /proc/stat
}
busy_pct() { # share of all CPUs busy over the next second
    python3 - <<'PY'
import os, time
def snap():
    v = [int(x) for x in open("/proc/stat").readline().split()[1:]]
    return sum(v), v[3] + v[4]
t0, i0 = snap(); time.sleep(1); t1, i1 = snap()
print(round(100 * (1 - (i1 - i0) / max(1, t1 - t0))))
PY
}

# ---------------------------------------------------------------- scaling
if [[ -n $SCALING ]]; then
    SOUT=$BENCH_DIR/results-scaling
    mkdir -p "$SOUT"
    TABLE=$SOUT/scaling.tsv
    printf 'size\tsearched_mib\tcommand\tthreads\tmedian_wall_s\tmin_s\tmax_s\tcpu_s\n' >"$TABLE"
    IFS=, read -r -a SIZES <<<"$SCALING"
    BUSY=$(busy_pct)
    for ((w = 0; BUSY > 10 && w < ${BENCH_WAIT_QUIET:-0}; w += 5)); do
        echo "machine ${BUSY}% busy: waiting for it to quiet down (${w}/${BENCH_WAIT_QUIET} s)"
        sleep 4
        BUSY=$(busy_pct)
    done
    CPU0=$(machine_cpu)
    T0=$(date +%s%N)
    OWN=0
    for size in "${SIZES[@]}"; do
        [[ $size =~ ^[0-9]+[KMG]$ ]] || die "--scaling: $size is not a size such as 50M, 256M or 1G"
        name=corpus-$(tr '[:upper:]' '[:lower:]' <<<"$size")
        [[ -n ${BENCH_SEED:-} ]] && name+="-seed$BENCH_SEED"
        corpus=$BENCH_DIR/$name
        say "scaling: $name"
        if [[ ! (-d $corpus && -f $corpus.stats.json && -f $corpus.manifest.tsv) ]]; then
            force=()
            [[ -e $corpus ]] && force=(--force)
            echo "generating $corpus"
            "$KIT/make-corpus" --size "$size" "${SEED_ARGS[@]}" "${force[@]}" --out "$corpus" \
                >"$SOUT/make-$name.out" || die "make-corpus --size $size failed"
        fi
        searched=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["searched_text_bytes"])' \
            "$corpus.stats.json")
        OUT=$SOUT/$name
        mkdir -p "$OUT"
        LOG=$OUT/stderr.log
        : >"$LOG"
        TIMES=$OUT/times.tsv
        printf 'label\trun\twall_s\twall_ns\tmaxrss_kib\tuser_s\tsys_s\tmajor_faults\tfs_inputs_512b\n' >"$TIMES"
        "$RG" -j2 -uuu -c --no-unicode -F 'zq-never-matches-qz' "$corpus" >/dev/null || true # warm
        for t in 1 2; do
            "$MG" scan --threads "$t" --format sarif --output "$OUT/scan.sarif" --fail-on never "$corpus" 2>>"$LOG" ||
                die "modelgate scan failed (see $LOG)"
        done
        for ((i = 1; i <= RUNS; i++)); do
            for t in 1 2; do
                timed "rg-j$t" "$i" "$RG" "-j$t" -c --hidden --no-require-git --no-unicode -f "$KIT/patterns.txt" "$corpus"
                timed "mg-t$t" "$i" "$MG" scan --threads "$t" --format sarif --output "$OUT/scan.sarif" \
                    --fail-on never "$corpus"
            done
        done
        OWN=$(awk -F'\t' -v o="$OWN" 'NR > 1 {o += $6 + $7} END {printf "%.2f", o}' "$TIMES")
        python3 - "$TIMES" "$size" "$searched" >>"$TABLE" <<'PY'
import collections, statistics, sys
rows = collections.defaultdict(list)
with open(sys.argv[1]) as f:
    next(f)
    for line in f:
        label, _run, e, _ns, _kib, user, sys_, _mf, _fi = line.rstrip("\n").split("\t")
        rows[label].append((float(e), float(user) + float(sys_)))
for label, r in rows.items():
    cmd, threads = ("rg-gitignore", label[4:]) if label.startswith("rg-j") else ("modelgate", label[4:])
    w = [x[0] for x in r]
    print(f"{sys.argv[2]}\t{int(sys.argv[3]) / 2**20:.1f}\t{cmd}\t{threads}\t{statistics.median(w):.2f}\t"
          f"{min(w):.2f}\t{max(w):.2f}\t{statistics.median(x[1] for x in r):.2f}")
PY
    done
    say "scaling (median wall of $RUNS runs; ratio = modelgate / rg-gitignore at the same threads)"
    python3 - "$TABLE" <<'PY' | tee "$SOUT/scaling.txt"
import collections, sys
t = collections.OrderedDict()
with open(sys.argv[1]) as f:
    next(f)
    for line in f:
        size, mib, cmd, threads, med, lo, hi, cpu = line.rstrip("\n").split("\t")
        t.setdefault((size, mib), {})[(cmd, threads)] = (float(med), float(lo), float(hi), float(cpu))
print(f"{'corpus':8} {'MiB':>6} {'threads':>7} {'rg s':>6} {'modelgate s':>11} {'ratio':>6} {'mg MiB/s':>8} {'mg CPU s':>8}")
for (size, mib), r in t.items():
    for th in ("1", "2"):
        rg, mg = r[("rg-gitignore", th)], r[("modelgate", th)]
        print(f"{size:8} {float(mib):6.0f} {th:>7} {rg[0]:6.2f} {mg[0]:11.2f} {mg[0] / max(rg[0], 0.01):5.2f}x "
              f"{float(mib) / max(mg[0], 0.01):8.0f} {mg[3]:8.2f}")
    s1, s2 = r[("modelgate", "1")][0], r[("modelgate", "2")][0]
    g1, g2 = r[("rg-gitignore", "1")][0], r[("rg-gitignore", "2")][0]
    print(f"{'':8} {'':6} speed-up 1->2 threads: modelgate {s1 / max(s2, 0.01):.2f}x, rg {g1 / max(g2, 0.01):.2f}x")
PY
    awk -v c0="$CPU0" -v c1="$(machine_cpu)" -v t0="$T0" -v t1="$(date +%s%N)" -v own="$OWN" -v b="$BUSY" \
        -v n="$(nproc)" 'BEGIN {w = (t1 - t0) / 1e9; o = c1 - c0 - own; if (o < 0) o = 0
            printf "interference: %d%% busy before timing; other processes used about %.1f CPU-seconds " \
                   "during the %.0f s of generation and timing (%.0f%% of the %d CPUs)\n", b, o, w, 100 * o / (w * n), n}' |
        tee -a "$SOUT/scaling.txt"
    echo
    echo "results in $SOUT (scaling.tsv, scaling.txt, one folder of times per corpus)"
    exit 0
fi

# ---------------------------------------------------------------- corpus
say "corpus"
if [[ -d $CORPUS && -f $CORPUS.stats.json && -f $CORPUS.manifest.tsv ]]; then
    echo "reusing $CORPUS"
else
    FORCE=()
    [[ -e $CORPUS ]] && FORCE=(--force) # an interrupted generation: start again
    echo "generating $CORPUS (the 1 GiB corpus takes about 35 s)"
    "$KIT/make-corpus" "${SIZE_ARGS[@]}" "${SEED_ARGS[@]}" "${FORCE[@]}" --out "$CORPUS" >"$OUT/make-corpus.out" ||
        die "make-corpus failed"
fi
"$KIT/make-corpus" --list-refs >"$OUT/catalogue.tsv"
read -r SEARCHED IGNORED TOTAL FILES < <(python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
print(s["searched_text_bytes"], s["bytes"].get("ignored", 0), s["total_bytes"], s["total_files"])' "$CORPUS.stats.json")
MIB() { python3 -c "import sys; print(f'{int(sys.argv[1]) / 2**20:.1f}')" "$1"; }
echo "$FILES files, $(MIB "$TOTAL") MiB in total, $(MIB "$SEARCHED") MiB of searched text, \
$(MIB "$IGNORED") MiB under gitignored folders (manifest stats)"

# ---------------------------------------------------------------- timing
# The peer command of the kit. The corpus is not a git repository, so this rg does not apply
# .gitignore and also searches node_modules/; rg-gitignore (--no-require-git) searches exactly the
# files modelgate scans, for a like-for-like ratio.
RG_CMD=("$RG" -j2 -c --hidden --no-unicode -f "$KIT/patterns.txt" "$CORPUS")
RG_GI_CMD=("$RG" -j2 -c --hidden --no-require-git --no-unicode -f "$KIT/patterns.txt" "$CORPUS")
MG_CMD=("$MG" scan --threads 2 --format sarif --output "$OUT/scan.sarif" --fail-on never "$CORPUS")
TIMES=$OUT/times.tsv
printf 'label\trun\twall_s\twall_ns\tmaxrss_kib\tuser_s\tsys_s\tmajor_faults\tfs_inputs_512b\n' >"$TIMES"

say "warming the page cache"
"$RG" --files --hidden "$CORPUS" >/dev/null
"$RG" -j2 -uuu -c --no-unicode -F 'zq-never-matches-qz' "$CORPUS" >/dev/null || true # reads every byte
"${RG_CMD[@]}" >/dev/null
"${MG_CMD[@]}" 2>>"$LOG" || die "modelgate scan failed (see $LOG)"

BUSY=$(busy_pct)
if [[ -n ${BENCH_WAIT_QUIET:-} ]]; then
    for ((w = 0; BUSY > 10 && w < BENCH_WAIT_QUIET; w += 5)); do
        echo "machine ${BUSY}% busy: waiting for it to quiet down (${w}/${BENCH_WAIT_QUIET} s)"
        sleep 4
        BUSY=$(busy_pct)
    done
fi
((BUSY <= 10)) || echo "WARNING: the machine is ${BUSY}% busy before timing: other jobs will distort \
the figures (BENCH_WAIT_QUIET=SECONDS waits for a quiet machine)"
CPU0=$(machine_cpu)
T0=$(date +%s%N)

say "timing: ${RUNS} runs each, interleaved; median reported"
echo "rg:           ${RG_CMD[*]}"
echo "rg-gitignore: ${RG_GI_CMD[*]}"
echo "modelgate:    ${MG_CMD[*]}"
for ((i = 1; i <= RUNS; i++)); do
    timed rg "$i" "${RG_CMD[@]}"
    timed rg-gitignore "$i" "${RG_GI_CMD[@]}"
    timed modelgate "$i" "${MG_CMD[@]}"
done
if ((EXTRA)); then
    say "diagnostic timings (perf hints only; median of ${RUNS} runs each)"
    for ((i = 1; i <= RUNS; i++)); do
        timed rg-j1 "$i" "$RG" -j1 -c --hidden --no-unicode -f "$KIT/patterns.txt" "$CORPUS"
        timed mg-threads1 "$i" "$MG" scan --threads 1 --format sarif --output "$OUT/scan-t1.sarif" \
            --fail-on never "$CORPUS"
        timed mg-json "$i" "$MG" scan --threads 2 --format json --output "$OUT/scan-timed.json" \
            --fail-on never "$CORPUS"
    done
fi

CPU1=$(machine_cpu)
T1=$(date +%s%N)
printf 'machine_cpu_s\twall_s\tcpus\tbusy_before_pct\n%s\t%s\t%s\t%s\n' \
    "$(awk -v a="$CPU0" -v b="$CPU1" 'BEGIN{printf "%.2f", b-a}')" \
    "$(awk -v a="$T0" -v b="$T1" 'BEGIN{printf "%.2f", (b-a)/1e9}')" "$(nproc)" "$BUSY" >"$OUT/interference.tsv"

if ((EXTRA)); then
    say "start-up (benches/bench-startup.sh: empty folder, one staged file)"
    "$REPO/benches/bench-startup.sh" --runs "$((RUNS * 7))" --bin "$MG" | tee "$OUT/startup.txt"
fi

# ---------------------------------------------------------------- accuracy
say "accuracy (modelgate scan --threads 2 --format json --fail-on never, all levels, vs the manifest)"
"$MG" scan --threads 2 --format json --fail-on never "$CORPUS" >"$OUT/scan.json" 2>>"$LOG" ||
    die "modelgate scan --format json failed (see $LOG)"
python3 "$REPO/benches/compare_manifest.py" --report "$OUT/scan.json" --manifest "$CORPUS.manifest.tsv" \
    --corpus "$CORPUS" --catalogue "$OUT/catalogue.tsv" --summary-json "$OUT/accuracy.json" |
    tee "$OUT/accuracy.txt"

# ---------------------------------------------------------------- summary
say "summary"
python3 - "$TIMES" "$OUT/accuracy.json" "$SEARCHED" "$STRICT" "$OUT/interference.tsv" "$IGNORED" <<'PY' | tee "$OUT/summary.txt"
import collections, json, statistics, sys

times_path, acc_path, searched, strict, interf = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "1", sys.argv[5]
ignored = int(sys.argv[6])
rows = collections.defaultdict(list)
with open(times_path) as f:
    next(f)
    for line in f:
        label, _run, e, ns, kib, user, sys_, _mf, fi = line.rstrip("\n").split("\t")
        rows[label].append((float(e), int(ns) / 1e9, int(kib), float(user) + float(sys_), int(fi) * 512 / 2**20))

def med(label):
    r = rows[label]
    return {"wall": statistics.median(x[0] for x in r), "ns": statistics.median(x[1] for x in r),
            "min": min(x[0] for x in r), "max": max(x[0] for x in r),
            "rss": max(x[2] for x in r) / 1024, "cpu": statistics.median(x[3] for x in r),
            "disk": max(x[4] for x in r)}

def mib_of(label):  # bytes each command searches: plain rg also reads the gitignored folders
    return (searched + (ignored if label in ("rg", "rg-j1") else 0)) / 2**20

print(f"searched text: {searched / 2**20:.1f} MiB, plus {ignored / 2**20:.1f} MiB under gitignored folders that "
      f"rg without --no-require-git also reads (manifest stats)")
print(f"wall = median of {len(rows['rg'])} runs of /usr/bin/time %e; MiB/s = MiB searched by that command / "
      f"median wall; peak RSS = largest over the runs; CPU = median user+sys")
print(f"{'command':12} {'wall s':>7} {'min-max s':>11} {'MiB':>6} {'MiB/s':>6} {'peak RSS MiB':>13} {'CPU s':>6} "
      f"{'ns clock s':>10} {'max disk read MiB':>17}")
for label in rows:
    m = med(label)
    print(f"{label:12} {m['wall']:7.2f} {m['min']:5.2f}-{m['max']:<5.2f} {mib_of(label):6.0f} "
          f"{mib_of(label) / max(m['wall'], 0.01):6.0f} {m['rss']:13.1f} {m['cpu']:6.2f} {m['ns']:10.3f} "
          f"{m['disk']:17.1f}")
rg, rg_gi, mg = med("rg"), med("rg-gitignore"), med("modelgate")
ratio = mg["wall"] / max(rg["wall"], 0.01)
ratio_gi = mg["wall"] / max(rg_gi["wall"], 0.01)
print(f"ratio modelgate/rg (median wall, the kit's peer command): {ratio:.2f}x")
print(f"ratio modelgate/rg-gitignore (same files as modelgate):    {ratio_gi:.2f}x")
for a, b in (("mg-threads1", "modelgate"), ("mg-json", "modelgate"), ("rg-j1", "rg")):
    if a in rows:
        print(f"  {a}/{b}: {med(a)['wall'] / max(med(b)['wall'], 0.01):.2f}x")
with open(interf) as f:
    next(f)
    total, wall, cpus, busy = f.readline().split()
own = sum(x[3] for r in rows.values() for x in r)
other = max(0.0, float(total) - own)
print(f"interference: the machine was {busy}% busy just before timing; during the timed phase "
      f"({float(wall):.1f} s) other processes used about {other:.1f} CPU-seconds "
      f"({100 * other / max(0.01, float(wall) * int(cpus)):.0f}% of the {cpus} CPUs)")

acc = json.load(open(acc_path))
print(f"accuracy: found {acc['found']}/{acc['expected']} ref lines, missing {acc['missing']}, "
      f"decoys hit {acc['decoy_hit']}, ref-ignored hit {acc['ignored_hit']}, unexpected {acc['unexpected']}, "
      f"lines in binary files {acc['binary_hit']}")
targets = [
    ("wall time <= 1.0x ripgrep (kit's peer command)", ratio <= 1.0, f"{ratio:.2f}x"),
    ("wall time <= 1.0x ripgrep (rg --no-require-git, same files)", ratio_gi <= 1.0, f"{ratio_gi:.2f}x"),
    ("peak RSS <= 100 MiB with SARIF output", mg["rss"] <= 100, f"{mg['rss']:.1f} MiB"),
    ("every injected reference found", acc["missing"] == 0, f"{acc['found']}/{acc['expected']}"),
    ("no decoy reported", acc["decoy_hit"] == 0, f"{acc['decoy_hit']} decoy lines"),
    ("no gitignored reference reported", acc["ignored_hit"] == 0, f"{acc['ignored_hit']} lines"),
]
print("targets:")
for name, ok, value in targets:
    print(f"  [{'met' if ok else 'NOT MET':7}] {name}: {value}")
sys.exit(3 if strict and not all(ok for _, ok, _ in targets) else 0)
PY
echo
echo "results in $OUT (times.tsv, accuracy.txt, summary.txt, scan.json, scan.sarif)"
