#!/usr/bin/env python3
"""test_arxiv_awindex.py - awindex fetching abstracts from a mock arXiv API.

Starts tests/integration/mock_arxiv.py on loopback port 0 (waiting for its
ready line), runs the real awindex from $AWS_BIN_DIR against it with a
temporary database and cache, and checks what awindex reports (--json)
against what the server saw (/_mock/stats): the first run fetches, the next
makes no request at all, offline runs keep going and say what is missing,
and Ctrl-C keeps what was fetched.  AWSEARCH_ARXIV_INTERVAL_MS keeps the
pacing short.
"""
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

# The mock is on loopback: no proxy from the environment may stand in
# between, for urllib here or for curl in awindex.
os.environ["no_proxy"] = "127.0.0.1,localhost"

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.environ.get("AWS_SHARED_DATA", "")
AWINDEX = os.path.join(os.environ.get("AWS_BIN_DIR", ""), "awindex")


def fail(msg):
    raise AssertionError(msg)


def check(cond, msg):
    if not cond:
        fail(msg)


class Mock:
    """The mock arXiv API as a child process."""

    def __enter__(self):
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "mock_arxiv.py"),
             "--data", os.path.join(DATA, "arxiv-abstracts.jsonl")],
            stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        check(line.startswith("mock_arxiv: ready port="), "mock said %r" % line)
        self.port = int(line.strip().split("=")[1])
        self.url = "http://127.0.0.1:%d/api/query" % self.port
        return self

    def __exit__(self, *exc):
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=10)
        self.proc.stdout.close()

    def control(self, path):
        with urllib.request.urlopen("http://127.0.0.1:%d%s" % (self.port, path),
                                    timeout=10) as r:
            return r.read()

    def reset(self, script=""):
        self.control("/_mock/reset?script=" + script)

    def stats(self):
        return json.loads(self.control("/_mock/stats"))


def known_ids():
    with open(os.path.join(DATA, "arxiv-abstracts.jsonl"), encoding="utf-8") as f:
        return [json.loads(l)["id"] for l in f if l.strip()]


def write_list(path, ids):
    """A small awesome list with one paper item per id."""
    with open(path, "w", encoding="utf-8") as f:
        f.write("# Test list\n\n## Papers\n\n")
        for i, pid in enumerate(ids):
            f.write("- **Paper number %d**, `arXiv, %s`, [arxiv](https://arxiv.org/abs/%s)\n\n"
                    % (i, pid, pid))


def awindex(tmp, url, *args, expect_rc=0):
    env = dict(os.environ)
    env.update(HOME=tmp, XDG_DATA_HOME=os.path.join(tmp, "xdg"),
               XDG_CACHE_HOME=os.path.join(tmp, "xdg-cache"),
               AWSEARCH_ARXIV_INTERVAL_MS="20")
    cmd = [AWINDEX, "--db", os.path.join(tmp, "db"), "--cache",
           os.path.join(tmp, "cache"), "--arxiv-url", url, "--json"] + list(args)
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    check(p.returncode == expect_rc, "%s: exit %d, stderr:\n%s"
          % (" ".join(cmd), p.returncode, p.stderr))
    return json.loads(p.stdout) if expect_rc == 0 else None


def refused_url():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return "http://127.0.0.1:%d/api/query" % port


def test_fetch_then_cache(tmp):
    ids = known_ids()[:4] + ["2501.00001"]
    lst = os.path.join(tmp, "list.md")
    write_list(lst, ids)
    with Mock() as m:
        r = awindex(tmp, m.url, lst)
        a = r["abstracts"]
        check(a["papers"] == 5 and a["fetched"] == 4 and a["missing"] == 1,
              "first run: %r" % a)
        st = m.stats()
        check(st["requests"] == 1, "first run made %d requests" % st["requests"])
        check(st["agents"][0].startswith("awsearch/"), "User-Agent %r" % st["agents"][0])
        check("max_results=5" in st["queries"][0], "query %r" % st["queries"][0])
        check(any("2501.00001" in w for w in r["warnings"]),
              "the missing id is not named: %r" % r["warnings"])
        # The database holds what was fetched: no request.
        m.reset()
        a = awindex(tmp, m.url, lst)["abstracts"]
        check(a["kept"] == 4 and a["fetched"] == 0 and a["missing"] == 1,
              "second run: %r" % a)
        check(m.stats()["requests"] == 0, "second run asked the server")
        # A new database: everything known is cached and the unknown id
        # remembered, so no request either.
        a = awindex(tmp, m.url, "--db", os.path.join(tmp, "db2"), lst)["abstracts"]
        check(a["cached"] == 4 and a["fetched"] == 0 and a["missing"] == 1,
              "new database: %r" % a)
        check(m.stats()["requests"] == 0, "a new database asked the server")
        # --fetch always asks again.
        m.reset()
        a = awindex(tmp, m.url, "--fetch", "always", lst)["abstracts"]
        check(a["fetched"] == 4 and a["cached"] == 0, "--fetch always: %r" % a)
        check(m.stats()["requests"] == 1, "--fetch always made no request")


def test_offline_then_online(tmp):
    ids = known_ids()[4:9]
    lst = os.path.join(tmp, "list.md")
    write_list(lst, ids)
    r = awindex(tmp, refused_url(), lst)
    a = r["abstracts"]
    check(a["fetched"] == 0 and a["missing"] == 5, "offline: %r" % a)
    said = [w for w in r["warnings"] if "unreachable" in w]
    check(len(said) == 1 and "5 abstracts not fetched" in said[0],
          "offline warning: %r" % r["warnings"])
    # Back online: those five, in one request, and nothing else.
    with Mock() as m:
        a = awindex(tmp, m.url, lst)["abstracts"]
        check(a["fetched"] == 5 and a["missing"] == 0, "online again: %r" % a)
        check(m.stats()["requests"] == 1, "online run requests")


def test_bad_responses_leave_database(tmp):
    ids = known_ids()[9:12]
    lst = os.path.join(tmp, "list.md")
    write_list(lst, ids)
    with Mock() as m:
        for step in ("truncated", "invalid", "html"):
            m.reset(step)
            r = awindex(tmp, m.url, lst)
            a = r["abstracts"]
            check(a["fetched"] == 0 and a["missing"] == 3, "%s: %r" % (step, a))
            check(any("left for the next run" in w and ids[0] in w for w in r["warnings"]),
                  "%s: batch not reported: %r" % (step, r["warnings"]))
        m.reset()
        a = awindex(tmp, m.url, lst)["abstracts"]
        check(a["fetched"] == 3, "after the bad answers: %r" % a)


def test_ctrl_c_keeps_fetched(tmp):
    # 29 known ids sort before the 80 unknown 2501.* ones: three batches of
    # at most 50.  The first brings every known paper (and proves its 21
    # unknown ids unknown); Ctrl-C comes while the server sits on the second
    # for 30 s, which ends that request at once and sends no third.
    ids = known_ids() + ["2501.%05d" % i for i in range(1, 81)]
    lst = os.path.join(tmp, "list.md")
    write_list(lst, ids)
    with Mock() as m:
        m.reset("ok,slow=30000")
        env = dict(os.environ, HOME=tmp, AWSEARCH_ARXIV_INTERVAL_MS="20")
        p = subprocess.Popen([AWINDEX, "--db", os.path.join(tmp, "db"), "--cache",
                              os.path.join(tmp, "cache"), "--arxiv-url", m.url, lst],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                             text=True)
        try:
            deadline = time.monotonic() + 30
            while m.stats()["requests"] < 2:
                check(time.monotonic() < deadline and p.poll() is None,
                      "the second request never came")
                time.sleep(0.02)
            p.send_signal(signal.SIGINT)
            try:
                # Far below the 30 s the server would take, far above the
                # second or so curl may take to look at the stop flag.
                _, err = p.communicate(timeout=20)
            except subprocess.TimeoutExpired:
                fail("awindex waited for the slow request after Ctrl-C")
        finally:
            if p.poll() is None:
                p.kill()
                p.communicate()
        check(p.returncode == 128 + signal.SIGINT,
              "awindex after Ctrl-C: exit %d, stderr:\n%s" % (p.returncode, err))
        check(m.stats()["requests"] == 2, "requests after Ctrl-C")
        check(not os.path.exists(os.path.join(tmp, "db")),
              "an interrupted run wrote a database")
        cached = os.listdir(os.path.join(tmp, "cache", "arxiv"))
        check(len([c for c in cached if not c.startswith("2501.")]) == 29,
              "cache after Ctrl-C: %r" % sorted(cached))
        # The next run needs only the cache for what the first batch
        # settled, and asks again for the two batches that were cut short.
        m.reset()
        a = awindex(tmp, m.url, lst)["abstracts"]
        check(a["cached"] == 29, "after Ctrl-C: %r" % a)
        st = m.stats()
        check(st["requests"] == 2 and st["queries"][0].startswith("id_list=2501.00022,")
              and "max_results=50" in st["queries"][0]
              and "max_results=9" in st["queries"][1],
              "ids already settled were asked again: %r" % st["queries"])


def main():
    tests = [(n, f) for n, f in sorted(globals().items())
             if n.startswith("test_") and callable(f)]
    failed = 0
    for name, fn in tests:
        tmp = tempfile.mkdtemp(prefix="aws-arxiv-it-")
        try:
            fn(tmp)
            print("ok   %s" % name)
        except Exception as e:  # one failing test does not hide the others
            failed += 1
            print("FAIL %s: %s" % (name, e))
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (len(tests) - failed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
