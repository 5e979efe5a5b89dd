#!/usr/bin/env python3
"""test_awindex_rebuild.py - --rebuild swaps atomically; kills leave the old database.

1. A reader (awx_reader, opened before the rebuild) keeps reading its
   snapshot while `awindex --rebuild` swaps a different list in, then sees
   the new database after a reopen; xapian-delve agrees.
2. `kill -9` in the middle of writing a big generated list, during a
   rebuild and during an incremental run, leaves the previous database
   whole: xapian-delve reads the old document count.  SIGTERM (during a
   rebuild) and SIGINT (during an incremental run) do the same, and awindex
   exits 128+N with a message; so does SIGTERM while --rebuild -j2's writer
   processes run, and their shards are removed.
3. --rebuild -j2 on a generated list of 4500 items: every item indexed or
   reported, and an incremental run after it finds everything unchanged.
Readiness is awindex's own progress line ("writing N/M" with N > 0) read
from its stderr, never a sleep.
"""

import os
import shutil
import signal
import subprocess
import time

from awindex_util import (AWINDEX, BUNDLED, SIBLINGS, Proc, TempDir,
                          awindex_json, check, check_all_accounted,
                          delve_doccount, env_for)

READER = os.environ.get("AWS_IT_READER", "")
GEN_CORPUS = os.path.join(os.environ.get("AWS_SHARED_DATA", ""), "..", "bench", "gen-corpus")


def reader_cmd(p, cmd):
    p.stdin.write(cmd + "\n")
    p.stdin.flush()
    line = p.stdout.readline().strip()
    check(line.startswith(cmd + " "), "reader answered %r to %r" % (line, cmd))
    return int(line.split()[1])


def test_reader_survives(tmp):
    db = os.path.join(tmp, "db")
    old = awindex_json(tmp, "--db", db, BUNDLED)["documents"]
    reader = subprocess.Popen([READER, db], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              text=True)
    try:
        ready = reader.stdout.readline().strip()
        check(ready == "ready %d" % old, "reader: %r" % ready)

        report = awindex_json(tmp, "--rebuild", "--db", db, SIBLINGS[0])
        check(report["rebuild"] is True, "report: rebuild flag")
        new = report["documents"]
        check(new != old, "pick lists of different sizes")
        check(report["deleted"] > 0 and report["added"] > 0,
              "rebuild counts against the old database: %r" % report)
        check_all_accounted(report, db, [SIBLINGS[0]])

        # The old snapshot is still readable through the open handle.
        check(reader_cmd(reader, "count") == old, "the old handle changed under the reader")
        check(reader_cmd(reader, "search") == 5, "the old handle cannot search")
        check(reader_cmd(reader, "reopen") == new, "reopen does not see the rebuilt database")
        check(reader_cmd(reader, "search") == 5, "the reopened handle cannot search")
    finally:
        reader.stdin.close()
        reader.wait(timeout=60)
    check(reader.returncode == 0, "reader exited %d" % reader.returncode)

    # An incremental run on the rebuilt (stub) database works.
    again = awindex_json(tmp, "--db", db, SIBLINGS[0])
    check(again["unchanged"] == new and again["documents"] == new, "after rebuild: %r" % again)
    return db, new


def killed_mid_write(tmp, db, big, extra, sig):
    """Starts awindex on BIG, waits until it has written some documents
    (or, with -j2, started its writer processes), sends SIG and returns
    (exit status, stderr, seconds from the signal to the exit)."""
    cmd = [AWINDEX, "--fetch", "never", "--progress", "always", "--db", db] + extra + [big]
    p = Proc(cmd, env_for(tmp))
    if "-j2" in extra:
        p.wait_stderr(r"writing in parallel")
    else:
        m = p.wait_stderr(r"writing ([1-9]\d*)/(\d+)")
        check(int(m.group(1)) < int(m.group(2)),
              "awindex finished writing before it could be interrupted")
    start = time.monotonic()
    rc = p.kill(sig)
    return rc, p.err.decode("utf-8", "replace"), time.monotonic() - start


def test_sharded(tmp):
    """--rebuild -j2 writes two shards in two processes and merges them."""
    lst = os.path.join(tmp, "mid.md")
    subprocess.run([GEN_CORPUS, "4500", "--seed", "3", "--out", lst], check=True,
                   capture_output=True, timeout=120)
    db = os.path.join(tmp, "sharded")
    report = awindex_json(tmp, "--rebuild", "-j2", "--db", db, lst)
    check(report["documents"] >= 4000, "too few entries to shard: %r" % report["documents"])
    check_all_accounted(report, db, [lst])
    again = awindex_json(tmp, "--db", db, lst)
    check(again["unchanged"] == report["documents"] and again["added"] == 0,
          "the merged database keeps every digest: %r" % again)
    check(not [f for f in os.listdir(tmp) if f.endswith(".shards")], "shards left behind")


def test_kills(tmp, db, count):
    big = os.path.join(tmp, "big.md")
    subprocess.run([GEN_CORPUS, "20000", "--seed", "7", "--out", big], check=True,
                   capture_output=True, timeout=120)

    start = time.monotonic()
    awindex_json(tmp, "--rebuild", "-j2", "--db", os.path.join(tmp, "whole"), big)
    whole = time.monotonic() - start
    for entry in os.listdir(tmp):
        if entry == "whole" or entry.startswith("whole."):
            path = os.path.join(tmp, entry)
            if os.path.isdir(path):
                shutil.rmtree(path)
            else:
                os.remove(path)

    for extra in (["--rebuild"], []):
        rc, _, _ = killed_mid_write(tmp, db, big, extra, signal.SIGKILL)
        check(rc == -signal.SIGKILL, "awindex was not killed: %r" % rc)
        check(delve_doccount(db) == count,
              "kill -9 during %s changed the database" % (extra or "an incremental run"))

    for extra, sig in ((["--rebuild"], signal.SIGTERM), ([], signal.SIGINT),
                       (["--rebuild", "-j2"], signal.SIGTERM)):
        rc, err, took = killed_mid_write(tmp, db, big, extra, sig)
        check(rc == 128 + sig, "signal %d: exit %r, stderr %r" % (sig, rc, err[-300:]))
        if "-j2" in extra:
            # The writer processes must be told to stop, not waited for:
            # a stop takes far less than a third of a whole -j2 rebuild.
            check(took < whole / 3, "-j2 took %.2f s to stop; a whole rebuild takes %.2f s"
                  % (took, whole))
        check("stopped by signal %d" % sig in err,
              "signal %d: message missing: %r" % (sig, err[-300:]))
        check(delve_doccount(db) == count,
              "signal %d during %s changed the database" % (sig, extra or "an incremental run"))

    check(not [f for f in os.listdir(tmp) if f.endswith(".shards")],
          "a stopped sharded rebuild left its shards behind")

    # The killed runs left no lock behind: a new run completes.
    report = awindex_json(tmp, "--db", db, SIBLINGS[0])
    check(report["unchanged"] == count, "after the kills: %r" % report)


def main():
    check(os.access(READER, os.X_OK), "AWS_IT_READER is not set to awx_reader")
    with TempDir() as tmp:
        db, count = test_reader_survives(tmp)
        test_kills(tmp, db, count)
        test_sharded(tmp)


if __name__ == "__main__":
    main()
