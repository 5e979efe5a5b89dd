#!/bin/sh
# test.sh - build awsearch twice and run the whole test suite in each build:
# build/ (optimised, as users get it) and build-asan/ (AddressSanitizer +
# UndefinedBehaviorSanitizer, LeakSanitizer included).  Installs the Debian
# packages it needs first (scripts/deps.sh), so it works on a fresh machine.
set -eu
cd "$(dirname "$0")/.."

./scripts/deps.sh --test

jobs=$(nproc 2>/dev/null || echo 2)
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

run() {
    dir=$1
    shift
    echo "== $dir: configure and build" >&2
    cmake -S . -B "$dir" "$@" >/dev/null
    cmake --build "$dir" -j"$jobs"
    echo "== $dir: test" >&2
    ctest --test-dir "$dir" --output-on-failure -j"$jobs" --timeout 300
}

run build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAWS_BUILD_TESTS=ON -DAWS_BUILD_BENCH=ON
run build-asan -DCMAKE_BUILD_TYPE=Debug -DAWS_SANITIZE=ON -DAWS_BUILD_TESTS=ON -DAWS_BUILD_BENCH=OFF
