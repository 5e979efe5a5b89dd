#!/usr/bin/env python3
"""test_daemon_reindex.py - a changing index under a running daemon.

SPEC.md: "a database rebuilt by awindex is picked up without any signal",
and issue 3: no query fails or sees a half-written index while awindex
runs.  Two databases contents alternate: A (the bundled list) and B (the
bundled list plus a sibling list).  While `awindex --rebuild` switches
between them in a loop, four client threads query without pause; every
answer must be a success and belong wholly to A or wholly to B.  Then an
incremental update (a title changed, an item removed) must show without a
restart.
"""

import os
import re
import signal
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import awstest as t  # noqa: E402
from awstest import check, check_eq  # noqa: E402

SPACTOR = "2401.13160"
QUERY = {"q": "mixture of experts", "limit": 10}
REBUILDS = 8
PICKUP_S = 10  # the longest a change may take to show


def sibling():
    return t.shared_data(os.path.join("lists", "awesome_llm_reasoning.md"))


def wait_for(c, what, pred, timeout=PICKUP_S):
    """Polls the daemon with stats until PRED(stats) holds; every poll must
    succeed.  Returns the stats that satisfied it."""
    deadline = time.monotonic() + timeout
    while True:
        st = c.ok("stats")
        if pred(st):
            return st
        check(time.monotonic() < deadline, "%s not seen within %d s (stats "
              "%r)" % (what, timeout, st))
        time.sleep(0.05)


class Fixture:
    pass


def setup():
    f = Fixture()
    f.tmp = t.TempDir("awreidx")
    f.db = f.tmp.join("db")
    f.lists_a = [t.bundled_list()]
    f.lists_b = [t.bundled_list(), sibling()]
    t.build_index(f.db, lists=f.lists_a, rebuild=True)
    f.n_a = t.delve_doccount(f.db)
    f.daemon = t.Daemon(f.tmp, f.db).start()
    return f


def teardown(f):
    try:
        f.daemon.stop()
    finally:
        f.daemon.kill()
        f.tmp.cleanup()


def snapshot(c):
    """What a reader sees: (documents, hit ids of QUERY)."""
    st = c.ok("stats")
    res = c.ok("search", QUERY)
    return st["documents"], [h["id"] for h in res["hits"]]


def test_rebuild_picked_up(f):
    with f.daemon.client() as c:
        docs, f.hits_a = snapshot(c)
        check_eq(docs, f.n_a, "documents before the rebuild")
        t.build_index(f.db, lists=f.lists_b, rebuild=True)
        f.n_b = t.delve_doccount(f.db)
        check(f.n_b > f.n_a, "list B adds no documents (%d, %d)"
              % (f.n_a, f.n_b))
        wait_for(c, "rebuild to B", lambda s: s["documents"] == f.n_b)
        docs, f.hits_b = snapshot(c)
        check_eq(docs, f.n_b, "documents after the rebuild")
        t.build_index(f.db, lists=f.lists_a, rebuild=True)
        wait_for(c, "rebuild back to A", lambda s: s["documents"] == f.n_a)
        check_eq(snapshot(c), (f.n_a, f.hits_a), "A again")


def test_rebuild_loop_under_queries(f):
    stop = threading.Event()
    failures = []
    counts = [0] * 4
    seen_docs = set()

    def client(n):
        try:
            with f.daemon.client(timeout=30) as c:
                while not stop.is_set():
                    # stats and search are two requests: either may land on
                    # A or B, but each must be whole.
                    st = c.ok("stats")
                    check(st["documents"] in (f.n_a, f.n_b),
                          "documents %r is neither A nor B" % st["documents"])
                    seen_docs.add(st["documents"])
                    res = c.ok("search", QUERY)
                    ids = tuple(h["id"] for h in res["hits"])
                    check(ids in (tuple(f.hits_a), tuple(f.hits_b)),
                          "hits %r are neither A's nor B's" % (ids,))
                    e = c.ok("get", {"id": SPACTOR})
                    check_eq(e["id"], SPACTOR, "get during rebuild")
                    counts[n] += 1
        except Exception as e:
            failures.append("client %d: %s: %s" % (n, type(e).__name__, e))

    threads = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for th in threads:
        th.start()
    try:
        for i in range(REBUILDS):
            lists = f.lists_b if i % 2 == 0 else f.lists_a
            t.build_index(f.db, lists=lists, rebuild=True)
            check(not failures, "after rebuild %d: %s" % (i, failures[:3]))
    finally:
        stop.set()
        for th in threads:
            th.join(60)
    check(not failures, "%d failed clients: %s" % (len(failures),
                                                   failures[:3]))
    check(all(n > 0 for n in counts), "a client got no answer: %r" % counts)
    check_eq(seen_docs, {f.n_a, f.n_b}, "document counts the clients saw "
             "during the loop (both states, so each switch was picked up)")
    with f.daemon.client() as c:
        wait_for(c, "the last rebuild (A)", lambda s: s["documents"] == f.n_a)
    check(f.daemon.alive(), "daemon died during the rebuild loop")


def test_incremental_update(f):
    # A copy of the bundled list with one title changed and one item gone,
    # indexed incrementally into the database the daemon serves.
    src = open(t.bundled_list(), encoding="utf-8").read()
    lst = f.tmp.join("edited.md")
    t.build_index(f.db, lists=[t.bundled_list()], rebuild=True)
    with f.daemon.client() as c:
        wait_for(c, "the bundled list", lambda s: s["documents"] == f.n_a)
        check_eq(c.ok("search", {"q": "zyzzyvaquux"})["hits"], [],
                 "the new word before the update")
        c.ok("get", {"id": "2309.04564"})
        edited = src.replace("SpacTor-T5: Pre-training T5 Models",
                             "SpacTor-T5 zyzzyvaquux: Pre-training T5 Models")
        check(edited != src, "title to edit not found in the list")
        # Remove the "When Less is More" item (its two lines and the author
        # line after them).
        m = re.search(r"^- \*\*When Less is More:.*?\n(?=- )", edited,
                      re.M | re.S)
        check(m and "2309.04564" in m.group(0), "item 2309.04564 not found")
        edited = edited[:m.start()] + edited[m.end():]
        with open(lst, "w", encoding="utf-8") as out:
            out.write(edited)
        t.build_index(f.db, lists=[lst])
        wait_for(c, "the incremental update",
                 lambda s: s["documents"] == f.n_a - 1)
        res = c.ok("search", {"q": "zyzzyvaquux"})
        check_eq([h["id"] for h in res["hits"]], [SPACTOR],
                 "hits for the new title word")
        c.error("get", {"id": "2309.04564"}, 4)
        e = c.ok("get", {"id": SPACTOR})
        check("zyzzyvaquux" in e["title"], "title after update %r"
              % e["title"])


def test_sighup_reopens(f):
    # SIGHUP reopens the database and the daemon keeps serving throughout.
    with f.daemon.client() as c:
        before = c.ok("stats")
        for _ in range(3):
            f.daemon.send_signal(signal.SIGHUP)
            check_eq(c.ok("stats")["documents"], before["documents"],
                     "documents after SIGHUP")
        check(f.daemon.alive(), "daemon died on SIGHUP")
        with f.daemon.client() as c2:
            check_eq(c2.ok("ping"), "pong", "new client after SIGHUP")


if __name__ == "__main__":
    t.run_tests(globals(), setup, teardown)
