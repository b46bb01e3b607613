#!/bin/bash
# A short coverage-guided run of the lookup parsers' libFuzzer target (~20 s).
# Uses the `fuzz` preset's build (build/fuzz) or $DMABENCH_LOOKUP_FUZZER when
# present, else builds the target by hand with clang into a temporary
# directory. Host only: under qemu (arm64) it says so and passes.
# Usage: bash lookup_fuzz.sh <dmabench command...>
set -euo pipefail
src=${DMABENCH_SOURCE_DIR:?DMABENCH_SOURCE_DIR must name the source tree}
case "$*" in
  *qemu*) echo "lookup_fuzz: skipped: libFuzzer runs on the build host only, not under qemu"; exit 0 ;;
esac
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fuzzer=${DMABENCH_LOOKUP_FUZZER:-$src/build/fuzz/tests/fuzz/lookup_fuzz}
if [[ ! -x $fuzzer ]]; then
  if ! command -v clang++ >/dev/null; then
    echo "lookup_fuzz: skipped: no fuzz build and no clang++ to build one (cmake --preset fuzz)"; exit 0
  fi
  fuzzer=$work/lookup_fuzz
  echo "lookup_fuzz: building $fuzzer with clang++ -fsanitize=fuzzer,address,undefined"
  clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -I"$src" \
    "$src"/tests/fuzz/lookup_fuzz.cpp \
    "$src"/kernels/lookup/{memmap,parse,rbtree,p2m,tables,replicas}.cpp -o "$fuzzer"
fi
mkdir -p "$work/corpus"
# New inputs go to the temporary corpus; the seeds in the tree stay untouched.
"$fuzzer" -max_total_time=${DMABENCH_FUZZ_SECONDS:-20} -timeout=10 -rss_limit_mb=2048 \
  -artifact_prefix="$work/" "$work/corpus" "$src/tests/fuzz/corpus/lookup" 2>"$work/log" || {
  tail -40 "$work/log"
  for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
    [[ -e $a ]] && { echo "lookup_fuzz: failing input $a:"; xxd "$a" | head -20; }
  done
  echo "lookup_fuzz: FAILED"; exit 1
}
grep -E '^Done [0-9]+ runs' "$work/log" || tail -3 "$work/log"
echo "lookup_fuzz: passed"
