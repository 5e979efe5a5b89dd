#!/bin/sh
# quickstart.sh - from a fresh Debian 12 machine to a first answer: install
# what is missing, build, index the bundled list and run one query.
#
#   scripts/quickstart.sh [QUERY...]     (default: "mixture of experts scaling")
set -eu
cd "$(dirname "$0")/.."

./scripts/deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAWS_BUILD_TESTS=OFF -DAWS_BUILD_BENCH=OFF >/dev/null
cmake --build build -j"$jobs" --target awindex awsearchd awsearch >/dev/null

./build/bin/awindex
if [ $# -eq 0 ]; then
    set -- "mixture of experts scaling"
fi
exec ./build/bin/awsearch "$@"
