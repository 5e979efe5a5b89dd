#!/usr/bin/env python3
"""test_daemon_malformed.py - what a hostile or broken peer can send.

In the manner of Redis's tests/unit/protocol.tcl: every case below sends
bytes a correct client never would, and must get an error reply or a closed
connection (never silence, a crash or unbounded memory) while a second
client, querying from a thread during the whole suite, keeps getting the
same correct answer.  After every case the daemon's resident memory
(/proc/PID/status VmRSS) must stay within a bound of where it started.
"""

import os
import random
import socket
import struct
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import awstest as t  # noqa: E402
from awstest import check, check_eq  # noqa: E402
import msgpack  # noqa: E402

# Growth of VmRSS allowed over the whole suite.  The 2 MiB message, the
# 4-billion-element declarations and a peer that never reads its replies
# must all stay far below it.
RSS_GROWTH_KB = 64 * 1024
ASAN_RSS_GROWTH_KB = 2 * RSS_GROWTH_KB
WATCH_QUERY = {"q": "mixture of experts", "limit": 5}


def pack(obj):
    return msgpack.packb(obj, use_bin_type=True)


class Watcher(threading.Thread):
    """A well-behaved client that queries throughout the suite and records
    every wrong or missing answer."""

    def __init__(self, daemon, want):
        super().__init__(daemon=True)
        self.d = daemon
        self.want = want
        self.stop_event = threading.Event()
        self.failures = []
        self.answers = 0

    def run(self):
        try:
            c = self.d.client(timeout=30)
        except OSError as e:
            self.failures.append("watcher cannot connect: %s" % e)
            return
        with c:
            while not self.stop_event.is_set():
                try:
                    err, res = c.call("search", WATCH_QUERY)
                    got = None if err else [h["id"] for h in res["hits"]]
                    if got != self.want:
                        self.failures.append("watcher got %r / %r" % (err, got))
                    self.answers += 1
                except Exception as e:  # any failure is a finding
                    self.failures.append("watcher: %s: %s"
                                         % (type(e).__name__, e))
                    return
                self.stop_event.wait(0.01)


class Fixture:
    pass


def setup():
    f = Fixture()
    f.tmp = t.TempDir("awmal")
    f.db = f.tmp.join("db")
    t.build_index(f.db)
    # Under AddressSanitizer freed memory waits in a quarantine (256 MiB by
    # default) before reuse, which alone would pass the bound; a 16 MiB
    # quarantine and twice the allowance keep the check meaningful there.
    f.asan = t.sanitized()
    f.rss_growth = ASAN_RSS_GROWTH_KB if f.asan else RSS_GROWTH_KB
    env = None
    if f.asan:
        opts = os.environ.get("ASAN_OPTIONS", "")
        env = {"ASAN_OPTIONS": (opts + ":" if opts else "") +
               "quarantine_size_mb=16"}
    f.daemon = t.Daemon(f.tmp, f.db, env=env).start()
    with f.daemon.client() as c:
        res = c.ok("search", WATCH_QUERY)
        f.want = [h["id"] for h in res["hits"]]
        check(f.want, "no hits for the watcher's query")
        for _ in range(20):  # warm the caches before the RSS baseline
            c.ok("search", {"q": "training", "limit": 1000})
    f.rss0 = f.daemon.rss_kb()
    f.rss_max = f.rss0
    f.watcher = Watcher(f.daemon, f.want)
    f.watcher.start()
    return f


def teardown(f):
    try:
        f.watcher.stop_event.set()
        f.watcher.join(15)
        f.daemon.stop()
    finally:
        f.daemon.kill()
        f.tmp.cleanup()


def after_case(f, what):
    """Checks the daemon is alive, answers a fresh client correctly, the
    watcher has seen no failure and memory is bounded."""
    check(f.daemon.alive(), "awsearchd died after %s\n%s"
          % (what, f.daemon.log_text()))
    with f.daemon.client(timeout=30) as c:
        res = c.ok("search", WATCH_QUERY)
        check_eq([h["id"] for h in res["hits"]], f.want,
                 "fresh client's hits after %s" % what)
    check(not f.watcher.failures, "after %s: %s"
          % (what, f.watcher.failures[:3]))
    rss = f.daemon.rss_kb()
    f.rss_max = max(f.rss_max, rss)
    check(rss - f.rss0 < f.rss_growth, "VmRSS grew from %d to %d KiB after %s"
          % (f.rss0, rss, what))


def expect_rejected(c, what, codes=(1,), timeout=5):
    """Waits for an error reply with one of CODES or the connection's close;
    returns "error" or "closed".  Silence or a success reply fails."""
    c.sock.settimeout(timeout)
    try:
        msg = c.recv_message()
    except t.Closed:
        return "closed"
    except socket.timeout:
        raise t.TestFailure("%s: neither an error reply nor a close in %d s"
                            % (what, timeout))
    t.check_response_shape(msg)
    check(msg[2] is not None, "%s: answered with a result %r" % (what, msg))
    check(msg[2]["code"] in codes, "%s: error %r, want code in %r"
          % (what, msg[2], codes))
    return "error"


def expect_error_then_alive(f, raw, msgid, codes, what):
    """RAW carries a readable msgid: the reply must be an error with MSGID
    and the connection must go on serving."""
    with f.daemon.client() as c:
        c.send_raw(raw)
        msg = c.recv_message()
        t.check_response_shape(msg)
        check_eq(msg[1], msgid, "%s: msgid of the reply" % what)
        check(msg[2] is not None and msg[2]["code"] in codes,
              "%s: reply %r, want error code in %r" % (what, msg, codes))
        check_eq(c.ok("ping"), "pong", "%s: ping on the same connection"
                 % what)


def reject_case(f, raw, what, codes=(1,), shut_wr=False):
    """Sends RAW on a fresh connection and wants it refused, and the daemon
    to log a line about it (issue 3: one line per such event)."""
    mark = f.daemon.log_size()
    with f.daemon.client() as c:
        c.send_raw(raw)
        if shut_wr:
            c.sock.shutdown(socket.SHUT_WR)
        outcome = expect_rejected(c, what, codes)
        if outcome == "error" and shut_wr:
            check(c.wait_closed(5), "%s: not closed after end of input" % what)
    logged = f.daemon.log_since(mark)
    check(logged.strip(), "%s: the daemon logged nothing" % what)
    after_case(f, what)


# --------------------------------------------------------------- cases

def test_garbage_bytes(f):
    for raw in (b"\xc1", b"\xc1" * 100, bytes(range(0xc1, 0x100)) * 4,
                b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"):
        reject_case(f, raw, "garbage %r" % raw[:12])
    # Random bytes may declare a big length (too_large) or leave a value
    # unfinished, so the write side is closed to make the end certain.
    rng = random.Random(3)
    for _ in range(20):
        raw = bytes(rng.randrange(256) for _ in range(4096))
        reject_case(f, raw, "random bytes %r" % raw[:12], codes=(1, 5),
                    shut_wr=True)


def test_truncated_then_close(f):
    whole = pack([0, 9, "search", [{"q": "mixture of experts"}]])
    for cut in (1, 2, 5, len(whole) // 2, len(whole) - 1):
        with f.daemon.client() as c:
            c.send_raw(whole[:cut])
            c.sock.shutdown(socket.SHUT_WR)
            check(c.wait_closed(5), "truncated at %d then EOF: the daemon did "
                  "not close" % cut)
        with f.daemon.client() as c:
            c.send_raw(whole[:cut])
    after_case(f, "truncated messages")


def test_not_an_array(f):
    for obj in (5, "ping", {"a": 1}, None, True, 1.5, b"bin", []):
        reject_case(f, pack(obj), "message %r" % (obj,))


def test_wrong_type_position0(f):
    for v in ("0", None, 3, -1, 0.5, [0], True, b"\x00"):
        reject_case(f, pack([v, 1, "ping", []]), "type field %r" % (v,))


def test_wrong_type_msgid(f):
    for v in ("1", None, -1, 2 ** 32, 2 ** 63, 1.5, [1], {"id": 1}, True):
        reject_case(f, pack([0, v, "ping", []]), "msgid %r" % (v,))


def test_wrong_type_method(f):
    for v in (5, None, ["ping"], {"m": 1}, True, 1.5):
        expect_error_then_alive(f, pack([0, 31, v, []]), 31, (1, 2),
                                "method %r" % (v,))
    expect_error_then_alive(f, pack([0, 32, "x" * 100000, []]), 32, (1, 2),
                            "a 100 kB method name")


def test_wrong_type_params(f):
    for v in (5, None, "x", {"q": "moe"}, [5], [[]], [None], True,
              [{"q": "moe"}, 1]):
        expect_error_then_alive(f, pack([0, 33, "search", v]), 33, (1,),
                                "params %r" % (v,))


def test_wrong_arity(f):
    for obj in ([0, 1, "ping"], [0, 1, "ping", [], 5], [0], [0, 1],
                [0, 1, "ping", [], [], []]):
        reject_case(f, pack(obj), "array %r" % (obj,))


def test_wrong_argument_types(f):
    # Each argument of each method given a value of the wrong type.
    bad = [
        ("search", "q", [1]), ("search", "limit", 1.5),
        ("search", "limit", "10"), ("search", "offset", "0"),
        ("search", "sort", 1), ("search", "section", ["MoE"]),
        ("search", "snippets", 0), ("search", "facets", "true"),
        ("related", "id", 2401.13160), ("related", "text", 5),
        ("related", "limit", -5), ("get", "id", ["x"]), ("cite", "id", [1]),
        ("cite", "style", 0), ("suggest", "prefix", 5),
        ("suggest", "limit", 2 ** 40),
    ]
    for method, key, v in bad:
        args = {"q": "moe"} if method == "search" else {}
        if method in ("related", "get", "cite") and key != "id":
            args["id"] = "2401.13160"
        if method == "suggest" and key != "prefix":
            args["prefix"] = "mo"
        args[key] = v
        expect_error_then_alive(f, pack([0, 34, method, [args]]), 34, (1,),
                                "%s %s=%r" % (method, key, v))


def test_unknown_method_and_argument(f):
    expect_error_then_alive(f, pack([0, 35, "shutdown", []]), 35, (2,),
                            "unknown method")
    expect_error_then_alive(f, pack([0, 36, "search", [{"q": "x", "qq": 1}]]),
                            36, (1,), "unknown argument")
    expect_error_then_alive(f, pack([0, 37, "search", [{"q": "x", "limit":
                                                        1001}]]),
                            37, (1,), "limit 1001")


def test_two_mib_message(f):
    raw = pack([0, 40, "search", [{"q": "a" * (2 << 20)}]])
    mark = f.daemon.log_size()
    with f.daemon.client() as c:
        sent = []

        def sender():
            try:
                c.sock.sendall(raw)
                sent.append(len(raw))
            except OSError:
                pass  # the daemon closed before taking everything: fine

        th = threading.Thread(target=sender, daemon=True)
        th.start()
        try:
            msg = c.recv_message()
        except t.Closed:
            raise t.TestFailure("2 MiB message: closed without a "
                                "too_large reply")
        t.check_response_shape(msg)
        check(msg[2] is not None and msg[2]["code"] == 5,
              "2 MiB message: reply %r, want too_large (5)" % (msg,))
        check(c.wait_closed(5), "2 MiB message: connection not closed after "
              "too_large")
        th.join(10)
    check(f.daemon.log_since(mark).strip(), "2 MiB message: not logged")
    after_case(f, "a 2 MiB message")


def test_just_under_limit(f):
    # A 900 kB message is within the 1 MiB bound: the daemon must answer it
    # (an error for an over-long query is fine) and keep the connection.
    raw = pack([0, 41, "search", [{"q": "moe " * 225000}]])
    check(len(raw) < (1 << 20), "case is not under 1 MiB")
    with f.daemon.client(timeout=30) as c:
        c.send_raw(raw)
        msg = c.recv_message()
        t.check_response_shape(msg)
        check_eq(msg[1], 41, "msgid of the reply to a 900 kB request")
        check(msg[2] is None or msg[2]["code"] in (1, 3),
              "900 kB request: %r" % (msg[2],))
        check_eq(c.ok("ping"), "pong", "ping after a 900 kB request")
    after_case(f, "a 900 kB message")


def test_huge_declared_lengths(f):
    cases = [
        (b"\xdd\xff\xff\xff\xff", "array32 of 4294967295"),
        (b"\xdf\xff\xff\xff\xff", "map32 of 4294967295"),
        (b"\xdb\xff\xff\xff\xff", "str32 of 4 GiB"),
        (b"\xc6\xff\xff\xff\xff", "bin32 of 4 GiB"),
        (b"\xc9\xff\xff\xff\xff\x01", "ext32 of 4 GiB"),
        (b"\x94\x00\x01\xa6search\x91\x81\xa1q\xdd\xff\xff\xff\xff",
         "array32 of 4294967295 inside params"),
        (b"\x94\x00\x01\xa6search\xdd\xff\xff\xff\xff",
         "params declared as 4294967295 elements"),
        (b"\xdc\xff\xff" * 20, "20 nested array16s of 65535"),
    ]
    for raw, what in cases:
        reject_case(f, raw, what, codes=(1, 5))
        rss = f.daemon.rss_kb()
        check(rss - f.rss0 < f.rss_growth, "%s: VmRSS %d KiB" % (what, rss))


def test_deep_nesting(f):
    reject_case(f, b"\x91" * 100000 + b"\xc0", "100000 nested arrays")
    reject_case(f, b"\x81\xa1k" * 50000 + b"\xc0", "50000 nested maps")
    nested = b"\x91" * 1000 + b"\xc0"
    raw = b"\x94\x00\x2a\xa6search\x91\x81\xa1q" + nested
    reject_case(f, raw, "1000-deep query value", codes=(1,))


def test_bad_utf8_and_nul(f):
    with f.daemon.client() as c:
        # str headers around bytes that are no UTF-8.
        c.send_raw(b"\x94\x00\x2b\xa6search\x91\x81\xa1q\xa2\xff\xfe")
        msg = c.recv_message()
        t.check_response_shape(msg)
        check(msg[2] is None or msg[2]["code"] in (1, 3),
              "invalid UTF-8 query: %r" % (msg[2],))
        err, res = c.call("search", {"q": "moe\x00scaling"})
        check(err is None or err["code"] in (1, 3), "NUL in query: %r" % err)
        check_eq(c.ok("ping"), "pong", "ping after odd strings")
    after_case(f, "invalid UTF-8 and NUL")


def test_one_byte_at_a_time(f):
    reqs = [pack([0, 50 + i, "search", [WATCH_QUERY]]) for i in range(3)]
    with f.daemon.client() as c:
        for i, raw in enumerate(reqs):
            for b in raw:
                c.send_raw(bytes([b]))
                time.sleep(0.003)
            err, res = c.response(50 + i)
            check(err is None, "byte-at-a-time request %d: %r" % (i, err))
            check_eq([h["id"] for h in res["hits"]], f.want,
                     "byte-at-a-time hits")
        # Two requests split across one send boundary, then sent in one go.
        both = reqs[0] + reqs[1]
        c.send_raw(both[:len(reqs[0]) + 3])
        time.sleep(0.05)
        c.send_raw(both[len(reqs[0]) + 3:])
        for msgid in (50, 51):
            err, _ = c.response(msgid)
            check(err is None, "split pair %d: %r" % (msgid, err))
    after_case(f, "one byte at a time")


def test_disconnect_mid_request(f):
    raw = pack([0, 60, "search", [{"q": "training", "limit": 1000}]])
    for _ in range(30):
        with f.daemon.client() as c:
            c.send_raw(raw[:len(raw) // 2])
    # A request sent whole and the connection closed before reading, many
    # times over: the daemon must drop the replies without harm.
    for _ in range(30):
        c = f.daemon.client()
        for i in range(5):
            c.send_raw(pack([0, 61 + i, "search", [{"q": "model",
                                                    "limit": 1000}]]))
        c.close()
    # The same with a reset instead of a clean close.
    for _ in range(10):
        c = f.daemon.client()
        c.send_raw(raw)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                          struct.pack("ii", 1, 0))
        c.close()
    after_case(f, "clients leaving mid-request")


def test_many_errors_pipelined(f):
    with f.daemon.client() as c:
        raw = b"".join(pack([0, i, "nope", []]) for i in range(1000))
        c.send_raw(raw)
        seen = set()
        for _ in range(1000):
            msg = c.recv_message()
            t.check_response_shape(msg)
            check(msg[2] is not None and msg[2]["code"] == 2,
                  "pipelined unknown method: %r" % (msg,))
            seen.add(msg[1])
        check_eq(seen, set(range(1000)), "msgids of 1000 error replies")
    after_case(f, "1000 pipelined errors")


def test_peer_that_never_reads(f):
    # Requests with big replies sent for 3 s without reading any: the daemon
    # must stop reading this peer (backpressure) rather than buffer replies
    # without bound, and go on serving everybody else.
    big = pack([0, 70, "search", [{"q": "model", "limit": 1000}]])
    c = f.daemon.client()
    c.sock.setblocking(False)
    sent = 0
    deadline = time.monotonic() + 3
    while time.monotonic() < deadline:
        try:
            sent += c.sock.send(big * 16)
        except BlockingIOError:
            time.sleep(0.02)
        except OSError:
            break
    rss = f.daemon.rss_kb()
    check(rss - f.rss0 < f.rss_growth, "peer that never reads: VmRSS %d KiB "
          "(from %d) after %d bytes of requests" % (rss, f.rss0, sent))
    after_case(f, "a peer that never reads")
    c.close()
    after_case(f, "closing the peer that never read")


def test_second_client_served_throughout(f):
    # Runs last: the watcher must have been answered all along, not only
    # have seen no failure.
    check(f.watcher.is_alive(), "the watcher stopped: %s"
          % f.watcher.failures[:3])
    check(f.watcher.answers >= 50, "the watcher got only %d answers"
          % f.watcher.answers)
    check(not f.watcher.failures, "watcher: %s" % f.watcher.failures[:3])


if __name__ == "__main__":
    t.run_tests(globals(), setup, teardown)
