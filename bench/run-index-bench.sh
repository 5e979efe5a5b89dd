#!/bin/sh
# run-index-bench.sh - make the indexing benchmark's inputs and run bench_index.
#
# usage: bench/run-index-bench.sh BUILD_DIR [WORKDIR [N]]
#
# Inputs (generated into WORKDIR, a new temporary folder by default, never
# into the repository): a list of N items (default 100000) made by
# ../shared/bench/gen-corpus with its abstracts, and the 75k real arXiv
# records of ../shared/data/arxiv-daily-cs-2025-2026.jsonl.gz turned into a
# list with ../shared/bench/arxiv-to-list.  A temporary WORKDIR is removed
# afterwards; a given one is kept.
set -eu

if [ $# -lt 1 ]; then
    echo "usage: $0 BUILD_DIR [WORKDIR [N]]" >&2
    exit 2
fi
build=$1
here=$(cd "$(dirname "$0")" && pwd)
shared=$(cd "$here/../../shared" && pwd)
n=${3:-100000}
if [ $# -ge 2 ]; then
    work=$2
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/awindex-bench.XXXXXX")
    trap 'rm -rf "$work"' EXIT INT TERM
fi
bench="$build/bin/bench_index"
if [ ! -x "$bench" ]; then
    echo "$0: $bench is missing; build the bench_index target first" >&2
    exit 2
fi

echo "inputs in $work" >&2
"$shared/bench/gen-corpus" "$n" --out "$work/gen.md" --abstracts "$work/gen.jsonl" >&2
"$shared/bench/arxiv-to-list" "$shared/data/arxiv-daily-cs-2025-2026.jsonl.gz" \
    "$work/arxiv.md" --abstracts "$work/arxiv.jsonl" >&2
rm -rf "$work"/*-floor "$work"/*-awindex

"$bench" "$work" "gen-$n" "$work/gen.md" "$work/gen.jsonl" \
    arxiv-75k "$work/arxiv.md" "$work/arxiv.jsonl"
