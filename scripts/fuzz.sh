#!/usr/bin/env bash
# Short libFuzzer runs of the config loader and of the source decoding path (tests/fuzz/README.md).
# Usage: scripts/fuzz.sh [SECONDS]   (per target, default 60; the two targets run side by side)
#
# Builds build/fuzz/ with clang++ (-DIKGEN_FUZZ=ON: libFuzzer + ASan + UBSan), replays the kept
# crash inputs (ctest -L fuzz-regression), writes seed corpora with tests/fuzz/make_seeds.py, then
# fuzzes each target for SECONDS. An input that crashes, leaks, times out or runs out of memory
# is copied into tests/fuzz/regressions/<target>/ (commit it: the unit tests replay it from then
# on) and the script fails. The corpus grown by earlier runs is kept in build/fuzz/corpus/.
# Needs clang and libclang-rt-14-dev (scripts/install-deps.sh installs them); as root it
# installs them itself when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: scripts/fuzz.sh [SECONDS]" >&2; exit 2; }

have_libfuzzer() {
  command -v clang++ >/dev/null || return 1
  local probe
  probe=$(mktemp -d)
  printf 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char*, unsigned long) { return 0; }\n' >"$probe/p.cpp"
  clang++ -fsanitize=fuzzer "$probe/p.cpp" -o "$probe/p" 2>/dev/null
  local status=$?
  rm -rf "$probe"
  return $status
}
if ! have_libfuzzer; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "fuzz: installing clang and libclang-rt-14-dev (libFuzzer)" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends clang libclang-rt-14-dev >/dev/null
  fi
  have_libfuzzer || { echo "fuzz: clang++ with libFuzzer is not available; install clang and libclang-rt-14-dev" >&2; exit 1; }
fi

build=build/fuzz
cmake -S . -B "$build" -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIKGEN_FUZZ=ON >/dev/null
cmake --build "$build" --parallel "$(nproc)" --target fuzz_config fuzz_decode

# The same sanitizer settings as the tests (CMakeLists.txt IKGEN_SANITIZER_ENV).
export ASAN_OPTIONS=detect_leaks=1:strict_string_checks=1:check_initialization_order=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/fuzz/lsan.supp:print_suppressions=0

echo "== fuzz: replaying tests/fuzz/regressions"
(cd "$build" && ctest -L fuzz-regression --output-on-failure)

rm -rf "$build/seeds"
/usr/bin/python3 tests/fuzz/make_seeds.py "$build/seeds"

declare -A max_len=([config]=20000 [decode]=16384)
pids=()
for target in config decode; do
  mkdir -p "$build/corpus/$target" "$build/artifacts/$target"
  rm -f "$build/artifacts/$target"/*
  extra=()
  [ "$target" = config ] && extra=(-dict="$build/seeds/config.dict")
  echo "== fuzz: $target for $seconds s (log: $build/fuzz-$target.log)"
  "$build/fuzz_$target" -max_total_time="$seconds" -max_len="${max_len[$target]}" -rss_limit_mb=2048 -timeout=10 \
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$target/" "${extra[@]}" \
    "$build/corpus/$target" "$build/seeds/$target" "tests/fuzz/regressions/$target" >"$build/fuzz-$target.log" 2>&1 &
  pids+=($!)
done

status=0
i=0
for target in config decode; do
  result=0
  wait "${pids[$i]}" || result=$?
  i=$((i + 1))
  log=$build/fuzz-$target.log
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1 || true)
  corpus=$(find "$build/corpus/$target" -type f | wc -l)
  echo "fuzz: $target: ${runs:-?} runs, ${rate:-?} exec/s, ${cov:-no coverage line}, corpus $corpus files, exit $result"
  found=0
  for artifact in "$build/artifacts/$target"/{crash,leak,oom,timeout}-*; do
    [ -e "$artifact" ] || continue
    found=1
    cp "$artifact" "tests/fuzz/regressions/$target/"
    echo "fuzz: $target: FINDING $(basename "$artifact") -> tests/fuzz/regressions/$target/ (commit it; replay: $build/fuzz_$target $artifact)" >&2
  done
  if [ "$result" -ne 0 ] || [ "$found" -eq 1 ]; then
    status=1
    echo "fuzz: $target failed; the end of $log:" >&2
    grep -v '^#[0-9]*[[:space:]]*\(NEW\|REDUCE\|pulse\|RELOAD\)' "$log" | tail -n 60 >&2
  fi
done
exit $status
