#!/usr/bin/env python3
"""test_daemon_rpc.py - every method and error code of SPEC.md, driven with
Debian's python3-msgpack (an implementation the project did not write).

One daemon serves an index of the bundled list with the shared abstracts on
a temporary Unix socket and loopback TCP port 0; the busy and unavailable
cases start daemons of their own.  Expected values (titles, authors,
citations, sections) are read off the bundled list by eye and written here,
not computed by the project's parser.
"""

import os
import re
import signal
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import awstest as t  # noqa: E402
from awstest import check, check_eq  # noqa: E402

HIT_KEYS = {"id", "kind", "title", "authors", "year", "section", "url",
            "citations", "score", "snippet", "highlights"}
SEARCH_KEYS = {"total", "took_us", "corrected", "hits"}
ENTRY_KEYS = {"id", "kind", "title", "authors", "abstract", "section",
              "subsection", "year", "citations", "url", "links"}
STATS_KEYS = {"documents", "papers", "repos", "links", "abstracts", "db_path",
              "indexed_at", "version"}
SPACTOR = "2401.13160"


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool)


def check_hit(hit, what):
    """Checks one search/related hit against SPEC.md's hit shape."""
    check(isinstance(hit, dict), "%s: hit is no map: %r" % (what, hit))
    check_eq(set(hit), HIT_KEYS, "%s: hit keys" % what)
    check(isinstance(hit["id"], str) and hit["id"], "%s: id %r" % (what, hit))
    check(hit["kind"] in ("paper", "repo", "link"), "%s: kind %r"
          % (what, hit["kind"]))
    check(isinstance(hit["title"], str), "%s: title %r" % (what, hit))
    check(isinstance(hit["authors"], list) and
          all(isinstance(a, str) for a in hit["authors"]),
          "%s: authors %r" % (what, hit["authors"]))
    check(hit["year"] is None or is_int(hit["year"]), "%s: year %r"
          % (what, hit["year"]))
    check(hit["section"] is None or isinstance(hit["section"], str),
          "%s: section %r" % (what, hit["section"]))
    check(isinstance(hit["url"], str) and hit["url"].startswith("http"),
          "%s: url %r" % (what, hit["url"]))
    check(hit["citations"] is None or is_int(hit["citations"]),
          "%s: citations %r" % (what, hit["citations"]))
    check(isinstance(hit["score"], (int, float)) and
          not isinstance(hit["score"], bool) and 0 <= hit["score"] <= 100,
          "%s: score %r" % (what, hit["score"]))
    if hit["kind"] == "paper":
        check(hit["url"] == "https://arxiv.org/abs/" + hit["id"],
              "%s: paper url %r for id %r" % (what, hit["url"], hit["id"]))
    check(hit["snippet"] is None or isinstance(hit["snippet"], str),
          "%s: snippet %r" % (what, hit["snippet"]))
    check(isinstance(hit["highlights"], list), "%s: highlights %r"
          % (what, hit["highlights"]))
    if hit["snippet"] is None:
        check_eq(hit["highlights"], [], "%s: highlights without snippet"
                 % what)
    for span in hit["highlights"]:
        check_span(hit["snippet"], span, what)


def check_span(snippet, span, what):
    """A highlight is [byte_offset, byte_length] inside SNIPPET, covering
    whole UTF-8 characters and starting and ending on word boundaries."""
    check(isinstance(span, list) and len(span) == 2 and
          all(is_int(x) for x in span), "%s: highlight %r is not "
          "[offset, length]" % (what, span))
    raw = snippet.encode("utf-8")
    off, n = span
    check(n > 0 and off >= 0 and off + n <= len(raw),
          "%s: highlight %r outside the %d-byte snippet %r"
          % (what, span, len(raw), snippet))
    try:
        before = raw[:off].decode("utf-8")
        word = raw[off:off + n].decode("utf-8")
        after = raw[off + n:].decode("utf-8")
    except UnicodeDecodeError:
        raise t.TestFailure("%s: highlight %r splits a UTF-8 character in %r"
                            % (what, span, snippet))
    check(word.strip() == word and word, "%s: highlight %r covers %r"
          % (what, span, word))
    check(not before or not before[-1].isalnum(),
          "%s: highlight %r starts inside a word: %r|%r"
          % (what, span, before[-10:], word))
    check(not after or not after[0].isalnum(),
          "%s: highlight %r ends inside a word: %r|%r"
          % (what, span, word, after[:10]))
    return word


def check_search_result(res, what, facets=False):
    check(isinstance(res, dict), "%s: result is no map: %r" % (what, res))
    want = SEARCH_KEYS | ({"facets"} if facets else set())
    check_eq(set(res), want, "%s: result keys" % what)
    check(is_int(res["total"]) and res["total"] >= len(res["hits"]),
          "%s: total %r for %d hits" % (what, res["total"], len(res["hits"])))
    check(is_int(res["took_us"]) and res["took_us"] >= 0,
          "%s: took_us %r" % (what, res["took_us"]))
    check(res["corrected"] is None or isinstance(res["corrected"], str),
          "%s: corrected %r" % (what, res["corrected"]))
    check(isinstance(res["hits"], list), "%s: hits %r" % (what, res["hits"]))
    for i, hit in enumerate(res["hits"]):
        check_hit(hit, "%s hit %d" % (what, i))
    ids = [h["id"] for h in res["hits"]]
    check(len(ids) == len(set(ids)), "%s: duplicate hits %r" % (what, ids))


# --------------------------------------------------------------- fixture

class Fixture:
    pass


def setup():
    f = Fixture()
    f.tmp = t.TempDir("awrpc")
    f.db = f.tmp.join("db")
    t.build_index(f.db, abstracts=t.abstracts_file())
    f.daemon = t.Daemon(f.tmp, f.db, listen="127.0.0.1:0").start()
    f.c = f.daemon.client()
    return f


def teardown(f):
    try:
        f.c.close()
        f.daemon.stop()
    finally:
        f.daemon.kill()
        f.tmp.cleanup()


# --------------------------------------------------------------- methods

def test_ping(f):
    check_eq(f.c.ok("ping"), "pong", "ping")
    check_eq(f.c.ok("ping", {}), "pong", "ping with an empty map")


def test_search_shape(f):
    res = f.c.ok("search", {"q": "mixture of experts", "limit": 5})
    check_search_result(res, "search moe")
    check(1 <= len(res["hits"]) <= 5, "search moe: %d hits" % len(res["hits"]))
    scores = [h["score"] for h in res["hits"]]
    check(scores == sorted(scores, reverse=True),
          "relevance order but scores %r" % scores)


def test_search_defaults(f):
    res = f.c.ok("search", {"q": "language model"})
    check_search_result(res, "search defaults")
    check_eq(len(res["hits"]), 10, "default limit (the list has many matches)")


def test_search_highlights(f):
    query = "pretraining language models"
    res = f.c.ok("search", {"q": query, "limit": 20})
    check_search_result(res, "search highlights")
    # "pretraining" also finds "pre-training" through the bundled
    # synonyms, which highlights "pre" and "training".
    stems = ["pretrain", "pre", "train", "languag", "model"]
    marked = 0
    for hit in res["hits"]:
        for span in hit["highlights"]:
            word = check_span(hit["snippet"], span, hit["id"]).lower()
            check(any(word.startswith(s) or s.startswith(word) for s in stems),
                  "%s: highlighted %r matches no term of %r"
                  % (hit["id"], word, query))
            marked += 1
    check(marked > 0, "no highlights in 20 hits for %r" % query)


def test_search_without_snippets(f):
    res = f.c.ok("search", {"q": "alignment", "snippets": False})
    check_search_result(res, "snippets false")
    check(res["hits"], "alignment: no hits")
    for hit in res["hits"]:
        check(hit["snippet"] is None and hit["highlights"] == [],
              "snippets false but %r / %r" % (hit["snippet"],
                                              hit["highlights"]))


def test_search_limit_offset(f):
    q = "training"
    six = [h["id"] for h in f.c.ok("search", {"q": q, "limit": 6})["hits"]]
    a = [h["id"] for h in f.c.ok("search", {"q": q, "limit": 3})["hits"]]
    b = [h["id"] for h in f.c.ok("search", {"q": q, "limit": 3,
                                            "offset": 3})["hits"]]
    check_eq(len(six), 6, "hits for %r" % q)
    check_eq(a + b, six, "pages 0-2 + 3-5 against 0-5")
    big = f.c.ok("search", {"q": q, "limit": 1000})
    check_eq(len(big["hits"]), min(1000, big["total"]), "limit 1000")
    far = f.c.ok("search", {"q": q, "offset": 100000})
    check_eq(far["hits"], [], "offset past the end")


def test_search_sort(f):
    res = f.c.ok("search", {"q": "model", "sort": "year", "limit": 50})
    check_search_result(res, "sort year")
    years = [h["year"] for h in res["hits"] if h["year"] is not None]
    check(len(years) > 5 and years == sorted(years, reverse=True),
          "sort year: years not newest first: %r" % years)
    res = f.c.ok("search", {"q": "model", "sort": "citations", "limit": 50})
    check_search_result(res, "sort citations")
    cites = [h["citations"] for h in res["hits"] if h["citations"] is not None]
    check(len(cites) > 1 and cites == sorted(cites, reverse=True),
          "sort citations: not most cited first: %r" % cites)
    res = f.c.ok("search", {"q": "model", "sort": "relevance"})
    check_search_result(res, "sort relevance")


def test_search_facets(f):
    res = f.c.ok("search", {"q": "training", "facets": True, "limit": 1})
    check_search_result(res, "facets", facets=True)
    fac = res["facets"]
    check(isinstance(fac, dict) and {"section", "year"} <= set(fac),
          "facets: %r" % fac)
    for kind in ("section", "year"):
        check(isinstance(fac[kind], dict) and fac[kind],
              "facets %s: %r" % (kind, fac[kind]))
        for name, n in fac[kind].items():
            check(isinstance(name, str) and is_int(n) and n > 0,
                  "facets %s: %r -> %r" % (kind, name, n))
    for year in fac["year"]:
        check(re.fullmatch(r"(19|20)\d\d", year), "facet year %r" % year)
    check(sum(fac["section"].values()) >= res["total"] * 0.5,
          "section facet counts %r do not cover total %d"
          % (fac["section"], res["total"]))


def test_search_section_filter(f):
    res = f.c.ok("search", {"q": "experts", "section": "MoE", "limit": 50})
    check_search_result(res, "section MoE")
    check(res["hits"], "no hits for experts in section MoE")
    for hit in res["hits"]:
        if hit["section"] != "MoE":
            entry = f.c.ok("get", {"id": hit["id"]})
            check("MoE" in (entry.get("sections") or []),
                  "section filter MoE let through %r (%r)"
                  % (hit["id"], hit["section"]))
    none = f.c.ok("search", {"q": "experts", "section": "No Such Section"})
    check_eq(none["hits"], [], "hits in an unknown section")


def test_search_fields(f):
    res = f.c.ok("search", {"q": "id:" + SPACTOR})
    check_eq([h["id"] for h in res["hits"]], [SPACTOR], "id: search")
    res = f.c.ok("search", {"q": "title:spactor"})
    check(SPACTOR in [h["id"] for h in res["hits"]], "title:spactor")
    res = f.c.ok("search", {"q": "author:Rostamizadeh"})
    check(SPACTOR in [h["id"] for h in res["hits"]], "author:Rostamizadeh")
    res = f.c.ok("search", {"q": "kind:repo", "limit": 100})
    check(res["hits"] and all(h["kind"] == "repo" for h in res["hits"]),
          "kind:repo gave %r" % [h["kind"] for h in res["hits"]])
    res = f.c.ok("search", {"q": "year:2024..2024", "limit": 100})
    check(res["hits"] and all(h["year"] == 2024 for h in res["hits"]),
          "year:2024..2024 gave %r" % [h["year"] for h in res["hits"]])
    res = f.c.ok("search", {"q": "citations:10..", "limit": 100})
    check(res["hits"] and all((h["citations"] or 0) >= 10
                              for h in res["hits"]),
          "citations:10.. gave %r" % [h["citations"] for h in res["hits"]])
    res = f.c.ok("search", {"q": '"span corruption"'})
    check(SPACTOR in [h["id"] for h in res["hits"]], "phrase search")
    res = f.c.ok("search", {"q": "spactor -corruption"})
    check(SPACTOR not in [h["id"] for h in res["hits"]], "-mustnot ignored")
    res = f.c.ok("search", {"q": "spact*"})
    check(SPACTOR in [h["id"] for h in res["hits"]], "wildcard spact*")


def test_search_mojibake_repaired(f):
    # The list has "Jean-Fran√ßois Kagy"; SPEC.md says it is repaired.
    res = f.c.ok("search", {"q": "author:François"})
    check(SPACTOR in [h["id"] for h in res["hits"]], "author:François")
    hit = [h for h in res["hits"] if h["id"] == SPACTOR][0]
    check("Jean-François Kagy" in hit["authors"], "authors %r"
          % hit["authors"])


def test_search_corrected(f):
    res = f.c.ok("search", {"q": "mixture of experts"})
    check_eq(res["corrected"], None, "corrected for a well-spelt query")
    res = f.c.ok("search", {"q": "mixtue of experts"})
    check(isinstance(res["corrected"], str) and
          "mixture" in res["corrected"],
          "no spelling suggestion for 'mixtue': %r" % res["corrected"])


def test_get(f):
    e = f.c.ok("get", {"id": SPACTOR})
    check(isinstance(e, dict), "get: %r" % e)
    check(ENTRY_KEYS <= set(e), "get lacks %r" % (ENTRY_KEYS - set(e)))
    check_eq(e["id"], SPACTOR, "id")
    check_eq(e["kind"], "paper", "kind")
    check(e["title"].startswith("SpacTor-T5: Pre-training T5 Models"),
          "title %r" % e["title"])
    check("Jean-François Kagy" in e["authors"] and
          e["authors"][0] == "Ke Ye", "authors %r" % e["authors"])
    check(isinstance(e["abstract"], str) and
          e["abstract"].startswith("Pre-training large language models"),
          "abstract %r" % (e["abstract"],))
    check_eq(e["section"], "Pretrain", "section")
    check_eq(e["subsection"], None, "subsection")
    check_eq(e["year"], 2024, "year")
    check_eq(e["citations"], None, "citations (-1 in the list)")
    check_eq(e["url"], "https://arxiv.org/abs/" + SPACTOR, "url")
    check(isinstance(e["links"], list) and
          any("2401.13160v1.pdf" in u for u in e["links"]),
          "links %r" % e["links"])
    e = f.c.ok("get", {"id": "2309.04564"})
    check_eq(e["citations"], 3, "citations of 2309.04564")
    e = f.c.ok("get", {"id": "facebookresearch/metaseq"})
    check_eq(e["kind"], "repo", "metaseq kind")
    check(e["url"].rstrip("/") == "https://github.com/facebookresearch/metaseq",
          "metaseq url %r" % e["url"])
    check_eq(e["year"], None, "metaseq year")


def test_related(f):
    res = f.c.ok("related", {"id": SPACTOR, "limit": 5})
    check(isinstance(res, dict) and set(res) == {"took_us", "hits"},
          "related result %r" % (res if not isinstance(res, dict)
                                 else set(res)))
    check(is_int(res["took_us"]), "took_us %r" % res["took_us"])
    check(1 <= len(res["hits"]) <= 5, "related hits: %d" % len(res["hits"]))
    for i, hit in enumerate(res["hits"]):
        check_hit(hit, "related hit %d" % i)
        check(hit["id"] != SPACTOR, "related returned the paper itself")
    res = f.c.ok("related", {"text": "sparse mixture of experts routing"})
    check(res["hits"], "related text: no hits")
    for i, hit in enumerate(res["hits"]):
        check_hit(hit, "related text hit %d" % i)


def test_cite(f):
    res = f.c.ok("cite", {"id": SPACTOR})
    check(isinstance(res, dict) and set(res) == {"key", "text"},
          "cite result %r" % (res,))
    check(isinstance(res["key"], str) and re.fullmatch(r"[\w:.-]+", res["key"]),
          "cite key %r" % res["key"])
    text = res["text"]
    check(re.match(r"\s*@\w+\{" + re.escape(res["key"]) + ",", text),
          "bibtex does not open with @type{key,: %r" % text[:80])
    check("SpacTor" in text and SPACTOR in text and "2024" in text,
          "bibtex lacks title, eprint or year: %r" % text)
    check(text.count("{") == text.count("}"), "unbalanced braces: %r" % text)
    check_eq(f.c.ok("cite", {"id": SPACTOR, "style": "bibtex"}), res,
             "cite with the default style given")


def test_suggest(f):
    res = f.c.ok("suggest", {"prefix": "spac"})
    check(isinstance(res, dict) and set(res) == {"completions"},
          "suggest result %r" % (res,))
    comp = res["completions"]
    check(comp and all(isinstance(c, str) for c in comp),
          "completions %r" % comp)
    # A completion is a title word or a title with a word that starts with
    # the prefix (SPEC.md leaves the rest to the implementation).
    check(all(re.search(r"(^|\W)spac", c, re.I) for c in comp),
          "completions without a word starting with 'spac': %r" % comp)
    check(any(c.lower() == "spactor" or c.startswith("SpacTor-T5")
              for c in comp), "'spac' does not complete to SpacTor: %r"
          % comp)
    res = f.c.ok("suggest", {"prefix": "m", "limit": 3})
    check(1 <= len(res["completions"]) <= 3, "suggest limit 3: %r" % res)


def test_stats(f):
    res = f.c.ok("stats")
    check(isinstance(res, dict), "stats %r" % res)
    check_eq(set(res), STATS_KEYS, "stats keys")
    for k in ("documents", "papers", "repos", "links", "abstracts"):
        check(is_int(res[k]) and res[k] >= 0, "stats %s %r" % (k, res[k]))
    check_eq(res["documents"], res["papers"] + res["repos"] + res["links"],
             "documents = papers + repos + links")
    check_eq(res["documents"], t.delve_doccount(f.db),
             "documents against xapian-delve")
    # The shared abstracts file holds 29 papers of the bundled list.
    check(0 < res["abstracts"] <= res["papers"] and res["abstracts"] >= 27,
          "abstracts %r of %r papers" % (res["abstracts"], res["papers"]))
    for kind, key in (("paper", "papers"), ("repo", "repos"),
                      ("link", "links")):
        total = f.c.ok("search", {"q": "kind:" + kind, "limit": 1})["total"]
        check_eq(total, res[key], "kind:%s total against stats %s"
                 % (kind, key))
    check(isinstance(res["db_path"], str) and res["db_path"],
          "db_path %r" % res["db_path"])
    check(os.path.realpath(res["db_path"]).startswith(
        os.path.realpath(f.db)), "db_path %r for --db %r"
          % (res["db_path"], f.db))
    check(isinstance(res["indexed_at"], str) and
          re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d", res["indexed_at"]),
          "indexed_at %r" % res["indexed_at"])
    check(isinstance(res["version"], str) and res["version"],
          "version %r" % res["version"])


def test_notification_gets_no_reply(f):
    f.c.notify("ping")
    f.c.notify("search", {"q": "moe"})
    f.c.notify("no_such_method")
    msgid = f.c.send_request("ping", msgid=4242)
    msg = f.c.recv_message()
    check_eq(msg, [1, msgid, None, "pong"], "first message after 3 "
             "notifications")


def test_msgid_echoed(f):
    for msgid in (0, 1, 127, 128, 65535, 2 ** 31, 2 ** 32 - 1):
        f.c.send_request("ping", msgid=msgid)
        check_eq(f.c.recv_message(), [1, msgid, None, "pong"],
                 "response to msgid %d" % msgid)


def test_tcp(f):
    host, port = f.daemon.tcp
    check_eq(host, "127.0.0.1", "tcp host")
    with t.Client.tcp(host, port) as c:
        check_eq(c.ok("ping"), "pong", "ping over tcp")
        a = c.ok("search", {"q": "moe", "limit": 5})
        b = f.c.ok("search", {"q": "moe", "limit": 5})
        check_eq([h["id"] for h in a["hits"]], [h["id"] for h in b["hits"]],
                 "same hits over tcp and unix")


# --------------------------------------------------------------- errors

def test_error_bad_request(f):
    cases = [
        ("search", {"q": "x", "limit": 1001}),
        ("search", {"q": "x", "limit": -1}),
        ("search", {"q": "x", "limit": "5"}),
        ("search", {"q": "x", "offset": -3}),
        ("search", {"q": 5}),
        ("search", {"q": "x", "bogus": 1}),
        ("search", {"q": "x", "sort": "random"}),
        ("search", {"q": "x", "snippets": "yes"}),
        ("search", {"q": "x", "facets": 1}),
        ("search", {"q": "x", "section": 7}),
        ("related", {"id": SPACTOR, "limit": 1001}),
        ("related", {}),
        ("get", {}),
        ("get", {"id": 5}),
        ("cite", {"id": SPACTOR, "style": "no-such-style"}),
        ("suggest", {"prefix": "a", "limit": 1001}),
        ("suggest", {"prefix": ["a"]}),
        ("ping", {"bogus": True}),
        ("stats", {"bogus": True}),
    ]
    for method, args in cases:
        f.c.error(method, args, 1)
    # Wrong shapes of params, with a msgid to answer to.
    for params in ({"q": "x"}, [1], ["q"], [{"q": "x"}, {"q": "y"}],
                   [{1: "x"}], None, "q"):
        f.c.send([0, 77, "search", params])
        msg = f.c.recv_message()
        t.check_response_shape(msg)
        check_eq(msg[1], 77, "msgid of the reply to params %r" % (params,))
        t.check_error(msg[2], msg[3], 1, "params %r" % (params,))
    check_eq(f.c.ok("ping"), "pong", "ping after bad requests")


def test_error_unknown_method(f):
    for name in ("frobnicate", "SEARCH", "search "):
        f.c.error(name, None, 2)


def test_error_query_syntax(f):
    # Queries Xapian 1.4's QueryParser refuses outright (checked with a
    # small program against libxapian: it retries "parse error"s without
    # boolean operators, but not these).
    for q in ("mixture AND", "year:abc..def"):
        msg = f.c.error("search", {"q": q}, 3)
        check(len(msg) < 500, "query_syntax message too long: %r" % msg)


def test_error_not_found(f):
    for method in ("get", "cite", "related"):
        f.c.error(method, {"id": "0000.00000"}, 4)
        f.c.error(method, {"id": "nobody/nothing"}, 4)


def test_result_cache():
    # The same search asked again is answered from the daemon's cache: the
    # same answer but took_us, counted as a hit in the line the daemon logs
    # at exit.  Other arguments miss; SIGHUP drops every kept answer.
    with t.TempDir("awcache") as tmp:
        db = tmp.join("db")
        t.build_index(db)
        q = {"q": "mixture of experts", "limit": 5, "facets": True}

        def answer(c, args):
            res = c.ok("search", args)
            check_search_result(res, "cached search", facets=True)
            res.pop("took_us")
            return res

        d = t.Daemon(tmp, db, args=["--log-level", "debug"]).start()
        try:
            with d.client() as c:
                first = answer(c, q)
                check_eq(answer(c, q), first, "the same search asked again")
                check(answer(c, dict(q, limit=6))["hits"][:5] == first["hits"],
                      "limit 6 starts with limit 5's hits")
                d.send_signal(signal.SIGHUP)
                deadline = time.monotonic() + 10
                while "SIGHUP: reopening" not in d.log_text(100000):
                    check(time.monotonic() < deadline, "no SIGHUP log line")
                    time.sleep(0.02)
                check_eq(answer(c, q), first, "the search after SIGHUP")
            d.stop()
            log = d.log_text(100000)
            # Misses: the first search, limit 6, and the search after SIGHUP.
            check("answer cache: 1 hits, 3 misses" in log,
                  "cache counts at exit: %s" % log[-600:])
        finally:
            d.kill()
        # --result-cache 0: no cache, and no cache line.
        d = t.Daemon(tmp, db, name="nocache",
                     args=["--log-level", "debug", "--result-cache", "0"]).start()
        try:
            with d.client() as c:
                check_eq(answer(c, q), first, "a search without the cache")
            d.stop()
            check("answer cache" not in d.log_text(100000),
                  "--result-cache 0 still keeps a cache")
        finally:
            d.kill()


def test_handoff():
    # A client asking one thing after another gets its requests handed to
    # the pool thread that answered the one before (daemon/handoff.h), which
    # the daemon counts in a line at exit.  A leak in the count of queued
    # work would silently stop every hand-off; this catches it.  The answers
    # must be what a daemon without hand-offs gives: the first search of
    # each kind is asked while no thread waits.
    with t.TempDir("awhandoff") as tmp:
        db = tmp.join("db")
        t.build_index(db)
        d = t.Daemon(tmp, db, args=["--log-level", "debug", "--result-cache", "0",
                                    "--threads", "2"]).start()
        try:
            with d.client() as c:
                stats = c.ok("stats")
                first = c.ok("search", {"q": "mixture of experts", "limit": 3})
                for i in range(300):
                    check_eq(c.ok("stats"), stats, "stats, request %d" % i)
                    if i % 50 == 0:
                        res = c.ok("search", {"q": "mixture of experts", "limit": 3})
                        check_eq(res["hits"], first["hits"], "search, request %d" % i)
            d.stop()
            log = d.log_text(100000)
            m = re.search(r"requests handed to a waiting pool thread: (\d+)", log)
            check(m is not None, "no hand-off line at exit: %s" % log[-600:])
            check(int(m.group(1)) > 0,
                  "none of 300 requests in a row was handed over: %s" % m.group(0))
        finally:
            d.kill()


def test_busy():
    # --max-connections 2: a third client gets busy (6) and is closed while
    # the first two keep being served.
    with t.TempDir("awbusy") as tmp:
        db = tmp.join("db")
        t.build_index(db)
        with t.Daemon(tmp, db, args=["--max-connections", "2"]) as d:
            a, b = d.client(), d.client()
            check_eq(a.ok("ping"), "pong", "first client")
            check_eq(b.ok("ping"), "pong", "second client")
            c = d.client()
            try:
                msg = c.recv_message()
                t.check_response_shape(msg)
                t.check_error(msg[2], msg[3], 6, "third connection")
            except t.Closed:
                raise t.TestFailure("third connection closed without a "
                                    "busy reply")
            check(c.wait_closed(5), "busy connection not closed")
            c.close()
            check_eq(a.ok("ping"), "pong", "first client after busy")
            b.close()
            # A slot freed by a client that left is given to the next one
            # (once the daemon has seen it leave: poll for it).
            deadline = time.monotonic() + 10
            while True:
                with d.client() as e:
                    try:
                        e.send_request("ping", msgid=0)
                    except OSError:
                        pass  # closed as busy: its reply is still readable
                    msg = e.recv_message()
                t.check_response_shape(msg)
                if msg[2] is None:
                    check_eq(msg[3], "pong", "a new client once one left")
                    break
                check_eq(msg[2]["code"], 6, "error while a slot frees")
                check(time.monotonic() < deadline, "no slot 10 s after a "
                      "client left")
                time.sleep(0.02)
            a.close()


def test_unavailable():
    # No database at --db: the daemon starts and answers 8 to searches,
    # and ping still works; building the index then makes it available.
    with t.TempDir("awunav") as tmp:
        db = tmp.join("db")
        with t.Daemon(tmp, db) as d:
            c = d.client()
            check_eq(c.ok("ping"), "pong", "ping without a database")
            for method, args in (("search", {"q": "moe"}), ("stats", None),
                                 ("get", {"id": SPACTOR})):
                msg = c.error(method, args, 8)
                check("awindex" in msg, "unavailable message does not say "
                      "how to build a database: %r" % msg)
            t.build_index(db)
            # Picked up without a signal: poll until it shows.
            deadline = time.monotonic() + 10
            while True:
                err, res = c.call("search", {"q": "moe"})
                if err is None:
                    break
                check_eq(err["code"], 8, "error before the index shows")
                check(time.monotonic() < deadline, "new database not picked "
                      "up within 10 s")
                time.sleep(0.05)
            check(res["hits"], "no hits once the database exists")
            c.close()


if __name__ == "__main__":
    t.run_tests(globals(), setup, teardown)
