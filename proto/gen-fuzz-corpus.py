#!/usr/bin/python3
"""gen-fuzz-corpus.py - writes the seed corpus of the fuzz_proto target.

Run once by hand (the files are committed):
    /usr/bin/python3 proto/gen-fuzz-corpus.py tests/fuzz/corpus/proto

Each file is a raw byte stream as a peer would send it.  valid-* files hold
requests that awsearchd must accept; they are encoded with Debian's
python3-msgpack, an implementation we did not write, and the unit test
test_proto_request reads them back.  bad-* files hold the malformed frames
and hostile headers the reader and the validation must refuse.
"""
import os
import sys

import msgpack


def pack(*objs):
    return b"".join(msgpack.packb(o, use_bin_type=True) for o in objs)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(out, exist_ok=True)
    files = {
        "valid-ping": pack([0, 1, "ping", []]),
        "valid-stats": pack([0, 2, "stats", [{}]]),
        "valid-search-min": pack([0, 7, "search", [{"q": "moe scaling"}]]),
        "valid-search-all": pack([0, 4294967295, "search", [{
            "q": 'title:"mixture of experts" AND year:2023..2024',
            "limit": 1000, "offset": 20, "sort": "citations",
            "section": "Pretraining", "snippets": False, "facets": True}]]),
        "valid-search-unicode": pack([0, 3, "search", [{
            "q": "Fran\u00e7ois \u8d2b\u7a77 \U0001f600", "limit": 0}]]),
        "valid-related-id": pack([0, 4, "related", [{"id": "2401.13160"}]]),
        "valid-related-text": pack([0, 5, "related", [{
            "text": "sparse gating " * 100, "limit": 3}]]),
        "valid-get": pack([0, 6, "get", [{"id": "https://arxiv.org/abs/2401.13160v2"}]]),
        "valid-cite": pack([0, 8, "cite", [{"id": "2401.13160", "style": "bibtex"}]]),
        "valid-suggest": pack([0, 9, "suggest", [{"prefix": "distil", "limit": 5}]]),
        "valid-notification": pack([2, "ping", []]),
        "valid-pipelined": pack(*[[0, i, "search", [{"q": "q%d" % i, "limit": i}]]
                                  for i in range(1, 40)]),
        "bad-c1": b"\x94\x00\x01\xc1",
        "bad-truncated": pack([0, 10, "search", [{"q": "moe"}]])[:-2],
        "bad-huge-array": b"\xdd\xff\xff\xff\xff",
        # [0, 11, "search", [map32 of 4294967295 pairs...
        "bad-huge-map-in-request": b"\x94\x00\x0b\xa6search\x91\xdf\xff\xff\xff\xff",
        # [0, 12, "search", [{"q": str32 of 2 MiB...
        "bad-huge-string": b"\x94\x00\x0c\xa6search\x91\x81\xa1q\xdb\x00\x20\x00\x00abc",
        "bad-deep-nesting": b"\x91" * 20 + b"\xc0",
        "bad-not-array": pack({"method": "ping"}),
        "bad-msgid-string": pack([0, "7", "ping", []]),
        "bad-msgid-negative": pack([0, -7, "ping", []]),
        "bad-method-int": pack([0, 1, 5, []]),
        "bad-method-unknown": pack([0, 1, "shutdown", []]),
        "bad-params-map": pack([0, 1, "search", {"q": "x"}]),
        "bad-unknown-argument": pack([0, 1, "search", [{"q": "x", "foo": 1}]]),
        "bad-limit-negative": pack([0, 1, "search", [{"q": "x", "limit": -1}]]),
        "bad-limit-float": pack([0, 1, "search", [{"q": "x", "limit": 1.0}]]),
        "bad-sort": pack([0, 1, "search", [{"q": "x", "sort": "random"}]]),
        # [0, 1, "search", [{"q": "\xff\xfeAA"}]]: a str that is not UTF-8.
        "bad-utf8": b"\x94\x00\x01\xa6search\x91\x81\xa1q\xa4\xff\xfeAA",
        "bad-related-both": pack([0, 1, "related", [{"id": "x", "text": "y"}]]),
        "bad-response": pack([1, 1, None, "pong"], [1, 2, {"code": 4, "message": "no"}, None]),
        "bad-every-type": pack([None, True, False, 1.5, -(2 ** 63), 2 ** 64 - 1,
                                b"bin", msgpack.ExtType(5, b"x" * 17),
                                msgpack.ExtType(1, b"abcd"), {"k": [{}]}, "end"]),
        "bad-ascii-garbage": b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n",
    }
    for name, data in sorted(files.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)
    print("wrote %d files to %s" % (len(files), out))


if __name__ == "__main__":
    main()
