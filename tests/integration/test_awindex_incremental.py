#!/usr/bin/env python3
"""test_awindex_incremental.py - incremental runs rewrite only what changed.

Runs the bundled list twice (the second run changes nothing), then edits a
copy (one title changed, one item removed, which also shifts every later
item up a line) and expects exactly one update and one deletion; then drops
a whole list from a two-list database.
"""

import os
import shutil

from awindex_util import (BUNDLED, SIBLINGS, TempDir, awindex_json, check,
                          check_all_accounted, delve_terms, scan_list)

REMOVED = "- [Fine-tuning Llama 2 70B using PyTorch FSDP](https://huggingface.co/blog/ram-efficient-pytorch-fsdp)\n"
REMOVED_ID = "https://huggingface.co/blog/ram-efficient-pytorch-fsdp"


def main():
    with TempDir() as tmp:
        lst = os.path.join(tmp, "list.md")
        shutil.copy(BUNDLED, lst)
        db = os.path.join(tmp, "db")

        first = awindex_json(tmp, "--db", db, lst)
        docs = first["documents"]
        check(first["added"] == docs and first["updated"] == 0 and first["deleted"] == 0,
              "first run: %r" % first)

        second = awindex_json(tmp, "--db", db, lst)
        check(second["unchanged"] == docs and second["added"] == 0 and
              second["updated"] == 0 and second["deleted"] == 0,
              "second run must leave everything unchanged: %r" % second)
        check(second["documents"] == docs, "document count moved: %r" % second)

        with open(lst, encoding="utf-8") as f:
            text = f.read()
        check(text.count(REMOVED) == 1, "the item to remove is not in the list once")
        check(text.count("SpacTor-T5: Pre-training T5 Models") == 1, "no SpacTor title")
        text = text.replace(REMOVED, "")
        text = text.replace("SpacTor-T5: Pre-training T5 Models", "SpacTor-T5: Pretraining Zanzibar Models")
        with open(lst, "w", encoding="utf-8") as f:
            f.write(text)

        third = awindex_json(tmp, "--db", db, lst)
        check(third["updated"] == 1 and third["deleted"] == 1 and third["added"] == 0 and
              third["unchanged"] == docs - 2,
              "one title changed and one item removed: %r" % {
                  k: third[k] for k in ("added", "updated", "deleted", "unchanged")})
        check(third["documents"] == docs - 1, "documents: %r" % third["documents"])
        check_all_accounted(third, db, [lst])
        check("Q" + REMOVED_ID not in delve_terms(db, "Q"), "the removed item is still indexed")
        check("Szanzibar" in delve_terms(db, "S"), "the new title word is not indexed")

        # Two lists, then only one of them: the other's own entries go.
        other = SIBLINGS[0]
        both = awindex_json(tmp, "--db", db, lst, other)
        only_other = set(i for _, i in scan_list(other)) - set(i for _, i in scan_list(lst))
        check(both["added"] > 0, "adding a list adds documents: %r" % both["added"])
        back = awindex_json(tmp, "--db", db, lst)
        check(back["deleted"] == both["added"],
              "dropping a list deletes what it added: %d vs %d"
              % (back["deleted"], both["added"]))
        check(back["documents"] == docs - 1, "documents after dropping: %r" % back["documents"])
        check(len(only_other) >= back["deleted"], "more deleted than the list held alone")


if __name__ == "__main__":
    main()
