#!/usr/bin/env bash
# Runs the whole suite in the ASan + UBSan build and fails on any sanitizer report, including one
# from a process a test started (a gateway under test may die without its test noticing why).
# Usage: scripts/test_asan.sh <build dir> [jobs]
set -euo pipefail
build_dir=$(cd "$1" && pwd)
jobs=${2:-$(nproc)}
source_dir=$(cd "$(dirname "$0")/.." && pwd)
reports="$build_dir/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"

symbolizer=/usr/lib/llvm-14/bin/llvm-symbolizer
[ -x "$symbolizer" ] && export ASAN_SYMBOLIZER_PATH="$symbolizer"
export ASAN_OPTIONS="log_path=$reports/asan:detect_leaks=1:strict_init_order=1:check_initialization_order=1:detect_invalid_pointer_pairs=0"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$source_dir/tests/sanitizers/lsan.supp:print_suppressions=0"

status=0
(cd "$build_dir" && ctest --output-on-failure -j "$jobs" --timeout 1800) || status=$?

if compgen -G "$reports/*" > /dev/null; then
  echo "Sanitizer reports (from tests or processes they started):"
  for report in "$reports"/*; do
    echo "=== $report"
    head -60 "$report"
  done
  status=1
fi
if [ "$status" -eq 0 ]; then
  echo "test-asan: the whole suite ran clean under ASan + UBSan"
fi
exit "$status"
