#!/bin/sh
# run-related-bench.sh - index every list twice (as it is, and blind to its
# headings) with and without abstracts, and print bench_related's table.
#
# usage: bench/run-related-bench.sh [--check] BUILD_DIR [WORKDIR] [LIST.md...]
#
# Lists: the bundled list, every list in ../shared/data/lists/ and
# "arxiv-sample", a list of the first SAMPLE (default 1500) records of
# ../shared/data/arxiv-daily-cs-2025-2026.jsonl.gz made by
# ../shared/bench/arxiv-to-list (one section per primary arXiv category,
# every paper with its abstract), unless lists are named.
#
# Abstracts: "none" indexes a list alone; "arxiv" adds
# ../shared/data/arxiv-abstracts.jsonl and the records of the 75k file
# whose ids are in the lists (the sample's own records for the sample).
# The blind copy of a list has every "#" heading replaced by one constant,
# and the blind sample's records lose their categories (there the primary
# category is the label), so a blind database holds the same ids and texts
# but nothing of the labels (bench/bench_related.c says why).  Nothing is
# fetched and the abstract cache starts empty, so a run depends on these
# files only.  With --check the exit status is 1 when the ranking fails to
# beat the baseline on some list.  A temporary WORKDIR is removed
# afterwards; a given one is kept.
set -eu

check=
if [ "${1:-}" = "--check" ]; then
    check=--check
    shift
fi
if [ $# -lt 1 ]; then
    echo "usage: $0 [--check] BUILD_DIR [WORKDIR] [LIST.md...]" >&2
    exit 2
fi
build=$1
shift
here=$(cd "$(dirname "$0")" && pwd)
data=${AWS_SHARED_DATA:-$here/../../shared/data}
tools=$(cd "$data/../bench" && pwd)
if [ $# -ge 1 ] && [ "${1%.md}" = "$1" ]; then
    work=$1
    shift
    mkdir -p "$work"
else
    work=$(mktemp -d "${TMPDIR:-/tmp}/related-bench.XXXXXX")
    trap 'rm -rf "$work"' EXIT INT TERM
fi
awindex="$build/bin/awindex"
bench="$build/bin/bench_related"
for prog in "$awindex" "$bench"; do
    if [ ! -x "$prog" ]; then
        echo "$0: $prog is missing; build the awindex and bench_related targets" >&2
        exit 2
    fi
done
big="$data/arxiv-daily-cs-2025-2026.jsonl.gz"
sample=
if [ $# -eq 0 ]; then
    set -- "$data/awesome-llm-training.md" "$data"/lists/*.md
    sample="$work/arxiv-sample.md"
fi

# The records of the 75k file whose arXiv ids occur in the lists; awindex
# would skip the others, only more slowly (the file is 130 MB unpacked).
python3 - "$big" "$work/arxiv-75k-matching.jsonl" "$@" <<'PY'
import gzip, json, re, sys
big, out, lists = sys.argv[1], sys.argv[2], sys.argv[3:]
ids = set()
for path in lists:
    with open(path, encoding="utf-8", errors="replace") as f:
        ids.update(re.findall(r"(?<![\d.])(\d{4}\.\d{4,5})(?:v\d+)?", f.read()))
kept = 0
with gzip.open(big, "rt", encoding="utf-8") as src, open(out, "w") as dst:
    for line in src:
        if line.strip() and json.loads(line).get("id") in ids:
            dst.write(line)
            kept += 1
sys.stderr.write("run-related-bench: %d of the lists' %d arXiv ids are in %s\n"
                 % (kept, len(ids), big))
PY

if [ -n "$sample" ]; then
    "$tools/arxiv-to-list" "$big" "$sample" \
        --abstracts "$work/arxiv-sample.jsonl" --limit "${SAMPLE:-1500}" >&2
    python3 - "$work/arxiv-sample.jsonl" "$work/arxiv-sample-blind.jsonl" <<'PY'
import json, sys
with open(sys.argv[1]) as src, open(sys.argv[2], "w") as out:
    for line in src:
        if line.strip():
            r = json.loads(line)
            r["categories"] = []
            out.write(json.dumps(r) + "\n")
PY
    set -- "$@" "$sample"
fi
mkdir -p "$work/cache"

# Indexes LIST into DB afresh with the abstracts of MODE.  sh has no local
# variables, so the names used here (src) must not be the caller's.
index() { # DB MODE LIST ABSTRACTS
    set -- "$1" "$2" "$3" "$4" "$awindex" --db "$1" --rebuild --fetch never \
        --progress never --cache "$work/cache" -q
    if [ "$2" = arxiv ]; then
        set -- "$@" --abstracts "$data/arxiv-abstracts.jsonl" \
            --abstracts "$work/arxiv-75k-matching.jsonl" --abstracts "$4"
    fi
    src=$3
    shift 4
    "$@" "$src" 2> "$work/awindex.log" || {
        cat "$work/awindex.log" >&2
        exit 2
    }
}

status=0
header=--header
for list in "$@"; do
    name=$(basename "$list" .md)
    sed -E 's/^#{1,6}[[:space:]].*/## All/' "$list" > "$work/$name-blind.md"
    extra="$work/arxiv-75k-matching.jsonl"
    extra_blind=$extra
    if [ "$list" = "$work/arxiv-sample.md" ]; then
        extra="$work/arxiv-sample.jsonl"
        extra_blind="$work/arxiv-sample-blind.jsonl"
    fi
    for mode in none arxiv; do
        index "$work/$name-$mode" "$mode" "$list" "$extra"
        index "$work/$name-$mode-blind" "$mode" "$work/$name-blind.md" "$extra_blind"
        "$bench" $header $check "$name" "$mode" "$work/$name-$mode" \
            "$work/$name-$mode-blind" || status=$?
        header=
    done
done
exit $status
