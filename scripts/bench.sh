#!/usr/bin/env bash
# Runs every benchmark tool and collects their figures into $BUILD/bench/results.json, a flat
# JSON object of figure name -> number. Each tool prints its figures as lines
#   FIGURE <name> <number>
# and everything else it prints is kept in $BUILD/bench/<tool>.log for docs/BENCHMARKS.md.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
bench_dir="$root/$build/bench"
mkdir -p "$bench_dir"
figures="$bench_dir/figures.txt"
: > "$figures"

run() {
  local name=$1; shift
  echo "== $name"
  local start=$SECONDS
  if ! "$@" > "$bench_dir/$name.log" 2>&1; then
    echo "benchmark $name failed; its log:" >&2
    tail -40 "$bench_dir/$name.log" >&2
    exit 1
  fi
  grep '^FIGURE ' "$bench_dir/$name.log" | tee -a "$figures" | sed 's/^FIGURE /   /'
  echo "   ($((SECONDS - start)) s)"
}

cd "$root"
# The figure tools, in the order their figures appear in docs/BENCHMARKS.md.
for name in pseudonymise_bench submit_bench; do
  run "$name" "$bench_dir/$name" --build_dir="$root/$build" --source_dir="$root"
done
# Issue 4: the Dice kernels, FEBRL and clkhash accuracy, synthetic linkage at 100k and the
# incremental worker into a store of 1M people.
run dice_bench "$bench_dir/dice_bench"
run febrl_bench "$bench_dir/febrl_bench" --source_dir="$root"
run linkage_bench "$bench_dir/linkage_bench"
# Issue 5: the whole indicator catalogue by every breakdown over 1M linked persons, and a full
# linked pull of 200k persons streamed to CSV.
run indicators_bench "$bench_dir/indicators_bench" --source_dir="$root"
run extract_bench "$bench_dir/extract_bench"
# Issue 6: eight clients at once into the real gateway (1M records), and the long crash
# campaign: 200 SIGKILLs of the real gateway under four clients.
run load_bench "$bench_dir/load_bench"
run crash_bench "$bench_dir/crash_bench"

{
  echo "{"
  awk '{ printf "%s  \"%s\": %s", (NR > 1 ? ",\n" : ""), $2, $3 } END { print "" }' "$figures"
  echo "}"
} > "$bench_dir/results.json"
echo "figures written to $build/bench/results.json"
cat "$bench_dir/results.json"
