#!/usr/bin/env python3
"""test_client_hostile.py - the client against a daemon that misbehaves.

A fake daemon written here (python3-msgpack on a temporary Unix socket)
answers each request with a canned reply, so the client meets what the
real daemon never sends: terminal escapes and invalid UTF-8 in text,
mistyped fields, highlights outside the snippet, results of the wrong
shape, replies to other msgids, messages that are no responses, and a
connection closed without an answer.  The client must neither crash (the
ASan build checks memory) nor pass control bytes to the terminal, and must
exit with the status SPEC.md gives.
"""

import json
import os
import socket
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import awstest  # noqa: E402
import msgpack  # noqa: E402
from awstest import check, check_eq  # noqa: E402
from client_util import awsearch, errtext, text  # noqa: E402


class FakeDaemon:
    """Serves one canned reply per connection: REPLY(msgid) returns the
    bytes to send after the request is read (None: close without a word)."""

    def __init__(self, tmp, reply):
        self.path = tmp.join("fake.sock")
        self.reply = reply
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(self.path)
        self.sock.listen(8)
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                unpacker = msgpack.Unpacker(raw=False)
                req = None
                while req is None:
                    data = conn.recv(65536)
                    if not data:
                        break
                    unpacker.feed(data)
                    for req in unpacker:
                        break
                if req is None:
                    continue
                out = self.reply(req[1])
                if out is not None:
                    conn.sendall(out)

    def close(self):
        self.sock.close()
        os.unlink(self.path)


def raw_pack(obj):
    """msgpack with Python bytes packed as the str type, so that a test can
    put invalid UTF-8 where the client expects text."""
    return msgpack.packb(obj, use_bin_type=False)


def response(msgid, result):
    return raw_pack([1, msgid, None, result])


EVIL = b"Evil\x1b[2J\x1b]0;pwned\x07 title \xff\xfe end"
HOSTILE_RESULT = {
    b"total": 3, b"took_us": b"soon", b"corrected": 7,
    b"hits": [
        {b"id": b"x1", b"kind": b"paper", b"title": EVIL,
         b"authors": [b"A\x1bB", 42, None, b"C", b"D"], b"year": b"2024",
         b"section": b"Sec\ntion", b"url": b"https://example.org/\x1b[31m",
         b"citations": -3, b"score": 1.5,
         b"snippet": b"match \xc3 here\x00 and \x1b[1m there",
         b"highlights": [[0, 5], [1000, 5], [3, 1 << 40], b"bad", [1], [6, -1]]},
        "not a map",
        {b"title": None, b"highlights": None, b"authors": b"nobody"},
    ],
    b"facets": {b"section": {b"S\x1b": 2, b"T": b"x"}, b"year": [1, 2]},
}


def run_against(tmp, reply, args):
    fake = FakeDaemon(tmp, reply)
    try:
        return awsearch(args, sock=fake.path)
    finally:
        fake.close()


def test_hostile_text_is_sanitised():
    with awstest.TempDir("awho") as tmp:
        for color in ("never", "always"):
            proc = run_against(tmp, lambda m: response(m, HOSTILE_RESULT),
                               ["--color", color, "q"])
            check_eq(proc.returncode, 0, "status (stderr %r)" % errtext(proc))
            out = text(proc)
            allowed = ("\x1b[1m", "\x1b[0m", "\x1b[1;31m", "\x1b[32m",
                       "\x1b[36m") if color == "always" else ()
            bare = out
            for esc in allowed:
                bare = bare.replace(esc, "")
            check("\x1b" not in bare, "control bytes reach the terminal "
                  "(--color %s): %r" % (color, out))
            check("\x07" not in out and "\x00" not in out, repr(out))
            check("\ufffd" in out, "invalid bytes not replaced: %r" % out)
            check("Evil" in out and "end" in out, "title lost: %r" % out)


def test_hostile_json_stays_json():
    with awstest.TempDir("awho") as tmp:
        proc = run_against(tmp, lambda m: response(m, HOSTILE_RESULT),
                           ["--json", "q"])
        check_eq(proc.returncode, 0, "status (stderr %r)" % errtext(proc))
        doc = json.loads(text(proc))
        title = doc["hits"][0]["title"]
        check(title.startswith("Evil\x1b[2J") and "\ufffd" in title,
              "title in JSON: %r" % title)
        check_eq(doc["hits"][1], "not a map", "non-map hit")


def test_wrong_shapes():
    with awstest.TempDir("awho") as tmp:
        for result in ("pong", [1, 2], {b"hits": b"none"}, None):
            proc = run_against(tmp, lambda m, r=result: response(m, r), ["q"])
            check(proc.returncode in (1, 3), "status %d for result %r"
                  % (proc.returncode, result))
        for args in (["--show", "x"], ["--stats"], ["--cite", "x"]):
            proc = run_against(tmp, lambda m: response(m, [b"\x1b", 1]), args)
            check(proc.returncode in (0, 3), "status %d for %r"
                  % (proc.returncode, args))
            check("\x1b" not in text(proc), "escape from %r" % args)


def test_other_msgid_first():
    with awstest.TempDir("awho") as tmp:
        reply = lambda m: (response(m + 1, {b"hits": []}) +  # noqa: E731
                           response(m, HOSTILE_RESULT))
        proc = run_against(tmp, reply, ["--json", "q"])
        check_eq(proc.returncode, 0, "status (stderr %r)" % errtext(proc))
        check_eq(len(json.loads(text(proc))["hits"]), 3, "hits of its msgid")


def test_connection_error_under_msgid_0_is_reported():
    # The daemon refuses a connection past --max-connections with one
    # `busy` error under msgid 0, then hangs up: the client must show that
    # reason, not "closed the connection before answering".
    busy = raw_pack([1, 0, {b"code": 6, b"message":
                            b"the daemon is at its connection limit; "
                            b"retry later"}, None])
    with awstest.TempDir("awho") as tmp:
        proc = run_against(tmp, lambda m: busy, ["q"])
        check_eq(proc.returncode, 3, "status (stderr %r)" % errtext(proc))
        err = errtext(proc)
        check("busy" in err and "connection limit" in err,
              "busy reason lost: %r" % err)
        check("the daemon is busy: " in err and "failed" not in err,
              "busy worded as a failure: %r" % err)


def test_broken_daemons_exit_3():
    cases = [
        (lambda m: None, "closed the connection"),
        (lambda m: raw_pack([5, 6, 7]), "no response"),
        (lambda m: b"\xc1\xc1\xc1", "bad reply"),
        (lambda m: raw_pack([1, m, {b"code": 7, b"message": b"bo\x1bom\nx"},
                             None]), "internal"),
    ]
    with awstest.TempDir("awho") as tmp:
        for reply, needle in cases:
            proc = run_against(tmp, reply, ["q"])
            check_eq(proc.returncode, 3, "status (stderr %r)" % errtext(proc))
            err = errtext(proc)
            check(needle in err, "%r lacks %r" % (err, needle))
            check(err.count("\n") == 1 and "\x1b" not in err,
                  "error not one clean line: %r" % err)


if __name__ == "__main__":
    awstest.run_tests(globals())
