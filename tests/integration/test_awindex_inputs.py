#!/usr/bin/env python3
"""test_awindex_inputs.py - awindex and the inputs a new user gets wrong.

  * Abstracts from an --abstracts file stay in the database on the next run
    without the file (plain and --rebuild), counted as "kept" with nothing
    rewritten, until a newer abstract replaces them.
  * A list that gives no item (an abstracts file or a README named by
    mistake) is refused with exit 3 and the database left whole; so is a
    compressed or binary list, in one line.
  * The text report shows at most 20 problems of a file and counts the
    rest; --json keeps them all.
  * --abstracts reads gzip (the real arXiv snapshot too) and standard
    input; other compressors and a truncated gzip are refused in one line.

Databases are read back with xapian-delve (abstract words carry the XA
prefix).
"""

import gzip
import json
import lzma
import os
import subprocess

from awindex_util import (AWINDEX, BUNDLED, DATA, TempDir, awindex, awindex_json, check,
                          delve_doccount, delve_terms, env_for, scan_list)

SHARED = os.path.join(DATA, "arxiv-abstracts.jsonl")
SNAPSHOT = os.path.join(DATA, "arxiv-daily-cs-2025-2026.jsonl.gz")


def shared_records():
    with open(SHARED, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def bundled_papers_with_abstracts():
    """How many papers of the bundled list the shared file has abstracts for."""
    papers = set(i for _, i in scan_list(BUNDLED) if i and "/" not in i and ":" not in i)
    return len(set(r["id"] for r in shared_records()) & papers)


def abstract_words(db):
    return delve_terms(db, "XA")


def test_file_abstracts_kept(tmp):
    want = bundled_papers_with_abstracts()
    check(want > 0, "the shared abstracts do not cover the bundled list")
    db = os.path.join(tmp, "kept")
    first = awindex_json(tmp, "--db", db, "--abstracts", SHARED, BUNDLED)
    check(first["abstracts"]["from_files"] == want, "first run: %r" % first["abstracts"])
    check("XAspactor" in abstract_words(db), "the SpacTor abstract is not indexed")
    total = first["documents"]

    # The same lists without the file: nothing changed, nothing rewritten.
    plain = awindex_json(tmp, "--db", db, BUNDLED)
    check("XAspactor" in abstract_words(db), "a plain run dropped the file's abstracts")
    check(plain["updated"] == 0 and plain["unchanged"] == total and plain["added"] == 0,
          "a plain run rewrote documents: %r" % plain)
    a = plain["abstracts"]
    check(a.get("kept") == want and a["from_files"] == 0 and
          a["missing"] == first["abstracts"]["missing"], "plain run: %r" % a)

    # --fetch auto takes them from the database before asking arXiv (which
    # is unreachable here); --fetch always asks first, and keeps the
    # database's where it got nothing.
    for mode in ("auto", "always"):
        p = awindex(tmp, "--json", "--db", db, "--fetch", mode, BUNDLED, check_rc=0,
                    fetch_never=False)
        r = json.loads(p.stdout)
        check(r["abstracts"].get("kept") == want and r["updated"] == 0,
              "--fetch %s: %r" % (mode, r["abstracts"]))

    # A rebuild reads the database it replaces.
    rebuilt = awindex_json(tmp, "--db", db, "--rebuild", BUNDLED)
    check(rebuilt["abstracts"]["kept"] == want, "--rebuild: %r" % rebuilt["abstracts"])
    check(rebuilt["unchanged"] == total, "--rebuild saw changes: %r" % rebuilt)
    check("XAspactor" in abstract_words(db), "--rebuild dropped the file's abstracts")

    # A newer abstract replaces the kept one, and is kept in its turn.
    newer = os.path.join(tmp, "newer.jsonl")
    with open(newer, "w", encoding="utf-8") as f:
        f.write(json.dumps({"id": "2401.13160",
                            "abstract": "A revised summary about zebrafish."}) + "\n")
    r = awindex_json(tmp, "--db", db, "--abstracts", newer, BUNDLED)
    check(r["updated"] == 1 and r["abstracts"]["from_files"] == 1 and
          r["abstracts"]["kept"] == want - 1, "newer abstract: %r" % r)
    words = abstract_words(db)
    check("XAzebrafish" in words and "XAspactor" not in words,
          "the newer abstract did not replace the old one")
    r = awindex_json(tmp, "--db", db, BUNDLED)
    check(r["updated"] == 0 and "XAzebrafish" in abstract_words(db),
          "the newer abstract was not kept: %r" % r)


def refused(tmp, db, path, expect, *extra):
    """Runs awindex on the list PATH; expects exit 3, the single stderr line
    EXPECT and the database DB as it was."""
    before = delve_doccount(db)
    p = awindex(tmp, "--db", db, *extra, path, check_rc=3)
    lines = p.stderr.splitlines()
    check(lines == [expect], "%s: stderr %r, expected %r" % (path, lines, expect))
    check(delve_doccount(db) == before, "%s: the database changed" % path)


def test_not_a_list(tmp):
    db = os.path.join(tmp, "mirror")
    awindex_json(tmp, "--db", db, BUNDLED)
    msg = "awindex: %s: no list items found (is it an awesome list?)"
    refused(tmp, db, SHARED, msg % SHARED)
    # A README: headings, prose and a few bullets that are no items.
    readme = os.path.join(tmp, "README.md")
    with open(readme, "w", encoding="utf-8") as f:
        f.write("# Tool\n\nSome prose.\n\n## Install\n\n- run make\n- run make install\n")
    refused(tmp, db, readme, msg % readme)
    # One wrong name among good ones is enough to refuse the run.
    refused(tmp, db, readme, msg % readme, BUNDLED)

    packed = os.path.join(tmp, "list.md.gz")
    with open(BUNDLED, "rb") as src, gzip.open(packed, "wb") as out:
        out.write(src.read())
    refused(tmp, db, packed,
            "awindex: %s: looks like gzip-compressed data, not a Markdown list" % packed)
    binary = os.path.join(tmp, "image.md")
    with open(binary, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 20)
    refused(tmp, db, binary,
            "awindex: %s: looks like binary data (it holds NUL bytes), not a Markdown list"
            % binary)


def test_warning_cap(tmp):
    lst = os.path.join(tmp, "noisy.md")
    with open(lst, "w", encoding="utf-8") as f:
        f.write("# Noisy\n\n## Items\n- [Good](https://good.example/)\n")
        for i in range(50):
            f.write("- just words, no link %d\n" % i)
    db = os.path.join(tmp, "noisy")
    p = awindex(tmp, "--json", "--db", db, lst, check_rc=0)
    report = json.loads(p.stdout)
    check(report["skipped"] == 50, "skipped: %r" % report["skipped"])
    mine = [m for m in report["problems"] if m.startswith(lst + ":")]
    check(len(mine) == 50, "--json keeps every problem: %d" % len(mine))
    shown = [line for line in p.stderr.splitlines()
             if line.startswith(lst + ":") and line[len(lst) + 1:][:1].isdigit()]
    check(len(shown) == 20 and shown == mine[:20],
          "stderr shows %d problem lines: %r" % (len(shown), shown[:3]))
    check("%s: 30 more unparseable lines not shown" % lst in p.stderr.splitlines(),
          "no count of the hidden lines: %r" % p.stderr[-500:])


def test_gzip_and_stdin_abstracts(tmp):
    want = bundled_papers_with_abstracts()
    packed = os.path.join(tmp, "abstracts.jsonl.gz")
    with open(SHARED, "rb") as src, gzip.open(packed, "wb") as out:
        out.write(src.read())
    r = awindex_json(tmp, "--db", os.path.join(tmp, "gz"), "--abstracts", packed, BUNDLED)
    check(r["abstracts"]["from_files"] == want and
          not any(m.startswith(packed) for m in r["problems"]),
          "gzip'd abstracts: %r" % r["abstracts"])

    # The real snapshot a user would pass, as downloaded: no warning at all.
    p = awindex(tmp, "--db", os.path.join(tmp, "snap"), "--abstracts", SNAPSHOT, BUNDLED,
                check_rc=0)
    check(len(p.stderr.splitlines()) <= 5 and SNAPSHOT not in p.stderr,
          "the snapshot gave warnings: %r" % p.stderr[:1000])

    for name, data in (("plain", open(SHARED, "rb").read()),
                       ("gzip", open(packed, "rb").read())):
        p = subprocess.run([AWINDEX, "--fetch", "never", "--json", "--db",
                            os.path.join(tmp, "stdin-" + name), "--abstracts", "-", BUNDLED],
                           input=data, env=env_for(tmp), capture_output=True, timeout=300)
        check(p.returncode == 0, "--abstracts - (%s) exited %d: %r"
              % (name, p.returncode, p.stderr[-500:]))
        a = json.loads(p.stdout)["abstracts"]
        check(a["from_files"] == want, "--abstracts - (%s): %r" % (name, a))

    # Standard input has one name in every message, and can be read once.
    p = subprocess.run([AWINDEX, "--fetch", "never", "--json", "--db",
                        os.path.join(tmp, "stdin-bad"), "--abstracts", "-", BUNDLED],
                       input=b'{"id": "2401.04088"\n', env=env_for(tmp),
                       capture_output=True, timeout=300)
    problems = json.loads(p.stdout)["problems"]
    check(p.returncode == 0 and any(m.startswith("standard input:1: ") for m in problems),
          "a bad line on standard input: %r" % problems)
    p = subprocess.run([AWINDEX, "--db", os.path.join(tmp, "stdin-twice"),
                        "--abstracts", "-", "--abstracts", "-", BUNDLED],
                       stdin=subprocess.DEVNULL, env=env_for(tmp), capture_output=True,
                       timeout=60)
    check(p.returncode == 2 and b"--abstracts - is given twice" in p.stderr,
          "--abstracts - twice: %d %r" % (p.returncode, p.stderr))


def test_bad_abstracts_files(tmp):
    db = os.path.join(tmp, "badabs")
    awindex_json(tmp, "--db", db, BUNDLED)
    before = delve_doccount(db)
    xz = os.path.join(tmp, "abstracts.jsonl.xz")
    with open(SHARED, "rb") as src, lzma.open(xz, "wb") as out:
        out.write(src.read())
    p = awindex(tmp, "--db", db, "--abstracts", xz, BUNDLED, check_rc=3)
    check(p.stderr.splitlines() ==
          ["awindex: %s: looks like xz-compressed data, not JSON lines (gzip is read as it "
           "is; decompress anything else first)" % xz], "xz: %r" % p.stderr)
    cut = os.path.join(tmp, "cut.jsonl.gz")
    with open(SNAPSHOT, "rb") as src, open(cut, "wb") as out:
        out.write(src.read(20000))
    p = awindex(tmp, "--db", db, "--abstracts", cut, BUNDLED, check_rc=3)
    check(p.stderr.splitlines() ==
          ["awindex: %s: corrupt gzip data (unexpected end of file)" % cut],
          "truncated gzip: %r" % p.stderr)
    check(delve_doccount(db) == before, "a refused abstracts file changed the database")


def main():
    check(os.access(AWINDEX, os.X_OK), "no awindex in $AWS_BIN_DIR")
    with TempDir() as tmp:
        test_file_abstracts_kept(tmp)
        test_not_a_list(tmp)
        test_warning_cap(tmp)
        test_gzip_and_stdin_abstracts(tmp)
        test_bad_abstracts_files(tmp)


if __name__ == "__main__":
    main()
