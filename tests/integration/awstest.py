"""awstest.py - shared helpers for awsearch's Python integration tests.

Integration tests drive the real programs from $AWS_BIN_DIR over real
sockets.  This module gives them the pieces every such test needs:

  * ``TempDir``: a short-named temporary folder (Unix socket paths are
    limited to 107 bytes) removed when the test is done;
  * ``build_index``: run ``awindex`` over a list into a database folder;
  * ``Daemon``: start ``awsearchd --foreground`` on a temporary socket (and
    optionally loopback TCP port 0), wait for its ``awsearchd: ready`` line
    instead of sleeping, stop it with a signal and check how it ended;
  * ``Client``: a msgpack-RPC client over a Unix or TCP socket written on
    Debian's python3-msgpack, an implementation the project did not write,
    with raw byte access for malformed-input tests;
  * ``run_tests``: run every ``test_*`` function of a script, print one line
    per test and a closing ``N passed, N failed`` line, exit non-zero on any
    failure.

The environment comes from CTest (tests/integration/CMakeLists.txt):
AWS_BIN_DIR (built programs), AWS_SHARED_DATA (../shared/data) and
AWS_SOURCE_DIR (the checkout).  Nothing here touches the network beyond
loopback.
"""

import os
import re
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback

try:
    import msgpack
except ImportError:  # pragma: no cover - depends on the machine
    sys.stderr.write("awstest: python3-msgpack is not importable from %s; "
                     "install Debian's python3-msgpack or run the tests with "
                     "/usr/bin/python3\n" % sys.executable)
    sys.exit(1)


class TestFailure(AssertionError):
    """A deviation from SPEC.md found by a test."""


def check(cond, message):
    """Fails the current test with MESSAGE unless COND holds."""
    if not cond:
        raise TestFailure(message)


def check_eq(got, want, what):
    """Fails the current test unless GOT == WANT, naming WHAT."""
    if got != want:
        raise TestFailure("%s: got %r, want %r" % (what, got, want))


# --------------------------------------------------------------- locations

def bin_path(name):
    """The path of program NAME in $AWS_BIN_DIR; fails when it is missing."""
    bindir = os.environ.get("AWS_BIN_DIR")
    check(bindir, "AWS_BIN_DIR is not set (run the tests through ctest)")
    path = os.path.join(bindir, name)
    check(os.access(path, os.X_OK), "%s is not built (no %s)" % (name, path))
    return path


def shared_data(name):
    """The path of NAME in the shared data folder (or the project's data/)."""
    for var, sub in (("AWS_SHARED_DATA", ""), ("AWS_SOURCE_DIR", "data")):
        base = os.environ.get(var)
        if base:
            path = os.path.join(base, sub, name)
            if os.path.exists(path):
                return path
    raise TestFailure("data file %s not found under AWS_SHARED_DATA or "
                      "AWS_SOURCE_DIR/data" % name)


def bundled_list():
    """The bundled LLM-training list."""
    return shared_data("awesome-llm-training.md")


def abstracts_file():
    """The JSON-lines abstracts of 29 papers of the bundled list."""
    return shared_data("arxiv-abstracts.jsonl")


# --------------------------------------------------------------- temp dirs

class TempDir:
    """A temporary folder with a short path, removed on exit.

    Unix socket paths must fit in sun_path (108 bytes), so the folder is made
    directly under /tmp rather than under a long TMPDIR."""

    def __init__(self, tag="awst"):
        base = "/tmp" if os.path.isdir("/tmp") else None
        self.path = tempfile.mkdtemp(prefix=tag + "-", dir=base)

    def join(self, *parts):
        return os.path.join(self.path, *parts)

    def cleanup(self):
        shutil.rmtree(self.path, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.cleanup()
        return False


# --------------------------------------------------------------- awindex

def build_index(db, lists=None, abstracts=None, rebuild=False, extra=(),
                timeout=120):
    """Runs awindex into DB over LISTS (default: the bundled list), offline.

    ABSTRACTS is a JSON-lines file or None.  Fails the test when awindex does
    not exit 0; returns the CompletedProcess."""
    cmd = [bin_path("awindex"), "--db", db, "--fetch", "never",
           "--progress", "never", "-q"]
    if rebuild:
        cmd.append("--rebuild")
    if abstracts:
        cmd += ["--abstracts", abstracts]
    cmd += list(extra)
    cmd += list(lists) if lists else [bundled_list()]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          timeout=timeout)
    check(proc.returncode == 0,
          "awindex exited %d: %s\nstderr:\n%s" %
          (proc.returncode, " ".join(cmd),
           proc.stderr.decode("utf-8", "replace")))
    return proc


def delve_doccount(db):
    """The document count of DB as xapian-delve (not our code) reports it."""
    delve = shutil.which("xapian-delve") or shutil.which("delve")
    check(delve, "xapian-delve is not installed (Debian's xapian-tools)")
    out = subprocess.run([delve, db], stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, timeout=30)
    check(out.returncode == 0, "xapian-delve %s failed: %s" %
          (db, out.stderr.decode("utf-8", "replace")))
    m = re.search(rb"number of documents\s*=\s*(\d+)", out.stdout)
    check(m, "xapian-delve printed no document count: %r" % out.stdout[:200])
    return int(m.group(1))


# --------------------------------------------------------------- the daemon

READY_RE = re.compile(r"^awsearchd: ready socket=(\S+)(?: tcp=(\S+):(\d+))?\s*$")


def sanitized(program="awsearchd"):
    """True when PROGRAM was built with AddressSanitizer, whose shadow
    memory and quarantine make resident memory figures much larger."""
    with open(bin_path(program), "rb") as f:
        data = f.read()
    # GCC links libasan.so, clang links its runtime in: both call
    # __asan_init.
    return b"__asan_init" in data


def rss_kb(pid):
    """VmRSS of process PID in KiB, read from /proc/PID/status."""
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise TestFailure("no VmRSS for pid %d" % pid)


class Daemon:
    """One awsearchd started in the foreground by a test.

    The daemon's stderr goes to a log file in the test's folder, shown when
    something fails; stdout is read only for the readiness line.  Use as a
    context manager, or call start() and stop() yourself."""

    def __init__(self, tmp, db, socket_path=None, listen=None, args=(),
                 name="d", env=None):
        self.tmp = tmp
        self.env = env
        self.db = db
        self.socket = socket_path or tmp.join(name + ".sock")
        self.listen = listen
        self.args = list(args)
        self.log_path = tmp.join(name + ".log")
        self.proc = None
        self.tcp = None

    @property
    def pid(self):
        return self.proc.pid

    def command(self):
        cmd = [bin_path("awsearchd"), "--foreground", "--db", self.db,
               "--socket", self.socket, "--log-level", "info"]
        if self.listen:
            cmd += ["--listen", self.listen]
        return cmd + self.args

    def start(self, timeout=20):
        """Starts the daemon and returns once it printed its ready line."""
        self.log = open(self.log_path, "ab")
        env = None
        if self.env:
            env = dict(os.environ)
            env.update(self.env)
        self.proc = subprocess.Popen(self.command(), stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=self.log,
                                     env=env)
        line = self._read_line(timeout)
        m = READY_RE.match(line)
        if not m:
            self.kill()
            raise TestFailure("awsearchd printed %r instead of a ready line\n%s"
                              % (line, self.log_text()))
        check_eq(m.group(1), self.socket, "socket in the ready line")
        if self.listen:
            check(m.group(2), "ready line lacks tcp=HOST:PORT with --listen: %r"
                  % line)
            self.tcp = (m.group(2), int(m.group(3)))
            check(self.tcp[1] != 0, "ready line reports port 0: %r" % line)
        return self

    def _read_line(self, timeout):
        """One line from stdout, waiting at most TIMEOUT s; fails on exit."""
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        buf = b""
        deadline = time.monotonic() + timeout
        try:
            while b"\n" not in buf:
                left = deadline - time.monotonic()
                if left <= 0:
                    self.kill()
                    raise TestFailure("awsearchd not ready after %.0f s\n%s"
                                      % (timeout, self.log_text()))
                if not sel.select(left):
                    continue
                chunk = os.read(self.proc.stdout.fileno(), 4096)
                if not chunk:
                    rc = self.proc.wait(timeout=10)
                    raise TestFailure("awsearchd exited %d before it was "
                                      "ready\n%s" % (rc, self.log_text()))
                buf += chunk
        finally:
            sel.close()
        return buf.split(b"\n", 1)[0].decode("utf-8", "replace")

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def rss_kb(self):
        return rss_kb(self.proc.pid)

    def send_signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout=20):
        """Waits for the daemon to exit; returns its exit status."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise TestFailure("awsearchd did not exit within %.0f s\n%s"
                              % (timeout, self.log_text()))

    def stop(self, sig=signal.SIGTERM, timeout=20, expect_status=0,
             send=True):
        """Stops the daemon with SIG (already sent when SEND is false) and
        checks its exit status and that it removed its socket file."""
        if self.proc is None:
            return None
        if send and self.proc.poll() is None:
            self.proc.send_signal(sig)
        rc = self.wait(timeout)
        self._close_files()
        if expect_status is not None:
            check(rc == expect_status, "awsearchd exited %d after %s, want %d"
                  "\n%s" % (rc, signal.Signals(sig).name, expect_status,
                            self.log_text()))
            check(not os.path.exists(self.socket),
                  "awsearchd left its socket file %s" % self.socket)
        return rc

    def kill(self):
        """Ends the daemon without judging how (for failure paths)."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)
        self._close_files()

    def _close_files(self):
        if self.proc is not None and self.proc.stdout:
            self.proc.stdout.close()
        if getattr(self, "log", None):
            self.log.close()
            self.log = None

    def log_size(self):
        """Bytes in the daemon's log so far (a mark for log_since)."""
        try:
            return os.path.getsize(self.log_path)
        except OSError:
            return 0

    def log_since(self, mark, timeout=5):
        """The log lines written after MARK, waiting up to TIMEOUT s for at
        least one whole line; "" when none came."""
        deadline = time.monotonic() + timeout
        while True:
            with open(self.log_path, "rb") as f:
                f.seek(mark)
                data = f.read()
            if b"\n" in data or time.monotonic() >= deadline:
                return data[:data.rfind(b"\n") + 1].decode("utf-8", "replace")
            time.sleep(0.01)

    def log_text(self, limit=4000):
        """The daemon's stderr so far (its tail when long)."""
        try:
            with open(self.log_path, "rb") as f:
                data = f.read()
        except OSError:
            return "(no log)"
        text = data.decode("utf-8", "replace")
        if len(text) > limit:
            text = "...\n" + text[-limit:]
        return "--- awsearchd stderr ---\n" + text

    def client(self, timeout=10):
        return Client.unix(self.socket, timeout=timeout)

    def __enter__(self):
        if self.proc is None:
            self.start()
        return self

    def __exit__(self, exc_type, *exc):
        if exc_type is None:
            self.stop()
        else:
            self.kill()
        return False


# --------------------------------------------------------------- the client

class Closed(Exception):
    """The daemon closed the connection."""


class Client:
    """A msgpack-RPC client on one socket (python3-msgpack underneath).

    ``call`` sends a request and returns the (error, result) pair of the
    response with its msgid; responses to other msgids that arrive first are
    kept for later ``response`` calls, since the daemon may answer pipelined
    requests in any order."""

    def __init__(self, sock, timeout=10):
        self.sock = sock
        self.sock.settimeout(timeout)
        self.unpacker = msgpack.Unpacker(raw=False, strict_map_key=False,
                                         max_buffer_size=64 << 20)
        self.pending = {}
        self.next_id = 1
        self.fed = 0

    @classmethod
    def unix(cls, path, timeout=10):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.settimeout(timeout)
            s.connect(path)
        except OSError:
            s.close()
            raise
        return cls(s, timeout)

    @classmethod
    def tcp(cls, host, port, timeout=10):
        s = socket.create_connection((host, port), timeout=timeout)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return cls(s, timeout)

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # raw access, for malformed input
    def send_raw(self, data):
        self.sock.sendall(data)

    def send(self, obj):
        self.sock.sendall(msgpack.packb(obj, use_bin_type=True))

    def recv_message(self):
        """The next whole msgpack value from the daemon; raises Closed at
        end of stream and socket.timeout when none arrives in time."""
        for obj in self.unpacker:
            return obj
        while True:
            try:
                data = self.sock.recv(65536)
            except ConnectionResetError:
                raise Closed("connection reset by the daemon")
            if not data:
                raise Closed("connection closed by the daemon")
            self.fed += len(data)
            self.unpacker.feed(data)
            for obj in self.unpacker:
                return obj

    def leftover(self):
        """Bytes received that do not make a whole message: after a close,
        anything but 0 means the daemon cut a reply in half."""
        return self.fed - self.unpacker.tell()

    def wait_closed(self, timeout=10):
        """True when the daemon closes the connection within TIMEOUT s,
        discarding whatever it sends first; False on time-out."""
        old = self.sock.gettimeout()
        self.sock.settimeout(timeout)
        try:
            while True:
                data = self.sock.recv(65536)
                if not data:
                    return True
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False
        finally:
            self.sock.settimeout(old)

    # requests
    def new_id(self):
        msgid = self.next_id
        self.next_id += 1
        return msgid

    def send_request(self, method, args=None, msgid=None):
        """Sends [0, msgid, method, [args]] (args None: []) and returns
        the msgid."""
        if msgid is None:
            msgid = self.new_id()
        params = [] if args is None else [args]
        self.send([0, msgid, method, params])
        return msgid

    def notify(self, method, args=None):
        self.send([2, method, [] if args is None else [args]])

    def response(self, msgid):
        """Waits for the response to MSGID; returns (error, result)."""
        while msgid not in self.pending:
            msg = self.recv_message()
            check_response_shape(msg)
            check(msg[1] not in self.pending,
                  "two responses with msgid %r" % msg[1])
            self.pending[msg[1]] = (msg[2], msg[3])
        return self.pending.pop(msgid)

    def call(self, method, args=None):
        """Sends a request and returns its (error, result)."""
        return self.response(self.send_request(method, args))

    def ok(self, method, args=None):
        """Sends a request and returns its result; fails on an error reply."""
        err, res = self.call(method, args)
        check(err is None, "%s %r failed: %r" % (method, args, err))
        return res

    def error(self, method, args, code):
        """Sends a request that must fail with CODE; returns the message."""
        err, res = self.call(method, args)
        return check_error(err, res, code, "%s %r" % (method, args))


def check_response_shape(msg):
    """Fails unless MSG is [1, msgid, error, result] as SPEC.md says."""
    check(isinstance(msg, list) and len(msg) == 4 and msg[0] == 1,
          "not a msgpack-RPC response: %r" % (msg,))
    check(isinstance(msg[1], int) and not isinstance(msg[1], bool),
          "response msgid is no integer: %r" % (msg,))
    if msg[2] is not None:
        check(msg[3] is None, "error response with a result: %r" % (msg,))
        err = msg[2]
        check(isinstance(err, dict) and set(err) == {"code", "message"},
              "error is not {code, message}: %r" % (err,))
        check(isinstance(err["code"], int) and 1 <= err["code"] <= 8,
              "error code out of 1..8: %r" % (err,))
        check(isinstance(err["message"], str) and err["message"].strip(),
              "error without a message: %r" % (err,))
        check("\n" not in err["message"].strip(),
              "error message is not one line: %r" % (err,))


def check_error(err, res, code, what):
    """Fails unless (ERR, RES) is an error reply with CODE."""
    check(err is not None, "%s: want error %d, got result %r"
          % (what, code, res))
    check(err["code"] == code, "%s: want error code %d, got %r"
          % (what, code, err))
    return err["message"]


# --------------------------------------------------------------- running

def run_tests(namespace, setup=None, teardown=None):
    """Runs every function named test_* in NAMESPACE (a module's globals())
    in source order, each given the value SETUP() returned when it takes an
    argument (tests that take none make their own daemons); TEARDOWN(value) runs at the end.  Prints one line per
    test and 'N passed, N failed'; exits 1 on any failure or error, so
    CTest sees it.  A first argument names the tests to run (a substring)."""
    tests = [(name, fn) for name, fn in namespace.items()
             if name.startswith("test_") and callable(fn)]
    tests.sort(key=lambda t: t[1].__code__.co_firstlineno)
    if len(sys.argv) > 1:
        tests = [t for t in tests if sys.argv[1] in t[0]]
        check(tests, "no test matches %r" % sys.argv[1])
    passed = failed = 0
    fixture = None
    try:
        fixture = setup() if setup else None
        for name, fn in tests:
            start = time.monotonic()
            try:
                if setup and fn.__code__.co_argcount:
                    fn(fixture)
                else:
                    fn()
                passed += 1
                print("ok   %-44s %6.2fs" % (name, time.monotonic() - start),
                      flush=True)
            except Exception:
                failed += 1
                print("FAIL %s" % name, flush=True)
                traceback.print_exc(file=sys.stdout)
                sys.stdout.flush()
    except Exception:
        failed += 1
        print("FAIL setup", flush=True)
        traceback.print_exc(file=sys.stdout)
    finally:
        if teardown and fixture is not None:
            try:
                teardown(fixture)
            except Exception:
                failed += 1
                print("FAIL teardown", flush=True)
                traceback.print_exc(file=sys.stdout)
    print("%d passed, %d failed" % (passed, failed), flush=True)
    sys.exit(1 if failed or not passed else 0)
