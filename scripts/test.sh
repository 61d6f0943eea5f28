#!/usr/bin/env bash
# The whole test suite: installs dependencies, builds, runs every test with ctest; then every test
# again, built with AddressSanitizer and UndefinedBehaviorSanitizer (build/asan/); then a short
# fuzzing run of each libFuzzer target (scripts/fuzz.sh, build/fuzz/).
#   IKGEN_SANITIZE=0       skip the sanitizer build
#   IKGEN_FUZZ_SECONDS=N   seconds per fuzz target (default 60; 0 skips fuzzing)
set -euo pipefail
cd "$(dirname "$0")/.."
sanitize=${IKGEN_SANITIZE:-1}
fuzz_seconds=${IKGEN_FUZZ_SECONDS:-60}
started=$SECONDS
phase() { echo "== test.sh: $1 ($((SECONDS - started)) s so far)"; }

scripts/install-deps.sh
scripts/build.sh
(cd build && ctest --output-on-failure --timeout 1200)

if [ "$sanitize" != 0 ]; then
  phase "sanitizer build (ASan + UBSan) into build/asan/"
  cmake -S . -B build/asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DIKGEN_SANITIZE=ON >/dev/null
  cmake --build build/asan --parallel "$(nproc)"
  phase "all tests (unit, e2e, conformance) under ASan + UBSan"
  (cd build/asan && ctest --output-on-failure --timeout 1200)
fi

if [ "$fuzz_seconds" -gt 0 ]; then
  if command -v clang++ >/dev/null; then
    phase "fuzzing, $fuzz_seconds s per target"
    scripts/fuzz.sh "$fuzz_seconds"
  else
    echo "test.sh: clang++ is missing, fuzzing skipped (scripts/install-deps.sh installs it)" >&2
  fi
fi
phase "done"
