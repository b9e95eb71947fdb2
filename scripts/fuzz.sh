#!/usr/bin/env bash
# Runs every libFuzzer target of a clang ASan + UBSan build (make asan-configure) for a set time and
# reports what each did. Usage: scripts/fuzz.sh <build dir> <seconds per target>
#
# Each target fuzzes from a scratch corpus, <build dir>/fuzz/<target>/corpus, that starts empty,
# with the committed seed corpus (tests/fuzz/<name>_corpus) as its second, read-only directory:
# libFuzzer writes new inputs only into the first directory it is given, so the repository's corpus
# is never touched. Crash, leak and timeout inputs go to <build dir>/fuzz/artifacts/. At the end the
# script prints and writes <build dir>/fuzz/report.json: per target the runs, CPU seconds (user +
# system, measured), new corpus entries and crashes, and the totals. Exits non-zero when any
# target crashed.
set -uo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 <build dir> <seconds per target>" >&2
  exit 2
fi
build_dir=$(cd "$1" && pwd)
seconds=$2
source_dir=$(cd "$(dirname "$0")/.." && pwd)
out="$build_dir/fuzz"
artifacts="$out/artifacts"
mkdir -p "$artifacts"

export ASAN_SYMBOLIZER_PATH=/usr/lib/llvm-14/bin/llvm-symbolizer
export ASAN_OPTIONS="detect_leaks=1:strict_init_order=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$source_dir/tests/sanitizers/lsan.supp:print_suppressions=0"

# Store-backed targets keep their SQLite files here (tmpfs when there is one, so commits do not
# wait for a disk); removed after each target, so a crash leaves nothing behind.
scratch_base=/dev/shm
[ -d "$scratch_base" ] || scratch_base="$out"

rows=()
total_runs=0
total_cpu_ms=0
total_crashes=0
printf '%-22s %12s %9s %7s %8s\n' target runs cpu_s new crashes
for src in "$source_dir"/tests/fuzz/*_fuzz.cc; do
  target=$(basename "$src" .cc)
  name=${target%_fuzz}
  binary="$build_dir/tests/fuzz/$target"
  corpus="$source_dir/tests/fuzz/${name}_corpus"
  [ -d "$corpus" ] || corpus="$source_dir/tests/fuzz/${target}_corpus"
  if [ ! -x "$binary" ]; then
    echo "fuzz: $binary is missing; build the fuzz targets first" >&2
    exit 2
  fi
  work="$out/$target"
  rm -rf "$work"
  mkdir -p "$work/corpus"
  before=$(find "$artifacts" -name "$target-*" | wc -l)
  scratch=$(mktemp -d "$scratch_base/equilink-fuzz-$target-XXXXXX")
  # /usr/bin/time measures the target's own CPU (user + system), not the wall clock.
  EQUILINK_FUZZ_TMPDIR="$scratch" /usr/bin/time -f '%U %S' -o "$work/cpu" \
    "$binary" -max_total_time="$seconds" -print_final_stats=1 -timeout=30 -rss_limit_mb=4096 \
    -artifact_prefix="$artifacts/$target-" "$work/corpus" "$corpus" > "$work/log" 2>&1
  rc=$?
  rm -rf "$scratch"
  after=$(find "$artifacts" -name "$target-*" | wc -l)
  crashes=$((after - before))
  if [ "$rc" -ne 0 ] && [ "$crashes" -eq 0 ]; then
    crashes=1  # died without an artifact (e.g. in setup): still a failure
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log" | tail -1)
  runs=${runs:-0}
  read -r user sys < <(tail -1 "$work/cpu")
  cpu_ms=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%d", (u + s) * 1000 }')
  new=$(find "$work/corpus" -type f | wc -l)
  printf '%-22s %12d %9.1f %7d %8d\n' "$target" "$runs" "$(awk -v m="$cpu_ms" 'BEGIN { print m / 1000 }')" "$new" "$crashes"
  if [ "$crashes" -ne 0 ]; then
    echo "  see $work/log and $artifacts/$target-*"
  fi
  rows+=("$(printf '    {"target": "%s", "runs": %d, "cpu_seconds": %.1f, "new_corpus_entries": %d, "crashes": %d}' \
    "$target" "$runs" "$(awk -v m="$cpu_ms" 'BEGIN { print m / 1000 }')" "$new" "$crashes")")
  total_runs=$((total_runs + runs))
  total_cpu_ms=$((total_cpu_ms + cpu_ms))
  total_crashes=$((total_crashes + crashes))
done

cpu_minutes=$(awk -v m="$total_cpu_ms" 'BEGIN { printf "%.1f", m / 60000 }')
{
  echo "{"
  echo "  \"seconds_per_target\": $seconds,"
  echo "  \"targets\": ["
  for i in "${!rows[@]}"; do
    if [ "$i" -lt $((${#rows[@]} - 1)) ]; then echo "${rows[$i]},"; else echo "${rows[$i]}"; fi
  done
  echo "  ],"
  echo "  \"total_runs\": $total_runs,"
  echo "  \"total_cpu_minutes\": $cpu_minutes,"
  echo "  \"total_crashes\": $total_crashes"
  echo "}"
} > "$out/report.json"
echo "total: $total_runs runs, $cpu_minutes CPU-minutes, $total_crashes crashes; $out/report.json"
[ "$total_crashes" -eq 0 ]
