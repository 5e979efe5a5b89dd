#!/usr/bin/env python3
"""test_awindex_errors.py - awindex's exit codes and messages on bad input.

2 usage; 3 an unreadable list or abstracts file (named); 4 a --db that is
no Xapian database (a folder holding another file, a plain file), with
nothing in it touched; a malformed item is skipped and reported as
FILE:LINE: why with exit 0; --help names every option the code takes.
"""

import os
import stat

from awindex_util import (AWINDEX, BUNDLED, TempDir, awindex, awindex_json, check,
                          check_all_accounted)

OPTIONS = ["--db", "--rebuild", "--jobs", "--fetch", "--arxiv-url", "--abstracts", "--cache",
           "--progress", "--json", "--quiet", "--help", "--version"]


def snapshot(folder):
    """Name, size, mode and mtime of everything under FOLDER."""
    out = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            st = os.lstat(path)
            out[os.path.relpath(path, folder)] = (st.st_size, st.st_mode, st.st_mtime_ns)
    return out


def test_usage(tmp):
    for args in (["--bogus"], ["--fetch", "sometimes"], ["--progress", "maybe"], ["--db"],
                 ["-x"], ["--jobs", "0"], ["-j", "two", "--rebuild"], ["-j2"]):
        p = awindex(tmp, *args, check_rc=2, fetch_never=False)
        check(p.stderr.startswith("awindex: ") and "--help" in p.stderr,
              "usage error message: %r" % p.stderr)
    p = awindex(tmp, "--help", check_rc=0, fetch_never=False)
    for opt in OPTIONS:
        check(opt in p.stdout, "--help does not mention %s" % opt)
    p = awindex(tmp, "--version", check_rc=0, fetch_never=False)
    check(p.stdout.startswith("awindex "), "--version: %r" % p.stdout)


def test_unreadable(tmp):
    db = os.path.join(tmp, "db")
    missing = os.path.join(tmp, "no-such-list.md")
    p = awindex(tmp, "--db", db, BUNDLED, missing, check_rc=3)
    check(missing in p.stderr, "exit 3 must name the path: %r" % p.stderr)
    check(not os.path.exists(db), "a failed run created the database")

    locked = os.path.join(tmp, "locked.md")
    with open(locked, "w") as f:
        f.write("## A\n- [x](https://example.org/)\n")
    os.chmod(locked, 0)
    if not os.access(locked, os.R_OK):   # root reads anything
        p = awindex(tmp, "--db", db, locked, check_rc=3)
        check(locked in p.stderr, "exit 3 must name the path: %r" % p.stderr)
    os.chmod(locked, stat.S_IRUSR | stat.S_IWUSR)

    folder = os.path.join(tmp, "a-folder")
    os.mkdir(folder)
    p = awindex(tmp, "--db", db, folder, check_rc=3)
    check(folder in p.stderr, "a folder as list: %r" % p.stderr)

    p = awindex(tmp, "--db", db, "--abstracts", missing, BUNDLED, check_rc=3)
    check(missing in p.stderr, "unreadable --abstracts must name the path: %r" % p.stderr)


def test_not_a_database(tmp):
    folder = os.path.join(tmp, "notes")
    os.mkdir(folder)
    with open(os.path.join(folder, "diary.txt"), "w") as f:
        f.write("dear diary\n")
    before = snapshot(folder)
    for extra in ([], ["--rebuild"]):
        p = awindex(tmp, "--db", folder, *extra, BUNDLED, check_rc=4)
        check(folder in p.stderr, "exit 4 must name the database: %r" % p.stderr)
        check(snapshot(folder) == before, "awindex %s touched a non-database folder" % extra)
    with open(os.path.join(folder, "diary.txt")) as f:
        check(f.read() == "dear diary\n", "the file's content changed")

    plain = os.path.join(tmp, "plain-file")
    with open(plain, "w") as f:
        f.write("not a database\n")
    for extra in ([], ["--rebuild"]):
        awindex(tmp, "--db", plain, *extra, BUNDLED, check_rc=4)
        with open(plain) as f:
            check(f.read() == "not a database\n", "the plain file changed")


def test_malformed_items(tmp):
    lst = os.path.join(tmp, "broken.md")
    with open(lst, "w", encoding="utf-8") as f:
        f.write("# Broken\n\n## Good\n"
                "- [A link](https://example.org/a)\n"
                "- **Title never closed, `arXiv, 2401.00001`\n"
                "- just words, no link at all\n"
                "- [**repo**](https://github.com/Owner/Repo) - Owner\n"
                "\n\t *A description.*\n")
    db = os.path.join(tmp, "broken-db")
    report = awindex_json(tmp, "--db", db, lst)
    ids = check_all_accounted(report, db, [lst])
    check(ids == {"https://example.org/a", "owner/repo"}, "indexed: %r" % ids)
    check(report["skipped"] == 2, "two items must be skipped: %r" % report["problems"])
    check(any(p.startswith(lst + ":6: ") for p in report["problems"]),
          "the item without a link is reported as FILE:LINE: why: %r" % report["problems"])


def test_quiet(tmp):
    db = os.path.join(tmp, "quiet-db")
    p = awindex(tmp, "-q", "--db", db, BUNDLED, check_rc=0)
    check(p.stderr == "" and p.stdout == "", "-q printed: %r %r" % (p.stdout, p.stderr))
    p = awindex(tmp, "--db", db, BUNDLED, check_rc=0)
    check("documents: 0 added, 0 updated, 0 deleted" in p.stderr,
          "the text report: %r" % p.stderr[-500:])
    check("\r" not in p.stderr, "progress drawn on a pipe with --progress auto")


def main():
    check(os.access(AWINDEX, os.X_OK), "no awindex in $AWS_BIN_DIR")
    with TempDir() as tmp:
        test_usage(tmp)
        test_unreadable(tmp)
        test_not_a_database(tmp)
        test_malformed_items(tmp)
        test_quiet(tmp)


if __name__ == "__main__":
    main()
