#!/usr/bin/env python3
"""test_daemon_lifecycle.py - how awsearchd starts, listens and stops.

SPEC.md's awsearchd section: the socket file is owner-only, a stale one is
replaced, a live daemon on the same socket makes a second one exit with a
clear message; --listen is loopback only unless --allow-remote and port 0
is reported; --pidfile is written and removed; SIGTERM and SIGINT finish
what is in flight and exit 0; without --foreground the daemon detaches and
its parent returns once it serves.
"""

import os
import re
import signal
import socket
import stat
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import awstest as t  # noqa: E402
from awstest import check, check_eq  # noqa: E402


# A request that arrives after the signal may be refused as busy or
# unavailable instead of answered; any other error is a fault.
SHUTDOWN_CODES = (6, 8)


def pid_gone(pid):
    """True once PID has exited (a zombie left unreaped counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return True


class Fixture:
    pass


def setup():
    f = Fixture()
    f.tmp = t.TempDir("awlife")
    f.db = f.tmp.join("db")
    t.build_index(f.db)
    return f


def teardown(f):
    f.tmp.cleanup()


def test_socket_mode_0600(f):
    with t.Daemon(f.tmp, f.db, name="mode") as d:
        st = os.stat(d.socket)
        check(stat.S_ISSOCK(st.st_mode), "%s is not a socket" % d.socket)
        check_eq(oct(st.st_mode & 0o777), oct(0o600), "socket file mode")
        check_eq(st.st_uid, os.getuid(), "socket owner")


def test_bad_options(f):
    # Each refused value: exit 2, one line on stderr naming the option, and
    # no socket made.
    sock = f.tmp.join("never.sock")
    cases = [
        (["--threads", "0"], "--threads"),
        (["--max-connections", "many"], "--max-connections"),
        (["--result-cache", "-1"], "--result-cache"),
        (["--result-cache", "100001"], "--result-cache"),
        (["--log-level", "loud"], "--log-level"),
        (["--no-such-option"], "no-such-option"),
    ]
    for args, name in cases:
        proc = subprocess.run([t.bin_path("awsearchd"), "--db", f.db, "--socket",
                               sock, "--foreground"] + args,
                              stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=20)
        err = proc.stderr.decode("utf-8", "replace")
        check_eq(proc.returncode, 2, "exit status for %r" % (args,))
        check(name in err, "%r: stderr does not name %s: %r" % (args, name, err))
        check(not os.path.exists(sock), "%r made a socket" % (args,))


def test_stale_socket_replaced(f):
    path = f.tmp.join("stale.sock")
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(path)
    s.close()  # the file stays, with nobody listening behind it
    check(os.path.exists(path), "stale socket file not made")
    with t.Daemon(f.tmp, f.db, socket_path=path, name="stale") as d:
        with d.client() as c:
            check_eq(c.ok("ping"), "pong", "ping on a replaced stale socket")


def test_second_daemon_refused(f):
    with t.Daemon(f.tmp, f.db, name="first") as d:
        with d.client() as c:
            second = t.Daemon(f.tmp, f.db, socket_path=d.socket, name="second")
            proc = subprocess.run(second.command(), stdin=subprocess.DEVNULL,
                                  stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, timeout=20)
            err = proc.stderr.decode("utf-8", "replace")
            check(proc.returncode != 0, "second daemon exited 0")
            check(b"ready" not in proc.stdout, "second daemon said ready: %r"
                  % proc.stdout)
            check(d.socket in err, "second daemon's message does not name the "
                  "socket: %r" % err)
            check(len(err.strip().splitlines()) <= 3, "second daemon's message "
                  "is not short: %r" % err)
            check(os.path.exists(d.socket), "second daemon removed the "
                  "first one's socket")
            check_eq(c.ok("ping"), "pong", "first daemon, old connection")
        with d.client() as c:
            check_eq(c.ok("ping"), "pong", "first daemon, new connection")


def test_listen_port0(f):
    with t.Daemon(f.tmp, f.db, listen="127.0.0.1:0", name="tcp") as d:
        host, port = d.tcp
        check_eq(host, "127.0.0.1", "reported host")
        check(0 < port < 65536, "reported port %r" % port)
        with t.Client.tcp(host, port) as c:
            check_eq(c.ok("ping"), "pong", "ping over tcp")
            check(c.ok("search", {"q": "moe"})["hits"], "no hits over tcp")
        with d.client() as c:
            check_eq(c.ok("ping"), "pong", "unix socket still served with tcp")


def test_listen_remote_refused(f):
    for addr in ("0.0.0.0:0",):
        d = t.Daemon(f.tmp, f.db, listen=addr, name="remote")
        proc = subprocess.run(d.command(), stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              timeout=20)
        err = proc.stderr.decode("utf-8", "replace")
        check(proc.returncode != 0, "--listen %s accepted without "
              "--allow-remote" % addr)
        check(b"ready" not in proc.stdout, "--listen %s said ready" % addr)
        check("allow-remote" in err or "loopback" in err,
              "refusal of %s does not say why: %r" % (addr, err))
        check(not os.path.exists(d.socket), "refused daemon left %s"
              % d.socket)


def test_pidfile(f):
    pidfile = f.tmp.join("d.pid")
    d = t.Daemon(f.tmp, f.db, args=["--pidfile", pidfile], name="pid").start()
    try:
        with open(pidfile) as fh:
            check_eq(fh.read().strip(), str(d.pid), "pidfile content")
        d.stop()
        check(not os.path.exists(pidfile), "pidfile left after SIGTERM")
    finally:
        d.kill()


def in_flight_then_signal(f, sig, name):
    """Four clients pipeline heavy searches, one client stays idle, and SIG
    arrives while they are being answered.  Every reply that arrives must
    be whole and correct; each connection then closes; the daemon exits 0
    and removes its socket and pidfile."""
    pidfile = f.tmp.join(name + ".pid")
    d = t.Daemon(f.tmp, f.db, args=["--pidfile", pidfile], name=name).start()
    try:
        idle = d.client()
        clients = [d.client(timeout=30) for _ in range(4)]
        for c in clients:
            raw = b"".join(t.msgpack.packb(
                [0, i, "search", [{"q": "model training", "limit": 1000}]])
                for i in range(50))
            c.send_raw(raw)
        # Wait for the first answer on every connection so the requests are
        # truly in flight when the signal comes.
        first = []
        for c in clients:
            msg = c.recv_message()
            t.check_response_shape(msg)
            first.append(msg)
        d.send_signal(sig)
        answered = 0
        for c in clients:
            while True:
                try:
                    msg = c.recv_message()
                except t.Closed:
                    break
                t.check_response_shape(msg)
                if msg[2] is None:
                    check(msg[3]["hits"], "empty answer during shutdown")
                else:
                    check(msg[2]["code"] in SHUTDOWN_CODES, "error %r during "
                          "shutdown" % (msg[2],))
                answered += 1
            check_eq(c.leftover(), 0, "bytes of a cut reply after %s" % name)
        check(idle.wait_closed(20), "idle connection not closed on %s" % name)
        rc = d.stop(sig, send=False)
        check_eq(rc, 0, "exit status after %s" % name)
        check(not os.path.exists(pidfile), "pidfile left after %s" % name)
        for c in clients + [idle]:
            c.close()
        return answered
    finally:
        d.kill()


def test_sigterm_in_flight(f):
    in_flight_then_signal(f, signal.SIGTERM, "sigterm")


def test_sigint_in_flight(f):
    in_flight_then_signal(f, signal.SIGINT, "sigint")


def test_sigterm_during_queries_from_threads(f):
    # Clients querying in a loop from threads when SIGTERM comes: each call
    # either succeeds or sees the connection close; nothing else.
    d = t.Daemon(f.tmp, f.db, name="threads").start()
    bad = []
    done = threading.Event()
    signalled = threading.Event()

    def worker():
        try:
            c = d.client(timeout=30)
        except OSError as e:
            bad.append("connect: %s" % e)
            return
        with c:
            while not done.is_set():
                try:
                    err, res = c.call("search", {"q": "alignment",
                                                 "limit": 50})
                except (t.Closed, BrokenPipeError, ConnectionResetError):
                    break
                except Exception as e:
                    bad.append("%s: %s" % (type(e).__name__, e))
                    break
                if err is not None:
                    if not signalled.is_set() or \
                            err["code"] not in SHUTDOWN_CODES:
                        bad.append("error during shutdown: %r" % err)
                    break
            if c.leftover():
                bad.append("%d bytes of a cut reply" % c.leftover())

    threads = [threading.Thread(target=worker) for _ in range(4)]
    try:
        for th in threads:
            th.start()
        with d.client() as c:  # the workers are under way once this answers
            for _ in range(20):
                c.ok("search", {"q": "alignment", "limit": 50})
        signalled.set()
        d.stop(signal.SIGTERM)
    finally:
        done.set()
        for th in threads:
            th.join(30)
        d.kill()
    check(not bad, "clients during SIGTERM: %s" % bad[:3])


def test_sigterm_with_a_peer_that_never_reads(f):
    # A client that filled its socket with requests and reads nothing must
    # not keep the daemon from exiting: the grace period is bounded.
    d = t.Daemon(f.tmp, f.db, name="stuck").start()
    try:
        c = d.client()
        c.sock.setblocking(False)
        big = t.msgpack.packb([0, 1, "search", [{"q": "model",
                                                 "limit": 1000}]]) * 64
        deadline = time.monotonic() + 2
        while time.monotonic() < deadline:
            try:
                c.sock.send(big)
            except BlockingIOError:
                time.sleep(0.02)
        with d.client() as other:
            check_eq(other.ok("ping"), "pong", "another client meanwhile")
        start = time.monotonic()
        d.stop(signal.SIGTERM, timeout=30)
        check(time.monotonic() - start < 30, "shutdown took too long")
        c.close()
    finally:
        d.kill()


def test_background_mode(f):
    # Without --foreground the command returns once the daemon serves.
    sock = f.tmp.join("bg.sock")
    pidfile = f.tmp.join("bg.pid")
    cmd = [t.bin_path("awsearchd"), "--db", f.db, "--socket", sock,
           "--pidfile", pidfile, "--listen", "127.0.0.1:0"]
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=20)
    check_eq(proc.returncode, 0, "awsearchd in the background: exit status "
             "(%s)" % proc.stderr.decode("utf-8", "replace"))
    with open(pidfile) as fh:
        pid = int(fh.read().strip())
    try:
        # The ready line, with the port --listen's port 0 picked, is
        # printed in the background too.
        out = proc.stdout.decode("utf-8", "replace")
        m = re.match(r"awsearchd: ready socket=(\S+) tcp=127\.0\.0\.1:(\d+)\n$", out)
        check(m is not None and m.group(1) == sock, "ready line %r" % out)
        with t.Client.unix(sock) as c:
            check_eq(c.ok("ping"), "pong", "background daemon serves at once")
        with t.Client.tcp("127.0.0.1", int(m.group(2))) as c:
            check_eq(c.ok("ping"), "pong", "background daemon on its TCP port")
    finally:
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + 20
    while not pid_gone(pid):
        check(time.monotonic() < deadline, "background daemon %d did not "
              "exit on SIGTERM" % pid)
        time.sleep(0.05)
    deadline = time.monotonic() + 5
    while os.path.exists(sock) or os.path.exists(pidfile):
        check(time.monotonic() < deadline, "background daemon left its "
              "socket or pidfile")
        time.sleep(0.05)


if __name__ == "__main__":
    t.run_tests(globals(), setup, teardown)
