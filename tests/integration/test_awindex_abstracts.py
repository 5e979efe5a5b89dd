#!/usr/bin/env python3
"""test_awindex_abstracts.py - --abstracts merges paper metadata from JSON lines.

Three inputs: shared/data/arxiv-abstracts.jsonl (29 papers) over the
bundled list; the first 150 records of the 75k arXiv crawl (zcat | head,
"summary" instead of "abstract") over a list written here from those same
records; and a file with malformed lines, which are skipped and reported
with their line numbers while the good ones still merge.  The abstracts
are checked in the database with xapian-delve (abstract terms are indexed
with the XA prefix).
"""

import json
import os

from awindex_util import (BUNDLED, DATA, TempDir, awindex, awindex_json, check,
                          check_all_accounted, delve_terms, scan_list,
                          write_head_of_gz)


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def test_shared_abstracts(tmp):
    src = os.path.join(DATA, "arxiv-abstracts.jsonl")
    records = load_jsonl(src)
    check(len(records) == 29, "expected 29 records in %s" % src)
    papers = set(i for _, i in scan_list(BUNDLED) if i and "/" not in i and ":" not in i)
    want = len(set(r["id"] for r in records) & papers)
    check(want > 0, "the shared abstracts do not cover the bundled list")

    db = os.path.join(tmp, "shared")
    plain = awindex_json(tmp, "--db", db, BUNDLED)
    check(plain["abstracts"]["from_files"] == 0, "no --abstracts: %r" % plain["abstracts"])
    missing_before = plain["abstracts"]["missing"]

    report = awindex_json(tmp, "--db", db, "--abstracts", src, BUNDLED)
    a = report["abstracts"]
    check(a["from_files"] == want, "from_files %d, expected %d" % (a["from_files"], want))
    check(a["missing"] == missing_before - want, "missing: %r" % a)
    check(report["updated"] == want and report["added"] == 0,
          "the papers that got abstracts are updated, nothing else: %r" % report)
    check(report["problems"] == [] or all(not p.startswith(src) for p in report["problems"]),
          "the shared file has no malformed line")
    terms = delve_terms(db, "XA")
    # Words of the SpacTor abstract (2401.13160) and of its full author list.
    check("XAspactor" in terms, "the SpacTor abstract is not indexed")


def test_crawl_head(tmp):
    head = os.path.join(tmp, "head.jsonl")
    write_head_of_gz(os.path.join(DATA, "arxiv-daily-cs-2025-2026.jsonl.gz"), head, 150)
    records = load_jsonl(head)
    lst = os.path.join(tmp, "crawl.md")
    with open(lst, "w", encoding="utf-8") as out:
        out.write("# Crawl\n\n## Papers\n")
        for r in records:
            title = " ".join(r["title"].split())
            out.write("- **%s**, `arXiv, %s`, [arxiv](http://arxiv.org/abs/%sv1), "
                      "[pdf](http://arxiv.org/pdf/%sv1.pdf), cication: [**-1**](None)\n\n"
                      "\t *%s*\n" % (title, r["id"], r["id"], r["id"],
                                     ", ".join(r["authors"][:10])))
    ids = set(r["id"] for r in records)
    db = os.path.join(tmp, "crawl")
    report = awindex_json(tmp, "--db", db, "--abstracts", head, lst)
    check_all_accounted(report, db, [lst])
    a = report["abstracts"]
    check(a["papers"] == len(ids) and a["from_files"] == len(ids) and a["missing"] == 0,
          "every crawled paper gets its summary: %r" % a)
    # A word from the first record's summary, e.g. "sensor" -> XAsensor.
    words = set("XA" + w.lower() for w in records[0]["summary"].split() if w.isalpha())
    check(words & delve_terms(db, "XA"), "the first summary's words are not indexed")


def test_malformed(tmp):
    src = os.path.join(DATA, "arxiv-abstracts.jsonl")
    with open(src, encoding="utf-8") as f:
        good = [line for line in f if line.strip()]
    bad = os.path.join(tmp, "bad.jsonl")
    with open(bad, "w", encoding="utf-8") as out:
        out.write(good[0])                              # line 1
        out.write('{"id": "2310.15777", "abstract": \n')  # line 2: truncated
        out.write("\n")                                 # line 3: blank, skipped
        out.write('{"id": "not an id", "abstract": "x"}\n')  # line 4
        out.write('["a list"]\n')                       # line 5
        out.write(good[1])                              # line 6
    db = os.path.join(tmp, "bad")
    p = awindex(tmp, "--json", "--db", db, "--abstracts", bad, BUNDLED, check_rc=0)
    report = json.loads(p.stdout)
    mine = [m for m in report["problems"] if m.startswith(bad + ":")]
    lines = sorted(int(m[len(bad) + 1:].split(":")[0]) for m in mine)
    check(lines == [2, 4, 5], "malformed lines reported: %r" % mine)
    check(report["abstracts"]["from_files"] >= 1, "the good lines still merge")
    check(bad + ":2: invalid JSON" in p.stderr, "stderr lacks the FILE:LINE: why line")


def main():
    with TempDir() as tmp:
        test_shared_abstracts(tmp)
        test_crawl_head(tmp)
        test_malformed(tmp)


if __name__ == "__main__":
    main()
