#!/usr/bin/env bash
# Times `modelgate audit` on 50 generated repositories (the set of tests/audit.rs: Qwen, DeepSeek,
# GLM and Ollama references, some repositories with their own modelgate.toml, one with a
# malformed one, one missing folder, one clone URL): one unsharded run, 4 shard runs as parallel
# processes, and the merge of the 4 shard folders; checks that the merged reports equal the single
# run's byte for byte; prints the median of BENCH_RUNS runs (default 3) and the time per
# repository from the status files.
#
#   docs/audit/bench-audit.sh            # uses target/release/modelgate (cargo build --release)
#   MODELGATE_BIN=path/to/modelgate BENCH_RUNS=5 docs/audit/bench-audit.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
bin="${MODELGATE_BIN:-target/release/modelgate}"
runs="${BENCH_RUNS:-3}"
if [ ! -x "$bin" ]; then cargo build --release --locked; fi
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME="$work/cache"

# The repository set.
list="$work/repos.txt"
printf '# generated\n\n' > "$list"
for i in $(seq 0 49); do
  d="$work/repos/service-$(printf %02d "$i")"
  mkdir -p "$d/src"
  printf 'def helper_%s(x):\n    return x * %s\n' "$i" "$i" > "$d/src/util.py"
  case $((i % 5)) in
    0) printf 'MODEL = "Qwen/Qwen2.5-7B-Instruct"  # service %s\n' "$i" > "$d/app.py" ;;
    1) printf 'from openai import OpenAI\nclient = OpenAI(base_url="https://api.deepseek.com")\n' > "$d/client.py" ;;
    2) printf 'model: zai-org/GLM-4.5-Air\n# 模型配置：智谱\n' > "$d/config.yaml" ;;
    3) ;;
    4) printf 'ollama pull deepseek-r1:14b\nollama pull qwen2.5:7b\n' > "$d/serve.sh" ;;
  esac
  if [ $((i % 7)) -eq 3 ]; then
    printf '[checks]\nMG103 = "error"\nMG101 = "note"\nMG102 = "note"\n' > "$d/modelgate.toml"
  fi
  echo "repos/service-$(printf %02d "$i")" >> "$list"
done
mkdir -p "$work/repos/bad-policy"
printf '[checks\nMG101 = 3\n' > "$work/repos/bad-policy/modelgate.toml"
printf 'm = "Qwen/Qwen2.5-7B-Instruct"\n' > "$work/repos/bad-policy/a.py"
printf 'repos/bad-policy\nrepos/does-not-exist\n' >> "$list"
origin="$work/origin/tool"
mkdir -p "$origin"
printf 'client = OpenAI(base_url="https://api.deepseek.com")\n' > "$origin/client.py"
git -C "$origin" init -q -b main
git -C "$origin" add .
git -C "$origin" -c user.name=b -c user.email=b@example.com -c commit.gpgsign=false commit -q -m init
echo "file://$origin" >> "$list"

now() { date +%s.%N; }
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: > "$work/single.t"; : > "$work/shards.t"; : > "$work/merge.t"
for r in $(seq 1 "$runs"); do
  rm -rf "$work/single" "$work"/shard-* "$work/merged"
  t0=$(now)
  "$bin" audit --no-cache --repos "$list" --output-dir "$work/single" > /dev/null 2>&1
  t1=$(now)
  pids=()
  for i in 1 2 3 4; do
    "$bin" audit --no-cache --repos "$list" --shard "$i/4" --output-dir "$work/shard-$i" > /dev/null 2>&1 &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p"; done
  t2=$(now)
  "$bin" merge --output-dir "$work/merged" "$work"/shard-*/ > /dev/null 2>&1
  t3=$(now)
  cmp "$work/single/merged.json" "$work/merged/merged.json"
  cmp "$work/single/merged.md" "$work/merged/merged.md"
  awk "BEGIN { printf \"%.3f\\n\", $t1 - $t0 }" >> "$work/single.t"
  awk "BEGIN { printf \"%.3f\\n\", $t2 - $t1 }" >> "$work/shards.t"
  awk "BEGIN { printf \"%.3f\\n\", $t3 - $t2 }" >> "$work/merge.t"
  echo "run $r: single $(tail -n 1 "$work/single.t") s, 4 shards $(tail -n 1 "$work/shards.t") s, merge $(tail -n 1 "$work/merge.t") s"
done
per_repo="$(cat "$work"/single/repos/*/status.json | sed -n 's/.*"seconds": \([0-9.e-]*\).*/\1/p')"
n="$(echo "$per_repo" | wc -l)"
echo "modelgate: $("$bin" --version)"
echo "repositories: $n (53 planned; 2 with errors)"
echo "single run (median of $runs): $(median < "$work/single.t") s"
echo "4 shards in parallel (median of $runs): $(median < "$work/shards.t") s"
echo "merge of 4 shard folders (median of $runs): $(median < "$work/merge.t") s"
echo "per repository (last single run, status.json seconds): median $(echo "$per_repo" | median) s, max $(echo "$per_repo" | sort -g | tail -n 1) s, sum $(echo "$per_repo" | awk '{s += $1} END {printf "%.3f", s}') s"
echo "merged.json: $(wc -c < "$work/merged/merged.json") bytes, merged.md: $(wc -c < "$work/merged/merged.md") bytes; identical to the single run"
