#!/usr/bin/env python3
"""mock_arxiv.py - a stand-in for the arXiv query API, on loopback only.

Serves GET /api/query?id_list=A,B,...&max_results=N with Atom in the shape
arXiv has used since late 2025 (shared/data/arxiv-api-captured/2025-11_*),
built from the JSON-lines file given with --data (default
$AWS_SHARED_DATA/arxiv-abstracts.jsonl).  Ids not in that file are left out
of the answer, as arXiv now does.

Each API request takes the next step of a script (then "ok" once the script
is used up).  Steps:

  ok            the papers asked for
  missing       none of them, as if arXiv had no record of any (the shape of
                shared/data/arxiv-api-captured/2025-11_idlist_nonexistent.xml)
  old           the older shape (shared/data/arxiv-api-example.xml): rel=
                links, versionless ids, an empty <entry> per missing id
  redirect      HTTP 301 to the same query (as http:// to https:// does)
  503           HTTP 503, empty body
  retry-after=S HTTP 503 with "Retry-After: S"
  slow=MS       the papers, after sleeping MS milliseconds
  truncated     the papers, cut off half-way (Content-Length matches)
  no-summary    the papers without their <summary> elements
  invalid       a body that is not well-formed XML
  html          HTTP 200 with an HTML page (a captive portal, say)
  error         HTTP 400 with arXiv's error entry for the first id asked

Control requests, never counted as API requests:

  GET /_mock/reset?script=503,ok   forget every request, set a new script
  GET /_mock/stats                 {"requests": n, "arrivals": [monotonic s],
                                    "peers": [client port], "queries": [...],
                                    "agents": [User-Agent]}

Once listening it prints "mock_arxiv: ready port=N" on stdout; it stops on
SIGTERM or SIGINT.
"""
import argparse
import http.server
import json
import os
import re
import signal
import sys
import threading
import time
import urllib.parse
from xml.sax.saxutils import escape, quoteattr

ATOM_HEAD = ("<?xml version='1.0' encoding='UTF-8'?>\n"
             '<feed xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/" '
             'xmlns:arxiv="http://arxiv.org/schemas/atom" '
             'xmlns="http://www.w3.org/2005/Atom">\n')
OLD_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<feed xmlns="http://www.w3.org/2005/Atom">\n')


def version_of(paper):
    m = re.match(r"v(\d+)$", str(paper.get("version_seen", "")))
    return int(m.group(1)) if m else 1


def published_of(paper):
    if paper.get("published"):
        return paper["published"] + "T00:00:00Z"
    return "%d-01-01T00:00:00Z" % paper.get("year", 2000)


def entry_new(p):
    v = version_of(p)
    out = ["  <entry>",
           "    <id>http://arxiv.org/abs/%sv%d</id>" % (p["id"], v),
           "    <title>%s</title>" % escape(p["title"]),
           "    <updated>%s</updated>" % published_of(p),
           '    <link href="https://arxiv.org/abs/%sv%d"/>' % (p["id"], v),
           '    <link href="https://arxiv.org/pdf/%sv%d"/>' % (p["id"], v),
           "    <summary>%s</summary>" % escape(p["abstract"])]
    for c in p.get("categories", []):
        out.append('    <category term=%s scheme="http://arxiv.org/schemas/atom"/>'
                   % quoteattr(c))
    out.append("    <published>%s</published>" % published_of(p))
    if p.get("categories"):
        out.append("    <arxiv:primary_category term=%s/>" % quoteattr(p["categories"][0]))
    for a in p.get("authors", []):
        out.append("    <author>\n      <name>%s</name>\n    </author>" % escape(a))
    out.append("  </entry>")
    return "\n".join(out) + "\n"


def entry_old(p):
    v = version_of(p)
    out = ['  <entry xmlns:arxiv="http://arxiv.org/schemas/atom">',
           "    <id>http://arxiv.org/abs/%s</id>" % p["id"],
           "    <published>%s</published>" % published_of(p),
           "    <title>%s</title>" % escape(p["title"]),
           "    <summary>  %s\n</summary>" % escape(p["abstract"]).replace(". ", ".\n")]
    for a in p.get("authors", []):
        out.append("    <author><name>%s</name></author>" % escape(a))
    out.append('    <link href="http://arxiv.org/abs/%sv%d" rel="alternate" '
               'type="text/html"/>' % (p["id"], v))
    cats = p.get("categories", [])
    if cats:
        out.append('    <arxiv:primary_category term=%s scheme="http://arxiv.org/schemas/atom"/>'
                   % quoteattr(cats[0]))
    for c in cats:
        out.append('    <category term=%s scheme="http://arxiv.org/schemas/atom"/>'
                   % quoteattr(c))
    out.append("  </entry>")
    return "\n".join(out) + "\n"


EMPTY_OLD = ('  <entry>\n    <arxiv:primary_category xmlns:arxiv="http://arxiv.org/'
             'schemas/atom" term="" scheme="http://arxiv.org/schemas/atom"/>\n'
             '    <category term="" scheme="http://arxiv.org/schemas/atom"/>\n  </entry>\n')


def error_feed(bad_id):
    tag = "incorrect_id_format_for_" + bad_id
    return (ATOM_HEAD
            + "  <id>https://arxiv.org/api/errors</id>\n"
            + "  <title>arXiv Query: id_list=%s</title>\n" % escape(bad_id)
            + "  <entry>\n"
            + "    <id>http://arxiv.org/api/errors#%s</id>\n" % escape(tag)
            + "    <title>Error</title>\n"
            + "    <summary>incorrect id format for %s</summary>\n" % escape(bad_id)
            + "    <updated>2025-11-11T00:00:00Z</updated>\n"
            + "    <author><name>arXiv api core</name></author>\n"
            + "  </entry>\n</feed>\n")


class State:
    def __init__(self, papers):
        self.papers = papers
        self.lock = threading.Lock()
        self.reset([])

    def reset(self, script):
        self.script = list(script)
        self.arrivals = []
        self.peers = []
        self.queries = []
        self.agents = []

    def next_step(self, arrival, peer, query, agent):
        with self.lock:
            self.arrivals.append(arrival)
            self.peers.append(peer)
            self.queries.append(query)
            self.agents.append(agent)
            return self.script.pop(0) if self.script else "ok"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "mock_arxiv/1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body, ctype="application/atom+xml; charset=utf-8",
             headers=()):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        arrival = time.monotonic()
        url = urllib.parse.urlsplit(self.path)
        args = urllib.parse.parse_qs(url.query)
        state = self.server.state
        if url.path == "/_mock/reset":
            script = args.get("script", [""])[0]
            with state.lock:
                state.reset([s for s in script.split(",") if s])
            return self.send(200, "{}", "application/json")
        if url.path == "/_mock/stats":
            with state.lock:
                stats = {"requests": len(state.arrivals), "arrivals": state.arrivals,
                         "peers": state.peers, "queries": state.queries,
                         "agents": state.agents}
            return self.send(200, json.dumps(stats), "application/json")
        if url.path != "/api/query":
            return self.send(404, "not found\n", "text/plain")
        step = state.next_step(arrival, self.client_address[1], url.query,
                               self.headers.get("User-Agent", ""))
        ids = [i for i in args.get("id_list", [""])[0].split(",") if i]
        try:
            self.answer(step, ids)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def answer(self, step, ids):
        papers = self.server.state.papers
        name, _, arg = step.partition("=")
        if name == "redirect":
            return self.send(301, "", "text/plain", [("Location", self.path)])
        if name == "503":
            return self.send(503, "", "text/plain")
        if name == "retry-after":
            return self.send(503, "", "text/plain", [("Retry-After", arg)])
        if name == "invalid":
            return self.send(200, ATOM_HEAD + "  <entry><id>x</entry>\n</feed>\n")
        if name == "html":
            return self.send(200, "<!DOCTYPE html><html><body>Log in</body></html>",
                             "text/html")
        if name == "error":
            return self.send(400, error_feed(ids[0] if ids else ""))
        if name == "slow":
            time.sleep(int(arg) / 1000.0)
        if name == "missing":
            return self.send(200, ATOM_HEAD + "</feed>\n")
        if name == "old":
            body = OLD_HEAD + "".join(entry_old(papers[i]) if i in papers else EMPTY_OLD
                                      for i in ids) + "</feed>\n"
            return self.send(200, body)
        body = ATOM_HEAD + "".join(entry_new(papers[i]) for i in ids if i in papers)
        body += "</feed>\n"
        if name == "no-summary":
            body = re.sub(r"    <summary>.*?</summary>\n", "", body, flags=re.S)
        if name == "truncated":
            data = body.encode("utf-8")
            return self.send(200, data[: len(data) // 2])
        return self.send(200, body)


def main():
    ap = argparse.ArgumentParser(description="mock arXiv API on loopback")
    default = os.path.join(os.environ.get("AWS_SHARED_DATA", "."), "arxiv-abstracts.jsonl")
    ap.add_argument("--data", default=default, help="JSON-lines papers")
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--script", default="", help="steps, comma-separated")
    opts = ap.parse_args()
    papers = {}
    with open(opts.data, encoding="utf-8") as f:
        for line in f:
            if line.strip():
                p = json.loads(line)
                papers[p["id"]] = p
    server = http.server.ThreadingHTTPServer(("127.0.0.1", opts.port), Handler)
    server.daemon_threads = True
    server.state = State(papers)
    server.state.reset([s for s in opts.script.split(",") if s])

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print("mock_arxiv: ready port=%d" % server.server_address[1], flush=True)
    server.serve_forever(poll_interval=0.05)
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
