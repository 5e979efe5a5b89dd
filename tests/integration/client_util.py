"""client_util.py - running the awsearch client in integration tests.

Shared by test_client_*.py: run the real ``awsearch`` from $AWS_BIN_DIR
with a controlled environment (no colour hints, a fixed width, no user
socket), normalise the parts of its output that change from run to run,
compare with golden files under golden/, and find the awsearchd processes a
client started on a given socket (autostarted daemons are no child of the
test, so they are found through /proc and stopped by pid).
"""

import os
import re
import signal
import subprocess
import time

import awstest
from awstest import check

GOLDEN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")

# What varies between runs: the daemon's timing in the footer.
_TOOK_RE = re.compile(r" \(\d+\.\d\d ms\)$", re.M)


def client_env(extra=None):
    """The environment the client runs in: fixed width, no colour hints,
    no socket or database from the user's own environment."""
    env = dict(os.environ)
    for var in ("NO_COLOR", "AWSEARCH_SOCKET", "AWSEARCH_DB", "TERM"):
        env.pop(var, None)
    env["COLUMNS"] = "80"
    if extra:
        env.update(extra)
    return env


def awsearch(args, sock=None, env=None, timeout=30, stdout=subprocess.PIPE,
             autostart=False, input=None):
    """Runs awsearch ARGS (with --socket SOCK, and --no-autostart unless
    AUTOSTART; INPUT bytes on its standard input, else none) and returns the
    CompletedProcess with text output."""
    cmd = [awstest.bin_path("awsearch")]
    if sock:
        cmd += ["--socket", sock]
    if not autostart:
        cmd.append("--no-autostart")
    cmd += list(args)
    if input is not None:
        return subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE,
                              env=client_env(env), timeout=timeout, input=input)
    return subprocess.run(cmd, stdout=stdout, stderr=subprocess.PIPE,
                          env=client_env(env), timeout=timeout,
                          stdin=subprocess.DEVNULL)


def text(proc):
    """The stdout of PROC decoded (bytes kept exact, invalid ones escaped)."""
    return proc.stdout.decode("utf-8", "backslashreplace")


def errtext(proc):
    return proc.stderr.decode("utf-8", "backslashreplace")


def normalise(out):
    """OUT with the run-dependent timing replaced by a fixed marker."""
    return _TOOK_RE.sub(" (T ms)", out)


def check_golden(name, out, subs=()):
    """Compares normalised OUT with golden/NAME, after replacing each OLD
    of the (OLD, NEW) pairs SUBS (machine paths); AWS_UPDATE_GOLDEN=1
    rewrites the file instead (review the diff before committing it)."""
    path = os.path.join(GOLDEN_DIR, name)
    got = normalise(out)
    for old, new in subs:
        got = got.replace(old, new)
    if os.environ.get("AWS_UPDATE_GOLDEN") == "1":
        os.makedirs(GOLDEN_DIR, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(got)
        return
    check(os.path.exists(path), "golden file %s is missing (run with "
          "AWS_UPDATE_GOLDEN=1 to create it)" % path)
    with open(path, encoding="utf-8", newline="") as f:
        want = f.read()
    if got != want:
        import difflib
        diff = "".join(difflib.unified_diff(
            want.splitlines(True), got.splitlines(True),
            "golden/" + name, "awsearch output"))
        raise awstest.TestFailure("output differs from golden/%s:\n%s"
                                  % (name, diff))


def daemons_on(sock):
    """Pids of the awsearchd processes whose command line names SOCK."""
    pids = []
    want = os.fsencode(sock)
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/cmdline" % entry, "rb") as f:
                argv = f.read().split(b"\0")
            with open("/proc/%s/stat" % entry, "rb") as f:
                state = f.read().rsplit(b")", 1)[1].split()[0]
        except OSError:
            continue
        if state == b"Z":
            continue
        if argv and os.path.basename(argv[0]) == b"awsearchd" and want in argv:
            pids.append(int(entry))
    return pids


def settled_daemons(sock, timeout=10):
    """The awsearchd pids on SOCK once their number stops falling to one:
    right after an autostart the first stage of a daemonizing awsearchd, or
    a second daemon that lost a start race, may still be on its way out.
    Returns the pids left after TIMEOUT seconds at most."""
    deadline = time.monotonic() + timeout
    pids = daemons_on(sock)
    while len(pids) > 1 and time.monotonic() < deadline:
        time.sleep(0.02)
        pids = daemons_on(sock)
    return pids


def stop_daemons(sock, timeout=20):
    """Sends SIGTERM to every awsearchd on SOCK and waits until all are
    gone; fails when one outlives TIMEOUT seconds (it is then killed)."""
    pids = daemons_on(sock)
    for pid in pids:
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not daemons_on(sock):
            return pids
        time.sleep(0.02)
    for pid in daemons_on(sock):
        os.kill(pid, signal.SIGKILL)
    raise awstest.TestFailure("awsearchd on %s did not exit on SIGTERM" % sock)
