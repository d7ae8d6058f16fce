#!/bin/sh
# Run every libFuzzer target of tests/fuzz for SECONDS each (default 30) over its seed corpus.
# New inputs go to a work corpus under the build directory, never into the tree; crashes are
# written there too and make the script fail. Usage: scripts/fuzz.sh BUILD_DIR [SECONDS]
set -eu
build=$1
seconds=${2:-30}
src=$(cd "$(dirname "$0")/.." && pwd)
status=0
# FUZZ_SEED fixes libFuzzer's random seed (CI: the same mutations every run, so a failure is a
# regression of the tree, not a new draw); unset, every run explores anew
seed=${FUZZ_SEED:+-seed=$FUZZ_SEED}
# third-party leaks only (libfyaml 0.7.12); see the file
export LSAN_OPTIONS="suppressions=$src/tests/fuzz/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
for bin in "$build"/tests/fuzz/fuzz_*; do
  [ -x "$bin" ] || continue
  name=$(basename "$bin" | sed 's/^fuzz_//')
  work="$build/fuzz-work/$name"
  mkdir -p "$work/corpus" "$work/artifacts"
  dict=""
  [ -f "$src/tests/fuzz/$name.dict" ] && dict="-dict=$src/tests/fuzz/$name.dict"
  echo "fuzz: $name for ${seconds}s"
  # -rss_limit_mb: the readers' own limits are far above what a fuzz input reaches
  if ! "$bin" $dict $seed -max_total_time="$seconds" -max_len=65536 -timeout=20 -rss_limit_mb=2560 \
       -print_final_stats=1 -artifact_prefix="$work/artifacts/" \
       "$work/corpus" "$src/tests/fuzz/corpus/$name" >"$work/log" 2>&1; then
    echo "fuzz: $name FAILED; see $work/log and $work/artifacts/" >&2
    tail -40 "$work/log" >&2
    status=1
  fi
  grep -E "^stat::number_of_executed_units|^stat::new_units_added|cov: " "$work/log" | tail -3
done
exit $status
