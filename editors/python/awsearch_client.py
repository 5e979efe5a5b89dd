#!/usr/bin/python3
"""awsearch_client.py - talk to awsearchd from Python (an example client).

The daemon speaks msgpack-RPC on a Unix socket (docs/protocol.md): write
[0, msgid, method, [args]] as msgpack, read [1, msgid, error, result] back.
Any language with a msgpack library connects the same way: Emacs through a
process on the socket, a VS Code extension through Node's net.connect, a
shell script through this file.  Needs Debian's python3-msgpack.

As a library:

    with Client() as c:
        print(c.call("search", q="mixture of experts", limit=3)["hits"][0]["title"])
        ids = [c.send("related", id="2401.04088"), c.send("ping")]   # pipelined
        for msgid in ids:
            print(c.result(msgid))

From the shell (true, false, null and integers are typed; any other value
is a string):

    awsearch_client.py search q="moe scaling" limit=3
    awsearch_client.py --trace related text="sparse expert routing"
"""

import argparse
import json
import os
import socket
import sys

import msgpack

ERRORS = {1: "bad_request", 2: "unknown_method", 3: "query_syntax", 4: "not_found",
          5: "too_large", 6: "busy", 7: "internal", 8: "unavailable"}


class Error(Exception):
    """An error reply: .code (1-8), .name and .message as the daemon sent them."""

    def __init__(self, code, message):
        super().__init__("%s (%s)" % (message, ERRORS.get(code, code)))
        self.code, self.name, self.message = code, ERRORS.get(code, str(code)), message


def default_socket():
    """SPEC.md's socket: $AWSEARCH_SOCKET, $XDG_RUNTIME_DIR/awsearch.sock,
    else /tmp/awsearch-$UID/awsearch.sock."""
    if os.environ.get("AWSEARCH_SOCKET"):
        return os.environ["AWSEARCH_SOCKET"]
    if os.environ.get("XDG_RUNTIME_DIR"):
        return os.path.join(os.environ["XDG_RUNTIME_DIR"], "awsearch.sock")
    return "/tmp/awsearch-%d/awsearch.sock" % os.getuid()


class Client:
    """One connection.  Requests may be pipelined: send() returns the msgid
    at once and result() waits for that reply, keeping any other reply that
    arrives first (the daemon may answer out of order)."""

    def __init__(self, path=None, timeout=10.0, trace=None):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        self.sock.connect(path or default_socket())
        self.unpacker = msgpack.Unpacker(raw=False, strict_map_key=False)
        self.replies, self.next_id, self.trace = {}, 1, trace
        self.received, self.traced = b"", 0  # bytes not yet traced, and before them

    def close(self):
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _write(self, message):
        data = msgpack.packb(message, use_bin_type=True)
        if self.trace:
            self.trace("->", message, data)
        self.sock.sendall(data)

    def send(self, method, **args):
        """Sends a request; returns its msgid."""
        msgid, self.next_id = self.next_id, self.next_id + 1
        self._write([0, msgid, method, [args] if args else []])
        return msgid

    def notify(self, method, **args):
        """Sends a notification; the daemon answers nothing."""
        self._write([2, method, [args] if args else []])

    def result(self, msgid):
        """The result of request MSGID; raises Error on an error reply."""
        while msgid not in self.replies:
            data = self.sock.recv(65536)
            if not data:
                raise ConnectionError("the daemon closed the connection")
            self.unpacker.feed(data)
            self.received += data if self.trace else b""
            for reply in self.unpacker:
                if self.trace:
                    # tell() is the stream offset just past this reply.
                    end = self.unpacker.tell() - self.traced
                    self.trace("<-", reply, self.received[:end])
                    self.received, self.traced = self.received[end:], self.traced + end
                _, rid, error, result = reply
                self.replies[rid] = (error, result)
        error, result = self.replies.pop(msgid)
        if error is not None:
            raise Error(error["code"], error["message"])
        return result

    def call(self, method, **args):
        """Sends a request and waits for its result."""
        return self.result(self.send(method, **args))


def _trace(direction, message, data):
    sys.stderr.write("%s %s\n   %s\n" % (direction, json.dumps(message, ensure_ascii=False),
                                         data.hex(" ")))


def main(argv=None):
    ap = argparse.ArgumentParser(description="Send one request to awsearchd and "
                                 "print its result as JSON.")
    ap.add_argument("--socket", help="socket path (default: as awsearch finds it)")
    ap.add_argument("--trace", action="store_true",
                    help="print every message and its bytes (hex) on stderr")
    ap.add_argument("method")
    ap.add_argument("args", nargs="*", metavar="KEY=VALUE")
    o = ap.parse_args(argv)
    args = {}
    for kv in o.args:
        key, eq, value = kv.partition("=")
        if not eq:
            ap.error("argument %r is not KEY=VALUE" % kv)
        typed = {"true": True, "false": False, "null": None}
        if value in typed:
            args[key] = typed[value]
        elif value.lstrip("-").isdigit():
            args[key] = int(value)
        else:
            args[key] = value
    try:
        with Client(o.socket, trace=_trace if o.trace else None) as c:
            print(json.dumps(c.call(o.method, **args), indent=2, ensure_ascii=False))
    except Error as e:
        sys.stderr.write("awsearch_client: %s\n" % e)
        return 1
    except OSError as e:
        sys.stderr.write("awsearch_client: %s: %s\n" % (o.socket or default_socket(), e))
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
