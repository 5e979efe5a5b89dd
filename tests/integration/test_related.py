#!/usr/bin/env python3
"""test_related.py - related papers, citations and suggestions over the wire.

One index of the bundled list (with the abstracts of arxiv-abstracts.jsonl)
and one awsearchd on a temporary socket serve every test.  Checked here
(issue 6, items 1 and 5): `related` by id in every form a user may paste,
by a passage of text, never the paper itself, neighbours that make sense,
the limit; `cite` and `suggest`; and the bad input: unknown ids give
not_found, empty or over-long text (AWS_RPC_MAX_TEXT, 64 KiB) bad_request,
and the awsearch client turns them into a message and exit status 1 or 2.
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import awstest  # noqa: E402
from awstest import check, check_eq  # noqa: E402

MIXTRAL = "2401.04088"
FORMS = ["2401.04088", "2401.04088v2", "arXiv:2401.04088",
         "https://arxiv.org/abs/2401.04088v1", "http://arxiv.org/pdf/2401.04088v1.pdf",
         "  2401.04088  "]
MOE_TEXT = ("We route each token to a few experts of a sparse mixture-of-experts "
            "layer, so the model grows its parameter count while the compute per "
            "token stays the same; load balancing keeps the experts busy.")
MAX_TEXT = 64 * 1024


class Fixture:
    def __init__(self):
        self.tmp = awstest.TempDir("awrel")
        self.db = self.tmp.join("db")
        awstest.build_index(self.db, abstracts=awstest.abstracts_file())
        self.daemon = awstest.Daemon(self.tmp, self.db).start()
        self.conn = self.daemon.client()

    def ok(self, method, args=None):
        return self.conn.ok(method, args)

    def error(self, method, args, code):
        return self.conn.error(method, args, code)

    def cli(self, *args):
        env = dict(os.environ)
        env.pop("AWSEARCH_SOCKET", None)
        return subprocess.run([awstest.bin_path("awsearch"), "--socket",
                               self.daemon.socket, "--no-autostart"] + list(args),
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, env=env, timeout=30)

    def close(self):
        try:
            self.conn.close()
            self.daemon.stop()
        finally:
            self.tmp.cleanup()


def ids(result):
    return [h["id"] for h in result["hits"]]


def sections(fx, hit_ids):
    return [fx.ok("get", {"id": i})["sections"] for i in hit_ids]


def test_related_by_id_every_form(fx):
    want = ids(fx.ok("related", {"id": MIXTRAL, "limit": 10}))
    check(len(want) == 10, "related %s gave %d hits, want 10" % (MIXTRAL, len(want)))
    for form in FORMS:
        got = fx.ok("related", {"id": form, "limit": 10})
        check_eq(ids(got), want, "related hits for id %r" % form)
        check(isinstance(got["took_us"], int), "took_us is no integer: %r" % got)


def test_related_never_the_paper_itself(fx):
    # Every paper of the list, the whole ranking (limit 1000).
    res = fx.ok("search", {"q": "kind:paper", "limit": 1000, "snippets": False})
    papers = ids(res)
    check(len(papers) > 50, "only %d papers indexed" % len(papers))
    for pid in papers:
        got = ids(fx.ok("related", {"id": pid, "limit": 1000}))
        check(pid not in got, "related %s returned the paper itself" % pid)
        check(len(got) == len(set(got)), "related %s repeats a hit" % pid)


def test_related_hit_shape_and_limit(fx):
    res = fx.ok("related", {"id": MIXTRAL, "limit": 3})
    check_eq(sorted(res), ["hits", "took_us"], "related result keys")
    check_eq(len(res["hits"]), 3, "hits with limit 3")
    want = {"id", "kind", "title", "authors", "year", "section", "url",
            "citations", "score", "snippet", "highlights"}
    for h in res["hits"]:
        check_eq(set(h), want, "hit keys")
        check(0 <= h["score"] <= 100, "score out of 0..100: %r" % h)
        scores = [x["score"] for x in res["hits"]]
    check(scores == sorted(scores, reverse=True), "scores not descending: %r" % scores)


def test_related_neighbours_share_the_topic(fx):
    # Mixtral sits in the MoE section with a dozen other MoE papers: most of
    # its top 5 must be there (title words alone would find only some).
    top = ids(fx.ok("related", {"id": MIXTRAL, "limit": 5}))
    moe = sum("MoE" in s for s in sections(fx, top))
    check(moe >= 3, "related %s: only %d of the top 5 are MoE entries: %r"
          % (MIXTRAL, moe, top))


def test_related_by_text(fx):
    res = fx.ok("related", {"text": MOE_TEXT, "limit": 5})
    top = ids(res)
    check(len(top) == 5, "related text gave %d hits" % len(top))
    moe = sum("MoE" in s for s in sections(fx, top))
    check(moe >= 3, "related text: only %d of the top 5 are MoE entries: %r" % (moe, top))
    # A short passage finds the paper it describes first, as a search of
    # the same words does: the feedback must not drown the passage.
    for text, want in (("router sends each token to two experts", MIXTRAL),
                       ("how many tokens should a model of a given size be trained "
                        "on for a fixed compute budget", "2203.15556")):
        check_eq(ids(fx.ok("related", {"text": text, "limit": 3}))[:1], [want], text)
    # A passage at the documented limit is served.
    words = (MOE_TEXT + " ") * (MAX_TEXT // (len(MOE_TEXT) + 1))
    check(len(words.encode()) <= MAX_TEXT, "test text too long")
    check(ids(fx.ok("related", {"text": words, "limit": 5})),
          "related on %d bytes of text found nothing" % len(words))


def test_related_bad_input(fx):
    msg = fx.error("related", {"id": "9999.99999"}, 4)
    check("9999.99999" in msg, "not_found message does not name the id: %r" % msg)
    fx.error("related", {"id": "no-such/repo"}, 4)
    fx.error("related", {"text": ""}, 1)
    msg = fx.error("related", {"text": " \n\t "}, 1)
    check("blank" in msg, "blank text message: %r" % msg)
    msg = fx.error("related", {"text": "x" * (MAX_TEXT + 1)}, 1)
    check("65536" in msg or "64" in msg, "too-long text message names no limit: %r" % msg)
    fx.error("related", {"id": MIXTRAL, "text": MOE_TEXT}, 1)
    fx.error("related", {}, 1)
    fx.error("related", {"id": MIXTRAL, "limit": 0}, 1)
    fx.error("related", {"id": MIXTRAL, "limit": 1001}, 1)
    fx.error("related", {"id": 2401.04088}, 1)
    fx.error("related", {"id": MIXTRAL, "colour": "red"}, 1)
    # The connection is still good.
    check_eq(fx.ok("ping"), "pong", "ping after errors")


def test_cite(fx):
    for form in (MIXTRAL, "arXiv:2401.04088v1"):
        res = fx.ok("cite", {"id": form})
        check_eq(sorted(res), ["key", "text"], "cite keys")
        check(res["text"].startswith("@") and "{" + res["key"] + "," in res["text"],
              "cite text is not BibTeX keyed %r: %r" % (res["key"], res["text"][:80]))
        check("Mixtral of Experts" in res["text"], "cite lacks the title")
    check_eq(fx.ok("cite", {"id": MIXTRAL, "style": "bibtex"}), res, "style bibtex")
    fx.error("cite", {"id": "9999.99999"}, 4)
    fx.error("cite", {"id": MIXTRAL, "style": "apa"}, 1)


def test_suggest(fx):
    res = fx.ok("suggest", {"prefix": "Mixt", "limit": 5})
    comps = res["completions"]
    check(comps and len(comps) <= 5, "suggest Mixt: %r" % comps)
    for c in comps:
        check(c.lower().startswith("mixt"), "completion %r does not extend Mixt" % c)
    check("Mixtral of Experts" in fx.ok("suggest", {"prefix": "mixtral", "limit": 10})
          ["completions"], "suggest mixtral lacks the Mixtral title")
    check_eq(fx.ok("suggest", {"prefix": "zzqxj"})["completions"], [], "suggest zzqxj")


def test_cli_related(fx):
    p = fx.cli("--related", "arXiv:2401.04088v2", "-n", "3")
    check_eq(p.returncode, 0, "awsearch --related exit status (stderr %r)" % p.stderr)
    check(p.stdout.strip(), "awsearch --related printed nothing")
    p = fx.cli("--related", "9999.99999")
    check_eq(p.returncode, 1, "awsearch --related UNKNOWN exit status")
    err = p.stderr.decode("utf-8", "replace")
    check("9999.99999" in err and err.count("\n") == 1,
          "awsearch --related UNKNOWN: want one line naming the id, got %r" % err)
    p = fx.cli("--related-text", MOE_TEXT, "-n", "3")
    check_eq(p.returncode, 0, "awsearch --related-text exit status")
    p = fx.cli("--related-text", "")
    check_eq(p.returncode, 2, "awsearch --related-text '' exit status")
    check(p.stderr.strip(), "awsearch --related-text '' printed no message")


def test_python_example_client(fx):
    """editors/python/awsearch_client.py, the example client of docs/protocol.md."""
    path = os.path.join(os.environ["AWS_SOURCE_DIR"], "editors", "python")
    script = os.path.join(path, "awsearch_client.py")
    run = lambda *a: subprocess.run([sys.executable, script, "--socket", fx.daemon.socket]
                                    + list(a), stdout=subprocess.PIPE,
                                    stderr=subprocess.PIPE, timeout=30)
    p = run("related", "id=arXiv:2401.04088v2", "limit=4")
    check_eq(p.returncode, 0, "awsearch_client.py related exit status (%r)" % p.stderr)
    got = json.loads(p.stdout)
    check_eq(ids(got), ids(fx.ok("related", {"id": MIXTRAL, "limit": 4})),
             "awsearch_client.py related hits")
    p = run("cite", "id=9999.99999")
    check_eq(p.returncode, 1, "awsearch_client.py exit status on not_found")
    check_eq(p.stderr.decode(), 'awsearch_client: cite: no entry with id "9999.99999" '
             "(not_found)\n", "awsearch_client.py error line")
    p = run("--trace", "ping")
    check_eq(json.loads(p.stdout), "pong", "awsearch_client.py ping")
    check("94 00 01 a4 70 69 6e 67 90" in p.stderr.decode(),
          "--trace lacks the request bytes: %r" % p.stderr)
    sys.path.insert(0, path)
    import awsearch_client
    with awsearch_client.Client(fx.daemon.socket) as c:
        first = c.send("related", id=MIXTRAL, limit=2)
        c.notify("ping")
        second = c.send("ping")
        third = c.send("get", id="9999.99999")
        check_eq(c.result(second), "pong", "pipelined ping")
        check_eq(len(c.result(first)["hits"]), 2, "pipelined related")
        try:
            c.result(third)
            check(False, "get of an unknown id raised nothing")
        except awsearch_client.Error as e:
            check_eq((e.code, e.name), (4, "not_found"), "pipelined error")


if __name__ == "__main__":
    awstest.run_tests(globals(), setup=Fixture, teardown=lambda fx: fx.close())
