#!/usr/bin/env python3
"""test_awindex_lists.py - awindex indexes the bundled list and every sibling
list, and every "- " item is either a document or a reported problem.

The expected counts come from awindex_util.scan_list, a simpler scanner
that shares nothing with the parser; the documents are read back with
xapian-delve.
"""

import os

from awindex_util import (BUNDLED, SIBLINGS, TempDir, awindex_json, check,
                          check_all_accounted, delve_terms)


def main():
    check(len(SIBLINGS) >= 5, "expected the sibling lists in $AWS_SHARED_DATA/lists")
    with TempDir() as tmp:
        # The bundled list is the default input.
        db = os.path.join(tmp, "default", "db")
        report = awindex_json(tmp, "--db", db)
        check(len(report["lists"]) == 1 and
              report["lists"][0].endswith("/awesome-llm-training.md"),
              "no LIST.md should index the bundled list, got %r" % report["lists"])
        bundled = check_all_accounted(report, db, [report["lists"][0]])
        check(report["added"] == report["documents"] and report["documents"] > 100,
              "a fresh database gets every document added: %r" % report)
        # A few well-known ids of each kind.
        terms = delve_terms(db, "Q")
        for doc_id in ("2401.13160", "facebookresearch/metaseq",
                       "https://huggingface.co/blog/ram-efficient-pytorch-fsdp"):
            check("Q" + doc_id in terms, "Q%s missing from the bundled database" % doc_id)

        # Each sibling list on its own.
        union = set(bundled)
        for i, path in enumerate(SIBLINGS):
            db = os.path.join(tmp, "list%d" % i)
            report = awindex_json(tmp, "--db", db, path)
            union |= check_all_accounted(report, db, [path])

        # All lists into one database: entries merged by id across lists.
        db = os.path.join(tmp, "all")
        paths = [BUNDLED] + SIBLINGS
        report = awindex_json(tmp, "--db", db, *paths)
        merged = check_all_accounted(report, db, paths)
        check(merged == union, "the merged database differs from the union of the lists")
        check(report["duplicates"] > 0,
              "the lists share items, so some must be merged: %r" % report["duplicates"])


if __name__ == "__main__":
    main()
