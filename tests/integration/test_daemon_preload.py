#!/usr/bin/env python3
"""test_daemon_preload.py - awsearchd under LD_PRELOAD shims.

Two conditions a test cannot otherwise produce on demand, each made by a
small shim library loaded into the daemon (and only the daemon):

  * partial sends (preload_send.c, $AWS_PRELOAD_SEND): every write to a
    socket passes on a random 1..4000 bytes.  Four connections each
    pipeline some sixty mixed requests while reading slowly, over the Unix
    socket and over loopback TCP; every reply must arrive exactly once,
    whole, under its own msgid, and equal (timings aside) to the answer a
    daemon without the shim gives the same request.  The daemon must then
    exit 0 on SIGTERM, and the shim's exit report must show that it cut
    writes short and that the slow readers left sockets full (so the
    daemon really held replies back).

  * one-second timestamps (preload_stat.c, $AWS_PRELOAD_STAT): stat() in
    the daemon drops nanoseconds.  awindex (without the shim) commits one,
    two, then three items within one wall-clock second; within three
    seconds of the last commit the daemon must report three documents and
    find a word only the third item has, a search it answered (from its
    answer cache too) before the commit without hits.

Each shim announces itself on the daemon's stderr, and the test checks
that line, so neither half can pass with its shim silently not loaded.
CTest runs the halves as two tests (daemon.cmake passes a name filter).
"""

import os
import random
import re
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import awstest as t  # noqa: E402
from awstest import check, check_eq  # noqa: E402
import msgpack  # noqa: E402

SPACTOR = "2401.13160"
CONNECTIONS = 4
REQUESTS = 60          # per connection
SEND_MAX = 4000        # the shim's cap on one socket write
STAMP_ROUNDS = 4
PICKUP_S = 3.0         # the longest a commit may take to show


# ------------------------------------------------------------ helpers

def shim(var):
    """The path of the shim library CTest passes in VAR."""
    path = os.environ.get(var)
    check(path, "%s is not set (run the test through ctest, which passes "
          "the shim library built by daemon.cmake)" % var)
    check(os.path.isfile(path), "%s=%s: no such file" % (var, path))
    return path


def preload_env(library, extra=None):
    """The environment additions that load LIBRARY into the daemon.

    In the ASan build the sanitizer runtime insists on being the first
    library loaded; an LD_PRELOAD'ed one comes before it, so that check is
    turned off, keeping whatever ASAN_OPTIONS the suite already sets."""
    env = {"LD_PRELOAD": library}
    if t.sanitized():
        opts = os.environ.get("ASAN_OPTIONS", "")
        env["ASAN_OPTIONS"] = ((opts + ":" if opts else "") +
                               "verify_asan_link_order=0")
    env.update(extra or {})
    return env


def comparable(err, res):
    """What must be equal between two answers to one request: all but the
    timing."""
    if err is not None:
        return ("error", err["code"], err["message"])
    if isinstance(res, dict):
        res = {k: v for k, v in res.items() if k != "took_us"}
    return res


def wait_log(daemon, pattern, timeout=5):
    """Waits until the daemon's log has a line matching PATTERN; returns
    the match."""
    deadline = time.monotonic() + timeout
    while True:
        with open(daemon.log_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        m = re.search(pattern, text, re.M)
        if m or time.monotonic() >= deadline:
            check(m, "no line matching %r in the daemon's log\n%s"
                  % (pattern, daemon.log_text()))
            return m
        time.sleep(0.02)


# ------------------------------------------------------------ partial sends

# The first query matches nearly every item: with limit 1000 its reply is
# some 300 KB, a hundred writes or more under the shim.
QUERIES = ["model OR agent OR learning OR language OR llm OR multimodal",
           "training", "mixture of experts", "language model",
           "reinforcement learning", "zzzqqqxyzzy"]


def sibling_lists():
    """Every list in the shared data's lists/ folder: with the bundled one
    some 2000 items, so that the largest replies are large."""
    folder = os.path.dirname(t.shared_data(os.path.join(
        "lists", "awesome_llm_reasoning.md")))
    return sorted(os.path.join(folder, n) for n in os.listdir(folder)
                  if n.endswith(".md"))


def random_request(rng):
    """One request as (method, args): mostly searches of every size, with
    pings, stats, gets and requests that must fail among them."""
    k = rng.random()
    if k < 0.06:
        return "ping", None
    if k < 0.12:
        return "stats", None
    if k < 0.17:
        return "get", {"id": SPACTOR}
    if k < 0.22:
        return "search", {"q": "training", "limit": 5000}   # bad_request
    if k < 0.25:
        return "nope", None                                  # unknown_method
    return "search", {"q": rng.choice(QUERIES),
                      "limit": rng.choice([1, 10, 100, 1000]),
                      "facets": rng.random() < 0.4}


def request_key(method, args):
    return msgpack.packb([method, args])


def expected_answers(ref, plans):
    """Asks the daemon REF, one request at a time, every distinct request
    in PLANS; returns request key -> comparable answer."""
    want = {}
    with ref.client(timeout=60) as c:
        for plan in plans:
            for method, args in plan:
                key = request_key(method, args)
                if key not in want:
                    want[key] = comparable(*c.call(method, args))
    return want


def pipelined_connection(connect, plan, want, rng, first_id, failures):
    """Sends every request of PLAN on one connection in one go (from a
    second thread, as the daemon may push back), reads the replies slowly
    in random pieces and checks each against WANT.  Appends what went wrong
    to FAILURES."""
    ids = {first_id + i: request_key(m, a) for i, (m, a) in enumerate(plan)}
    payload = b"".join(msgpack.packb([0, first_id + i, m,
                                      [] if a is None else [a]])
                       for i, (m, a) in enumerate(plan))
    c = connect()
    sent = []

    def sender():
        try:
            c.send_raw(payload)
            sent.append(True)
        except OSError as e:
            failures.append("msgid %d..: sending: %s" % (first_id, e))

    th = threading.Thread(target=sender)
    th.start()
    got = set()
    try:
        # A pause before the first read lets the replies fill the socket
        # buffer, so that the daemon has to queue the rest; small pieces
        # and pauses between them keep it queueing.
        time.sleep(0.2)
        while len(got) < len(ids):
            size = rng.choice([1, 7, 512, 4096, 16384])
            data = c.sock.recv(size)
            check(data, "connection closed after %d of %d replies"
                  % (len(got), len(ids)))
            c.fed += len(data)
            c.unpacker.feed(data)
            for msg in c.unpacker:
                t.check_response_shape(msg)
                msgid = msg[1]
                check(msgid in ids, "reply to unknown msgid %r" % msgid)
                check(msgid not in got, "msgid %d answered twice" % msgid)
                got.add(msgid)
                m, a = plan[msgid - first_id]
                check_eq(comparable(msg[2], msg[3]), want[ids[msgid]],
                         "msgid %d (%s %r) against the unshimmed daemon"
                         % (msgid, m, a))
            if rng.random() < 0.5:
                time.sleep(rng.random() * 0.005)
            if rng.random() < 0.01:
                time.sleep(0.05)
        th.join(60)
        check(sent, "the requests were not all sent")
        check_eq(c.leftover(), 0, "bytes after the last whole reply")
        # The next message must be the answer to a new request: a reply
        # sent twice, or the tail of one, would come first.
        ping = c.send_request("ping")
        msg = c.recv_message()
        check_eq(msg, [1, ping, None, "pong"], "the message after the "
                 "pipeline's replies")
    except Exception as e:
        failures.append("msgid %d..: %s: %s" % (first_id, type(e).__name__,
                                                 e))
    finally:
        c.close()
        th.join(60)


def run_connections(connect, plans, want, seed, what):
    failures = []
    threads = []
    for n, plan in enumerate(plans):
        rng = random.Random(seed * 100 + n)
        threads.append(threading.Thread(
            target=pipelined_connection,
            args=(connect, plan, want, rng, 1000 * (n + 1), failures)))
    for th in threads:
        th.start()
    for th in threads:
        th.join(120)
    check(not any(th.is_alive() for th in threads),
          "%s: connections still running after 120 s" % what)
    check(not failures, "%s: %d of %d connections failed: %s"
          % (what, len(failures), len(plans), failures[:3]))


def test_partial_sends():
    seed = int(os.environ.get("AWS_PRELOAD_SEED", "0")) or \
        random.SystemRandom().randrange(1, 1 << 30)
    print("seed %d (set AWS_PRELOAD_SEED to repeat)" % seed, flush=True)
    rng = random.Random(seed)
    plans = [[random_request(rng) for _ in range(REQUESTS)]
             for _ in range(CONNECTIONS)]
    with t.TempDir("awpre") as tmp:
        db = tmp.join("db")
        t.build_index(db, lists=[t.bundled_list()] + sibling_lists(),
                      abstracts=t.abstracts_file())
        ref = t.Daemon(tmp, db, name="ref", args=["--result-cache", "0"])
        with ref:
            want = expected_answers(ref, plans)
        check(any(isinstance(v, dict) and len(v.get("hits", [])) > 500
                  for v in want.values()),
              "no answer of more than 500 hits: the replies are too small to "
              "need many writes")
        d = t.Daemon(tmp, db, name="shim", listen="127.0.0.1:0",
                     args=["--threads", "2"],
                     env=preload_env(shim("AWS_PRELOAD_SEND"),
                                     {"AWS_PRELOAD_SEND_MAX": str(SEND_MAX),
                                      "AWS_PRELOAD_SEED": str(seed)}))
        d.start()
        try:
            run_connections(lambda: d.client(timeout=60), plans, want, seed,
                            "unix")
            run_connections(lambda: t.Client.tcp(*d.tcp, timeout=60), plans,
                            want, seed + 1, "tcp")
            wait_log(d, r"^preload_send: shortened a socket write$")
            check(d.alive(), "the daemon died\n%s" % d.log_text())
        except BaseException:
            d.kill()
            raise
        d.stop()
        m = wait_log(d, r"^preload_send: shortened (\d+) of (\d+) socket "
                     r"writes, (\d+) left the socket full$")
        shortened, seen, full = (int(g) for g in m.groups())
        print("the shim shortened %d of %d socket writes; %d left the "
              "socket full" % (shortened, seen, full), flush=True)
        check(shortened >= 1000, "only %d socket writes were shortened"
              % shortened)
        check(full > 0, "no write left a socket full: the clients read too "
              "fast for the daemon ever to hold a reply back")


# ------------------------------------------------------------ coarse stamps

WORDS = ["quokka", "narwhal", "pangolin", "axolotl", "okapi", "tapir"]


def write_list(path, items):
    """Writes a list of ITEMS, each (n, word), as awindex reads them: one
    repository per section, WORD in its title."""
    lines = ["# Stamps", ""]
    for n, word in items:
        lines += ["## Section %d" % n, "",
                  "- [%s tool](https://github.com/stamps/tool%d) - a tool."
                  % (word.capitalize(), n), ""]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))


def commit(db, lst, items):
    write_list(lst, items)
    t.build_index(db, lists=[lst])


def start_of_second():
    """Sleeps to just after the next whole wall-clock second, so that the
    commits that follow share their timestamps' seconds."""
    now = time.time()
    time.sleep(1.0 - (now % 1.0) + 0.005)


def hits_for(c, word):
    return [h["id"] for h in c.ok("search", {"q": word, "limit": 10})["hits"]]


def wait_state(c, what, docs, word, found, since):
    """Polls until the daemon reports DOCS documents and a search for WORD
    finds something exactly when FOUND; fails after PICKUP_S seconds from
    SINCE."""
    while True:
        st = c.ok("stats")
        hits = hits_for(c, word)
        if st["documents"] == docs and bool(hits) == found:
            return time.monotonic() - since
        check(time.monotonic() - since < PICKUP_S,
              "%s: %.1f s later the daemon still reports %d documents (want "
              "%d) and %d hits for %r (want %s): it missed a commit made "
              "within the same second as an earlier one"
              % (what, time.monotonic() - since, st["documents"], docs,
                 len(hits), word, "some" if found else "none"))
        time.sleep(0.05)


def test_coarse_timestamps():
    with t.TempDir("awstamp") as tmp:
        db = tmp.join("db")
        lst = tmp.join("stamps.md")
        commit(db, lst, [(1, "first")])
        # One query thread: one database handle, whose view of the stamps
        # is exactly the sequence of requests below.
        d = t.Daemon(tmp, db, name="stamp", args=["--threads", "1"],
                     env=preload_env(shim("AWS_PRELOAD_STAT")))
        with d, d.client() as c:
            check_eq(c.ok("stats")["documents"], 1, "documents at the start")
            wait_log(d, r"^preload_stat: zeroed the nanoseconds of a stat$")
            slowest = 0.0
            for r in range(STAMP_ROUNDS):
                word = "%s%d" % (WORDS[r % len(WORDS)], r)
                what = "round %d" % (r + 1)
                start_of_second()
                # One item; the daemon looks at it (and caches a search
                # without hits for the word the third item will bring).
                commit(db, lst, [(1, "first")])
                wait_state(c, what + ", one item", 1, word, False,
                           time.monotonic())
                # Two, then three items, with no request in between: the
                # third commit may leave the version file with the first
                # one's inode, size and (to the second) times.
                commit(db, lst, [(1, "first"), (2, "second")])
                commit(db, lst, [(1, "first"), (2, "second"), (3, word)])
                since = time.monotonic()
                slowest = max(slowest, wait_state(
                    c, what + ", three items", 3, word, True, since))
                check_eq(t.delve_doccount(db), 3, "documents xapian-delve "
                         "counts after %s" % what)
            print("the last commit showed after at most %.2f s" % slowest,
                  flush=True)
            check(d.alive(), "the daemon died\n%s" % d.log_text())


if __name__ == "__main__":
    t.run_tests(globals())
