#!/bin/sh
# run-client-bench.sh - time awsearch from process start to exit, beside
# /bin/true and grep -i, on the bundled list and on a 100k-item list.
#
# usage: bench/run-client-bench.sh BUILD_DIR [RUNS] [ITEMS]
#
# Builds both indexes offline (abstracts from JSON-lines files, no network)
# in a temporary folder, starts one awsearchd per index in the foreground,
# waits for each one's ready line, runs bench_client, and stops the daemons.
# Everything it made is removed on exit, unless AWS_BENCH_DIR names a folder
# to keep the generated list and both indexes in (indexing 100k items takes
# minutes; a second run with the same folder reuses them).
set -eu

build=$(cd "${1:?usage: run-client-bench.sh BUILD_DIR [RUNS] [ITEMS]}" && pwd)
runs=${2:-200}
items=${3:-100000}
here=$(cd "$(dirname "$0")" && pwd)
shared=${AWS_SHARED_DATA:-$here/../../shared/data}
gen=${AWS_GEN_CORPUS:-$here/../../shared/bench/gen-corpus}
query="mixture of experts scaling"

tmp=$(mktemp -d /tmp/awbench-XXXXXX)
keep=${AWS_BENCH_DIR:-$tmp}
mkdir -p "$keep"
pids=""
cleanup() {
    for p in $pids; do
        kill -TERM "$p" 2>/dev/null || true
    done
    for p in $pids; do
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# Starts awsearchd on index $1 and socket $2; returns once it is ready.
start_daemon() {
    mkfifo "$tmp/ready.$$"
    "$build/bin/awsearchd" --foreground --db "$1" --socket "$2" \
        --log-level error >"$tmp/ready.$$" 2>>"$tmp/daemon.log" &
    pids="$pids $!"
    # The ready line is the daemon's first line on stdout; reading the fifo
    # blocks until it is written (or the daemon exits, leaving it empty).
    if ! head -n 1 "$tmp/ready.$$" | grep -q '^awsearchd: ready'; then
        echo "run-client-bench: awsearchd did not start:" >&2
        cat "$tmp/daemon.log" >&2
        exit 1
    fi
    rm -f "$tmp/ready.$$"
}

bundled="$build/share/awsearch/awesome-llm-training.md"
echo "indexing the bundled list..." >&2
"$build/bin/awindex" --db "$tmp/db-bundled" --fetch never --progress never -q \
    --abstracts "$shared/arxiv-abstracts.jsonl" "$bundled"

# Queries that differ run to run, so that none is answered from the
# daemon's cache: word pairs from the bundled list's own titles (so that
# they match), and the generator's query set for the big list.
sed -n 's/^- \*\*\([^*]*\)\*\*.*/\1/p' "$bundled" |
    tr 'A-Z' 'a-z' | tr -c 'a-z0-9\n' ' ' |
    awk '{ for (i = 1; i + 1 <= NF; i += 2) print $i " " $(i + 1) }' \
    >"$tmp/bundled.queries"

big="$keep/big-$items"
if [ ! -s "$big.queries" ] || [ "$(wc -l <"$big.queries")" -lt $((runs + 5)) ]; then
    "$gen" --queries $((runs + 5)) "$items" >"$big.queries"
fi
if [ ! -f "$big.done" ]; then
    echo "generating and indexing a $items-item list..." >&2
    "$gen" "$items" --out "$big.md" --abstracts "$big.jsonl"
    "$build/bin/awindex" --db "$big.db" --fetch never --progress never -q \
        --abstracts "$big.jsonl" "$big.md"
    touch "$big.done"
fi

start_daemon "$tmp/db-bundled" "$tmp/bundled.sock"
start_daemon "$big.db" "$tmp/big.sock"

if ldd "$build/bin/awsearch" >/dev/null 2>&1; then
    echo "client: $(ldd "$build/bin/awsearch" | wc -l) shared objects" >&2
else
    echo "client: statically linked" >&2
fi
# shellcheck disable=SC2086 # the query is split into words on purpose
"$build/bench/bench_client" -n "$runs" -l bundled -c "$build/bin/awsearch" \
    -q "$tmp/bundled.queries" -s "$tmp/bundled.sock" -f "$bundled" $query
# shellcheck disable=SC2086
"$build/bench/bench_client" -n "$runs" -l "${items}" -c "$build/bin/awsearch" \
    -q "$big.queries" -s "$tmp/big.sock" -f "$big.md" $query
