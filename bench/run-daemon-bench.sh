#!/bin/sh
# run-daemon-bench.sh - build the inputs, start awsearchd, run bench_daemon,
# stop the daemon; once for the bundled list and once for a generated list.
#
#   bench/run-daemon-bench.sh [BUILD_DIR [ITEMS [REQUESTS]]]
#
# BUILD_DIR holds bin/awindex, bin/awsearchd and bin/bench_daemon (default:
# ./build); ITEMS is the size of the generated list (default 100000);
# REQUESTS the requests per table row (default 2000).  Inputs, databases and
# sockets live in a temporary folder removed at the end; set AWS_BENCH_KEEP
# to a folder to build the inputs there instead and keep them for a rerun.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
build=$(cd "${1:-build}" && pwd)
items=${2:-100000}
requests=${3:-2000}
shared=$(cd "$here/../../shared" 2>/dev/null && pwd) ||
    { echo "run-daemon-bench: no shared/ beside the checkout" >&2; exit 2; }
bin=$build/bin
for p in awindex awsearchd bench_daemon; do
    [ -x "$bin/$p" ] || { echo "run-daemon-bench: $bin/$p is not built" >&2; exit 2; }
done

if [ -n "${AWS_BENCH_KEEP:-}" ]; then
    work=$AWS_BENCH_KEEP
    mkdir -p "$work"
else
    work=$(mktemp -d /tmp/awbench.XXXXXX)
fi
pid=
cleanup() {
    if [ -n "$pid" ]; then kill -TERM "$pid" 2>/dev/null || :; wait "$pid" || :; fi
    [ -n "${AWS_BENCH_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The bundled list, with queries made of word pairs from its own titles so
# that they match (the generator's queries are drawn from other text).
# A database counts as built once its ".ok" marker exists, so that an
# interrupted run is redone rather than measured.
if [ ! -e "$work/small.ok" ]; then
    rm -rf "$work/small.db"
    "$bin/awindex" --db "$work/small.db" --fetch never --progress never -q \
        --abstracts "$shared/data/arxiv-abstracts.jsonl" \
        "$shared/data/awesome-llm-training.md"
    : >"$work/small.ok"
fi
sed -n 's/^- \*\*\([^*]*\)\*\*.*/\1/p' "$shared/data/awesome-llm-training.md" |
    tr 'A-Z' 'a-z' | tr -c 'a-z0-9\n' ' ' |
    awk '{ for (i = 1; i + 1 <= NF; i += 2) print $i " " $(i + 1) }' \
    > "$work/small.queries"

# A generated list of ITEMS entries with its abstracts and 2000 queries.
if [ ! -e "$work/big.ok" ]; then
    rm -rf "$work/big.db"
    "$shared/bench/gen-corpus" "$items" --out "$work/big.md" \
        --abstracts "$work/big.jsonl" --queries 2000 \
        --queries-out "$work/big.queries" >/dev/null
    echo "run-daemon-bench: indexing $items generated items" >&2
    "$bin/awindex" --db "$work/big.db" --fetch never --progress never -q \
        --abstracts "$work/big.jsonl" "$work/big.md"
    : >"$work/big.ok"
fi

# Starts awsearchd on DB and waits for its ready line (read from a FIFO, so
# the script blocks exactly until the daemon serves).  Without its answer
# cache: the queries repeat, and the comparison with the in-process search
# must be search against search (run-client-bench.sh shows the cache).
start_daemon() {
    rm -f "$work/ready" "$work/d.sock"
    mkfifo "$work/ready"
    "$bin/awsearchd" --foreground --result-cache 0 --db "$1" --socket "$work/d.sock" \
        --listen 127.0.0.1:0 --log-level warn \
        >"$work/ready" 2>>"$work/awsearchd.log" &
    pid=$!
    # Keep the FIFO open while the daemon runs, so that it never writes to
    # a pipe without a reader.
    exec 3<"$work/ready"
    read -r line <&3 || :
    case $line in
    "awsearchd: ready socket="*) ;;
    *) echo "run-daemon-bench: awsearchd did not start: $line" >&2
       cat "$work/awsearchd.log" >&2; exit 1 ;;
    esac
    tcp=${line##* tcp=}
}

stop_daemon() {
    kill -TERM "$pid"
    wait "$pid" || { echo "run-daemon-bench: awsearchd exited $?" >&2; exit 1; }
    pid=
    exec 3<&-
}

for which in small big; do
    start_daemon "$work/$which.db"
    label="bundled list"
    [ "$which" = big ] && label="generated list of $items items"
    "$bin/bench_daemon" --socket "$work/d.sock" --tcp "$tcp" \
        --db "$work/$which.db" --queries "$work/$which.queries" \
        --requests "$requests" --daemon-pid "$pid" --label "$label"
    stop_daemon
    echo
done
