"""awindex_util.py - what the awindex integration tests share.

Runs the real awindex from $AWS_BIN_DIR, reads its databases with Debian's
xapian-delve (an implementation this project did not write), and counts the
items of a list with a deliberately simple scanner that shares no code or
rules with indexer/listparse.c:

  * an item is a line starting with "- " (or "-[", a space forgotten, as in
    one sibling list) after the first "## " heading (the table of contents
    comes before it);
  * its text is that line plus the lines that follow it up to a blank line,
    another "- " line or a heading (hard-wrapped titles);
  * its id is, in this order: the arXiv id of a `arXiv, ID` backtick; the
    lower-cased OWNER/NAME of a first link to github.com/OWNER/NAME; the
    arXiv id of an arxiv.org/abs or /pdf link; else the first link's URL;
    an item without any link has no id (the parser must report it).
"""

import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

BIN_DIR = os.environ.get("AWS_BIN_DIR", "")
DATA = os.environ.get("AWS_SHARED_DATA", "")
AWINDEX = os.path.join(BIN_DIR, "awindex")
BUNDLED = os.path.join(DATA, "awesome-llm-training.md")
SIBLINGS = sorted(os.path.join(DATA, "lists", f)
                  for f in os.listdir(os.path.join(DATA, "lists"))
                  if f.endswith(".md")) if DATA else []


def fail(msg):
    print("FAIL: " + msg, file=sys.stderr)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


class TempDir:
    """A temporary folder removed on exit, even when the test fails."""

    def __enter__(self):
        self.path = tempfile.mkdtemp(prefix="awindex-it-")
        return self.path

    def __exit__(self, *exc):
        shutil.rmtree(self.path, ignore_errors=True)


def env_for(tmp):
    """An environment that keeps awindex off the network and out of $HOME:
    the arXiv URL is a loopback port nothing listens on."""
    env = dict(os.environ)
    env["HOME"] = tmp
    env["XDG_DATA_HOME"] = os.path.join(tmp, "xdg-data")
    env["XDG_CACHE_HOME"] = os.path.join(tmp, "xdg-cache")
    env["AWSEARCH_CACHE"] = os.path.join(tmp, "cache")
    env["AWSEARCH_ARXIV_URL"] = "http://127.0.0.1:9/api/query"
    env.pop("AWSEARCH_DB", None)
    return env


def awindex(tmp, *args, check_rc=None, fetch_never=True):
    """Runs awindex with ARGS (plus --fetch never); returns the completed
    process with text output.  CHECK_RC, when given, must match."""
    cmd = [AWINDEX]
    if fetch_never:
        cmd += ["--fetch", "never"]
    cmd += list(args)
    # Bytes decoded by hand: text mode would turn a progress line's \r
    # into \n and hide it.
    p = subprocess.run(cmd, env=env_for(tmp), capture_output=True, timeout=300)
    p.stdout = p.stdout.decode("utf-8", "replace")
    p.stderr = p.stderr.decode("utf-8", "replace")
    if check_rc is not None and p.returncode != check_rc:
        fail("%s exited %d, not %d\nstdout: %s\nstderr: %s"
             % (" ".join(cmd), p.returncode, check_rc, p.stdout[-3000:],
                p.stderr[-3000:]))
    return p


def awindex_json(tmp, *args):
    """Runs awindex --json, expecting exit 0; returns the parsed report."""
    p = awindex(tmp, "--json", *args, check_rc=0)
    try:
        return json.loads(p.stdout)
    except ValueError as e:
        fail("--json output does not parse (%s): %r" % (e, p.stdout[:500]))


def delve(*args):
    p = subprocess.run(["xapian-delve"] + list(args), capture_output=True,
                       text=True, errors="surrogateescape", timeout=120)
    if p.returncode != 0:
        fail("xapian-delve %s failed: %s" % (" ".join(args), p.stderr))
    return p.stdout


def delve_doccount(db):
    m = re.search(r"number of documents = (\d+)", delve(db))
    check(m is not None, "xapian-delve printed no document count for " + db)
    return int(m.group(1))


def delve_terms(db, prefix):
    """Every term of DB that starts with PREFIX."""
    return set(t for t in delve("-1", "-A", prefix, db).split("\n") if t)


def fnv1a64_hex(data):
    h = 14695981039346656037
    for b in data:
        h ^= b
        h = (h * 1099511628211) & 0xFFFFFFFFFFFFFFFF
    return "%016x" % h


def id_term(doc_id):
    """The unique-id term of DOC_ID: "Q" + the id, or for ids too long for a
    Xapian term its first 200 bytes, "#" and a 64-bit FNV-1a hash (the
    convention of docs/stored-form.md's ids in xapian-c)."""
    raw = doc_id.encode("utf-8", "surrogateescape")
    if 1 + len(raw) <= 240:
        return "Q" + doc_id
    head = raw[:200].decode("utf-8", "surrogateescape")
    return "Q" + head + "#" + fnv1a64_hex(raw)


ARXIV_TICK = re.compile(r"`arXiv, (\d{4}\.\d{4,5})(?:v\d+)?`")
ARXIV_LINK = re.compile(
    r"arxiv\.org/(?:abs|pdf)/(\d{4}\.\d{4,5}|[a-z][a-z.\-]*/\d{7})")
FIRST_LINK = re.compile(r"\]\((https?://[^)\s]+)\)")
GITHUB = re.compile(r"^https?://(?:www\.)?github\.com/([^/\s]+)/([^/\s#?]+)",
                    re.I)


def item_id(text):
    m = ARXIV_TICK.search(text)
    if m:
        return m.group(1)
    link = FIRST_LINK.search(text)
    if link:
        g = GITHUB.match(link.group(1))
        if g:
            name = g.group(2)
            if name.endswith(".git"):
                name = name[:-4]
            return (g.group(1) + "/" + name).lower()
    m = ARXIV_LINK.search(text)
    if m:
        return m.group(1)
    return link.group(1) if link else None


def scan_list(path):
    """[(line number, id or None)] for every item of the list at PATH."""
    with open(path, encoding="utf-8", errors="surrogateescape") as f:
        lines = f.read().split("\n")
    items = []
    in_body = False
    for i, line in enumerate(lines):
        if line.startswith("## "):
            in_body = True
        if not in_body or not (line.startswith("- ") or line.startswith("-[")):
            continue
        block = [line]
        for nxt in lines[i + 1:]:
            if (not nxt.strip() or nxt.startswith("- ") or nxt.startswith("-[")
                    or nxt.startswith("#")):
                break
            block.append(nxt)
        items.append((i + 1, item_id(" ".join(block))))
    return items


def reported_lines(report, path):
    """The line numbers that REPORT's problems name for the file PATH."""
    lines = set()
    for msg in report["problems"]:
        if msg.startswith(path + ":"):
            m = re.match(r"(\d+):", msg[len(path) + 1:])
            if m:
                lines.add(int(m.group(1)))
    return lines


def check_all_accounted(report, db, paths):
    """Every item of the lists PATHS is a document of DB or a reported
    problem, and the counts agree with the simple scanner's."""
    terms = delve_terms(db, "Q")
    expected_ids = set()
    n_items = 0
    for path in paths:
        items = scan_list(path)
        n_items += len(items)
        problems = reported_lines(report, path)
        for line, doc_id in items:
            if doc_id is not None and id_term(doc_id) in terms:
                expected_ids.add(doc_id)
                continue
            check(line in problems,
                  "%s:%d: item (id %r) neither indexed nor reported"
                  % (path, line, doc_id))
    check(report["items"] == n_items,
          "awindex saw %d items, the scanner counts %d" % (report["items"], n_items))
    count = delve_doccount(db)
    check(count == len(expected_ids),
          "database has %d documents, the scanner expects %d" % (count, len(expected_ids)))
    check(report["documents"] == count,
          "report says %d documents, xapian-delve %d" % (report["documents"], count))
    return expected_ids


def write_head_of_gz(src, dst, n):
    """The first N lines of the gzip file SRC into DST (zcat | head)."""
    with gzip.open(src, "rt", encoding="utf-8") as f, open(dst, "w", encoding="utf-8") as out:
        for i, line in enumerate(f):
            if i >= n:
                break
            out.write(line)


class Proc:
    """A background process whose stderr is read as it arrives."""

    def __init__(self, cmd, env):
        self.p = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE)
        self.err = b""

    def wait_stderr(self, pattern, timeout=120):
        """Reads stderr until the regex PATTERN matches what was read;
        returns the match.  Fails when the process exits first."""
        rx = re.compile(pattern)
        import selectors
        import time
        sel = selectors.DefaultSelector()
        sel.register(self.p.stderr, selectors.EVENT_READ)
        deadline = time.monotonic() + timeout
        fd = self.p.stderr.fileno()
        while True:
            m = rx.search(self.err.decode("utf-8", "replace"))
            if m:
                return m
            left = deadline - time.monotonic()
            check(left > 0, "timed out waiting for %r in stderr: %r" % (pattern, self.err[-500:]))
            if sel.select(left):
                chunk = os.read(fd, 65536)
                if not chunk:
                    fail("process exited (%s) before %r appeared: %r"
                         % (self.p.wait(), pattern, self.err[-2000:]))
                self.err += chunk

    def kill(self, sig=signal.SIGKILL):
        self.p.send_signal(sig)
        out, err = self.p.communicate(timeout=120)
        self.err += err
        return self.p.returncode
