#!/usr/bin/env python3
"""test_daemon_load.py - pipelining and many connections at once.

100 requests of every method sent in one write on one connection must all
be answered, each with its own msgid (in any order), with the same results
as when asked one at a time; 200 connections open at once must all be
served, over the Unix socket and over loopback TCP.
"""

import os
import resource
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import awstest as t  # noqa: E402
from awstest import check, check_eq  # noqa: E402
import msgpack  # noqa: E402

SPACTOR = "2401.13160"
CONNECTIONS = 200


def requests(n):
    """N requests cycling through every method, as (method, args)."""
    kinds = [
        ("search", {"q": "mixture of experts", "limit": 5}),
        ("search", {"q": "alignment survey", "limit": 20, "facets": True}),
        ("get", {"id": SPACTOR}),
        ("related", {"id": SPACTOR, "limit": 3}),
        ("cite", {"id": SPACTOR}),
        ("suggest", {"prefix": "pre"}),
        ("stats", None),
        ("ping", None),
        ("search", {"q": "mixture AND"}),       # query_syntax
        ("get", {"id": "0000.00000"}),           # not_found
        ("nope", None),                          # unknown_method
    ]
    return [kinds[i % len(kinds)] for i in range(n)]


def comparable(method, err, res):
    """What must be equal between two answers to the same request:
    everything but timings."""
    if err is not None:
        return ("error", err["code"])
    if isinstance(res, dict):
        res = {k: v for k, v in res.items() if k != "took_us"}
    return res


class Fixture:
    pass


def setup():
    # 200 client sockets plus the daemon's own: make sure both fit.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4 * CONNECTIONS + 64
    if soft < want:
        check(hard == resource.RLIM_INFINITY or hard >= want,
              "RLIMIT_NOFILE hard limit %d is below %d" % (hard, want))
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    f = Fixture()
    f.tmp = t.TempDir("awload")
    f.db = f.tmp.join("db")
    t.build_index(f.db, abstracts=t.abstracts_file())
    f.daemon = t.Daemon(f.tmp, f.db, listen="127.0.0.1:0").start()
    with f.daemon.client() as c:
        f.serial = {}
        for method, args in requests(11):
            key = (method, msgpack.packb(args))
            err, res = c.call(method, args)
            f.serial[key] = comparable(method, err, res)
    return f


def teardown(f):
    try:
        f.daemon.stop()
    finally:
        f.daemon.kill()
        f.tmp.cleanup()


def pipeline(f, c, n, what):
    reqs = requests(n)
    raw = b"".join(msgpack.packb([0, 1000 + i, m, [] if a is None else [a]])
                   for i, (m, a) in enumerate(reqs))
    c.send_raw(raw)
    got = {}
    for _ in range(n):
        msg = c.recv_message()
        t.check_response_shape(msg)
        check(msg[1] not in got, "%s: msgid %r answered twice" % (what, msg[1]))
        got[msg[1]] = (msg[2], msg[3])
    check_eq(sorted(got), list(range(1000, 1000 + n)), "%s: msgids" % what)
    for i, (m, a) in enumerate(reqs):
        err, res = got[1000 + i]
        want = f.serial[(m, msgpack.packb(a))]
        check_eq(comparable(m, err, res), want,
                 "%s: request %d (%s %r) against the serial answer"
                 % (what, i, m, a))
    return got


def test_pipeline_100_unix(f):
    with f.daemon.client() as c:
        pipeline(f, c, 100, "100 pipelined over unix")
        check_eq(c.ok("ping"), "pong", "ping after the pipeline")


def test_pipeline_100_tcp(f):
    with t.Client.tcp(*f.daemon.tcp) as c:
        pipeline(f, c, 100, "100 pipelined over tcp")


def test_pipeline_twice_without_reading(f):
    # Two batches written before any reply is read.
    with f.daemon.client() as c:
        reqs = requests(200)
        raw = b"".join(msgpack.packb([0, i, m, [] if a is None else [a]])
                       for i, (m, a) in enumerate(reqs))
        c.send_raw(raw[:len(raw) // 2])
        c.send_raw(raw[len(raw) // 2:])
        seen = set()
        for _ in range(200):
            msg = c.recv_message()
            t.check_response_shape(msg)
            seen.add(msg[1])
        check_eq(seen, set(range(200)), "msgids of 200 pipelined requests")


def test_200_connections(f):
    for kind in ("unix", "tcp"):
        clients = []
        try:
            for _ in range(CONNECTIONS):
                clients.append(f.daemon.client() if kind == "unix"
                               else t.Client.tcp(*f.daemon.tcp))
            ids = [c.send_request("search", {"q": "mixture of experts",
                                             "limit": 5}) for c in clients]
            want = f.serial[("search", msgpack.packb(requests(1)[0][1]))]
            for c, msgid in zip(clients, ids):
                err, res = c.response(msgid)
                check_eq(comparable("search", err, res), want,
                         "%s connection answer" % kind)
            # Every connection still open works for a second round.
            for c in clients:
                check_eq(c.ok("ping"), "pong", "%s second round" % kind)
        finally:
            for c in clients:
                c.close()


def test_200_threads(f):
    # 200 clients in their own threads, each asking 5 questions at once.
    failures = []
    barrier = threading.Barrier(CONNECTIONS)
    want = f.serial[("search", msgpack.packb(requests(1)[0][1]))]

    def worker(n):
        try:
            with f.daemon.client(timeout=60) as c:
                barrier.wait(30)
                for _ in range(5):
                    err, res = c.call("search", {"q": "mixture of experts",
                                                 "limit": 5})
                    if comparable("search", err, res) != want:
                        failures.append("thread %d: %r" % (n, err))
        except Exception as e:
            failures.append("thread %d: %s: %s" % (n, type(e).__name__, e))

    threads = [threading.Thread(target=worker, args=(i,))
               for i in range(CONNECTIONS)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    check(not any(th.is_alive() for th in threads), "threads did not finish")
    check(not failures, "%d failures: %s" % (len(failures), failures[:3]))
    check(f.daemon.alive(), "daemon died under 200 threads")


if __name__ == "__main__":
    t.run_tests(globals(), setup, teardown)
