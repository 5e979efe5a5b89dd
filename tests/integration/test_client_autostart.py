#!/usr/bin/env python3
"""test_client_autostart.py - awsearch starting awsearchd by itself.

No test here starts a daemon: the client does, in the background, on a
temporary socket.  Covered: no daemon at all; a stale socket file left by a
dead daemon; two clients starting at the same moment (one daemon must
remain); --no-autostart; a daemon that cannot start (the client names the
socket and the daemon's own error); and no awsearchd to run at all.  Every
daemon a client started is stopped by pid at the end of its test.
"""

import os
import shutil
import socket
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import awstest  # noqa: E402
from awstest import check, check_eq  # noqa: E402
from client_util import (awsearch, client_env, daemons_on, errtext,  # noqa: E402
                         settled_daemons, stop_daemons, text)

QUERY = ["mixture", "of", "experts"]


class Fixture:
    def __init__(self):
        self.tmp = awstest.TempDir("awas")
        self.db = self.tmp.join("db")
        self.n = 0
        try:
            awstest.build_index(self.db, abstracts=awstest.abstracts_file())
        except BaseException:
            self.tmp.cleanup()
            raise

    def socket_path(self):
        """A fresh socket path for one test."""
        self.n += 1
        return self.tmp.join("s%d.sock" % self.n)

    def close(self):
        self.tmp.cleanup()


def setup():
    return Fixture()


def teardown(fx):
    fx.close()


def search(fx, sock, *extra, autostart=True):
    return awsearch(["--db", fx.db, "--json", *extra, *QUERY], sock=sock,
                    autostart=autostart)


def check_served(proc, sock):
    check(proc.returncode == 0, "awsearch exited %d: %s"
          % (proc.returncode, errtext(proc)))
    check('"hits":[{' in text(proc), "no hits: %r" % text(proc)[:200])
    pids = settled_daemons(sock)
    check_eq(len(pids), 1, "awsearchd processes on %s" % sock)
    return pids[0]


def test_starts_daemon(fx):
    sock = fx.socket_path()
    check_eq(daemons_on(sock), [], "daemons before the first search")
    try:
        pid = check_served(search(fx, sock), sock)
        # The daemon stays: the next search uses it and starts no other.
        check_served(search(fx, sock, autostart=False), sock)
        check_eq(daemons_on(sock), [pid], "the daemon after a second search")
        check_eq(os.stat(sock).st_mode & 0o777, 0o600, "socket file mode")
    finally:
        stop_daemons(sock)


def test_relative_paths(fx):
    # The daemon leaves its working folder: relative --socket and --db must
    # still name the same files for it.
    sock = fx.socket_path()
    cmd = [awstest.bin_path("awsearch"), "--socket", os.path.basename(sock),
           "--db", os.path.relpath(fx.db, fx.tmp.path), "--json"] + QUERY
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, env=client_env(),
                              cwd=fx.tmp.path, timeout=30)
        check_served(proc, sock)
        check(os.path.exists(sock), "no socket at %s" % sock)
    finally:
        stop_daemons(sock)


def test_stale_socket_file(fx):
    sock = fx.socket_path()
    # A socket file nobody listens on, as a killed daemon leaves it.
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(sock)
    s.close()
    check(os.path.exists(sock), "stale socket file not made")
    refused = awsearch(QUERY, sock=sock)
    check_eq(refused.returncode, 3, "--no-autostart on a stale socket")
    check("Connection refused" in errtext(refused), errtext(refused))
    try:
        check_served(search(fx, sock), sock)
    finally:
        stop_daemons(sock)


def test_two_clients_at_once(fx):
    for _ in range(3):
        sock = fx.socket_path()
        cmd = [awstest.bin_path("awsearch"), "--socket", sock, "--db", fx.db,
               "--json"] + QUERY
        try:
            procs = [subprocess.Popen(cmd, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE,
                                      stdin=subprocess.DEVNULL,
                                      env=client_env()) for _ in range(2)]
            outs = [p.communicate(timeout=30) for p in procs]
            for p, (out, err) in zip(procs, outs):
                check(p.returncode == 0, "a racing client exited %d: %s"
                      % (p.returncode, err.decode("utf-8", "replace")))
                check(b'"hits":[{' in out, "a racing client got no hits")
            check_eq(len(settled_daemons(sock)), 1, "daemons after two "
                     "racing clients")
            # The one left serves the socket.
            check_served(search(fx, sock, autostart=False), sock)
        finally:
            stop_daemons(sock)


def test_no_autostart(fx):
    sock = fx.socket_path()
    proc = search(fx, sock, autostart=False)
    check_eq(proc.returncode, 3, "status with --no-autostart and no daemon")
    err = errtext(proc)
    check(sock in err and err.count("\n") == 1, err)
    check_eq(daemons_on(sock), [], "a daemon started despite --no-autostart")


def test_daemon_cannot_start(fx):
    # The socket's folder cannot be created: awsearchd fails and says why.
    sock = "/proc/awsearch-test-%d/s.sock" % os.getpid()
    proc = search(fx, sock)
    check_eq(proc.returncode, 3, "status when the daemon cannot start")
    err = errtext(proc)
    check(err.count("\n") == 1, "error is not one line: %r" % err)
    check(sock in err, "error does not name the socket: %r" % err)
    check("starting one failed" in err, "no daemon error in %r" % err)
    check(err.strip().split("failed", 1)[1].strip(" :(exit0123456789)"),
          "the daemon's own message is missing: %r" % err)


def test_no_daemon_binary(fx):
    # A client alone in a folder, with nothing on PATH, finds no daemon.
    lonely = fx.tmp.join("lonely")
    os.mkdir(lonely)
    exe = os.path.join(lonely, "awsearch")
    shutil.copy2(awstest.bin_path("awsearch"), exe)
    sock = fx.socket_path()
    env = client_env({"PATH": fx.tmp.join("empty-path")})
    proc = subprocess.run([exe, "--socket", sock, "--db", fx.db] + QUERY,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          env=env, timeout=30)
    check_eq(proc.returncode, 3, "status without any awsearchd")
    err = errtext(proc)
    check(sock in err and "cannot run awsearchd" in err, err)


if __name__ == "__main__":
    awstest.run_tests(globals(), setup=setup, teardown=teardown)
