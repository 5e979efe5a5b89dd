#!/usr/bin/env python3
"""test_client_output.py - the awsearch client against a real daemon.

One index of the bundled list (with the abstracts of
arxiv-abstracts.jsonl) and one awsearchd on a temporary socket serve every
test here; each test runs the real client binary and checks what a user or
a script sees: golden output (plain and coloured), --json parsed back and
compared with the daemon's own msgpack reply, every exit status, the modes
(--show, --cite, --stats, --facets, --related, --related-text), paging,
sorting, wrapping, and a quiet exit on a closed pipe.
"""

import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import awstest  # noqa: E402
from awstest import check, check_eq  # noqa: E402
from client_util import (awsearch, check_golden, client_env,  # noqa: E402
                         errtext, normalise, text)

MOE = ["mixture", "of", "experts", "scaling"]
ESC_RE = re.compile(r"\x1b\[[0-9;]*m")


class Fixture:
    def __init__(self):
        self.tmp = awstest.TempDir("awcl")
        try:
            self.db = self.tmp.join("db")
            awstest.build_index(self.db, abstracts=awstest.abstracts_file())
            self.daemon = awstest.Daemon(self.tmp, self.db).start()
            self.sock = self.daemon.socket
        except BaseException:
            self.tmp.cleanup()
            raise

    def run(self, *args, **kw):
        return awsearch(args, sock=self.sock, **kw)

    def rpc(self, method, args=None):
        with self.daemon.client() as c:
            return c.ok(method, args)

    def close(self):
        try:
            self.daemon.stop()
        finally:
            self.tmp.cleanup()


def setup():
    return Fixture()


def teardown(fx):
    fx.close()


def ok(proc, status=0):
    check(proc.returncode == status, "awsearch exited %d, want %d\nstderr: %s"
          % (proc.returncode, status, errtext(proc)))
    return text(proc)


def one_line_error(proc, status, *needles):
    """Checks that PROC failed with STATUS and one stderr line holding every
    one of NEEDLES; returns that line."""
    check_eq(proc.returncode, status, "exit status (stderr %r)" % errtext(proc))
    err = errtext(proc)
    check(err.endswith("\n") and err.count("\n") == 1,
          "stderr is not one line: %r" % err)
    check(err.startswith("awsearch: "), "error lacks 'awsearch: ': %r" % err)
    for n in needles:
        check(n in err, "error %r does not mention %r" % (err, n))
    check(proc.stdout == b"", "stdout not empty on error: %r" % proc.stdout)
    return err


# ------------------------------------------------------------ golden output

# Queries whose hits do not depend on ranking (an id filter picks exactly
# one entry), so that the goldens change only when the client's rendering,
# the stored entry or the snippet maker does: a paper with highlighted
# terms and many authors, and a repository without year or snippet terms.
GOLDEN_QUERIES = [
    ["mixture", "experts", "id:2401.04088"],
    ["id:facebookresearch/metaseq"],
]


def golden_run(fx, *extra):
    out = []
    for q in GOLDEN_QUERIES:
        out.append("$ awsearch %s\n" % " ".join(list(extra) + q))
        out.append(ok(fx.run(*extra, *q)))
    return "".join(out)


def test_golden_plain(fx):
    out = golden_run(fx)
    check(not ESC_RE.search(out), "escapes in output to a pipe")
    check_golden("client_hits_plain.txt", out)


def test_golden_color(fx):
    out = golden_run(fx, "--color", "always")
    check("\x1b[1;31m" in out, "no highlighted term in --color always output")
    check_golden("client_hits_color.txt", out)
    # Without the escapes it is exactly the plain output.
    plain = golden_run(fx, "--color", "never")
    check_eq(normalise(ESC_RE.sub("", out)).replace(" --color always", ""),
             normalise(plain).replace(" --color never", ""),
             "coloured output minus escapes")


def test_golden_show_and_cite(fx):
    # The entry's source names the list file by its path on this machine.
    folder = os.path.dirname(awstest.bundled_list())
    check_golden("client_show_2401.04088.txt", ok(fx.run("--show", "2401.04088")),
                 subs=[(folder + "/", "$DATA/")])
    check_golden("client_cite_2401.04088.txt", ok(fx.run("--cite", "2401.04088")))


def test_hit_layout(fx):
    out = ok(fx.run("-n", "5", *MOE))
    hits = re.findall(r"^ ?(\d+)\. (.+)$", out, re.M)
    check_eq([int(n) for n, _ in hits], [1, 2, 3, 4, 5], "hit numbers")
    check(re.search(r"^5 of \d+ results \(\d+\.\d\d ms\)$", out, re.M),
          "no 'N of TOTAL results' footer in:\n" + out)
    check("https://arxiv.org/abs/" in out, "no canonical URL in:\n" + out)
    # Authors: at most three names, then "et al.".
    for line in out.splitlines():
        if line.endswith(" et al."):
            check_eq(line.count(","), 2, "authors before et al. in %r" % line)
    check(" et al." in out, "no 'et al.' for a many-author paper:\n" + out)


def test_wrap_width(fx):
    for cols in ("40", "60", "100"):
        out = ok(fx.run("-n", "10", *MOE, env={"COLUMNS": cols}))
        for line in out.splitlines():
            # Only a single over-long word (a URL) may pass the width.
            if len(line) > int(cols):
                check(" " not in line.strip(),
                      "line over %s columns: %r" % (cols, line))


def on_terminal(fx, args, cols, env=None):
    """Runs the client with stdout on a pseudo-terminal COLS wide (so that
    --color auto and TIOCGWINSZ see a terminal); returns (status, text)."""
    import fcntl
    import pty
    import struct
    import termios
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, cols, 0, 0))
    # No COLUMNS: the terminal's own width must win.
    e = client_env(env)
    e.pop("COLUMNS", None)
    e["TERM"] = "xterm"
    p = subprocess.Popen([awstest.bin_path("awsearch"), "--socket", fx.sock,
                          "--no-autostart"] + list(args),
                         stdout=slave, stderr=subprocess.PIPE,
                         stdin=subprocess.DEVNULL, env=e)
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the client closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    rc = p.wait(timeout=30)
    check_eq(p.stderr.read(), b"", "stderr on a terminal")
    p.stderr.close()
    # The terminal turns "\n" into "\r\n".
    return rc, b"".join(chunks).decode("utf-8").replace("\r\n", "\n")


def test_terminal_auto_color_and_width(fx):
    rc, out = on_terminal(fx, ["-n", "5"] + MOE, 50)
    check_eq(rc, 0, "status on a terminal")
    check("\x1b[1;31m" in out, "no colour on a terminal with --color auto")
    plain = ESC_RE.sub("", out)
    check(max(len(l) for l in plain.splitlines()
              if " " in l.strip()) <= 50, "not wrapped to the terminal's 50 "
          "columns:\n" + plain)
    check(max(len(l) for l in plain.splitlines()) > 40,
          "wrapped far below the terminal width:\n" + plain)
    rc, out = on_terminal(fx, ["-n", "5"] + MOE, 50, env={"NO_COLOR": "1"})
    check(not ESC_RE.search(out), "colour despite NO_COLOR")
    rc, out = on_terminal(fx, ["--color", "never", "-n", "5"] + MOE, 50)
    check(not ESC_RE.search(out), "colour despite --color never")


# ------------------------------------------------------------ --json

def test_json_matches_daemon(fx):
    out = ok(fx.run("--json", "-n", "4", *MOE))
    check(out.endswith("\n") and out.count("\n") == 1, "--json is not one line")
    got = json.loads(out)
    want = fx.rpc("search", {"q": " ".join(MOE), "limit": 4})
    check_eq(list(got.keys()), list(want.keys()), "keys in daemon order")
    got.pop("took_us")
    want.pop("took_us")
    check_eq(got, want, "--json result against the daemon's own reply")
    check_eq(len(got["hits"]), 4, "hits")
    for h in got["hits"]:
        for key in ("id", "kind", "title", "authors", "year", "section", "url",
                    "citations", "score", "snippet", "highlights"):
            check(key in h, "hit lacks %s: %r" % (key, h))


def test_json_modes(fx):
    stats = json.loads(ok(fx.run("--json", "--stats")))
    check(stats["documents"] > 100, "stats: %r" % stats)
    check_eq(stats, fx.rpc("stats"), "--json --stats against the daemon")
    entry = json.loads(ok(fx.run("--json", "--show", "2401.04088v1")))
    check_eq(entry["id"], "2401.04088", "id of --show with a version")
    check_eq(entry["title"], "Mixtral of Experts", "title")
    cite = json.loads(ok(fx.run("--json", "--cite", "2401.04088")))
    check(cite["text"].startswith("@") and cite["key"] in cite["text"],
          "cite: %r" % cite)
    none = fx.run("--json", "zzqxjv")
    check_eq(none.returncode, 1, "--json with no hits exits 1")
    check_eq(json.loads(text(none))["hits"], [], "no hits")


# ------------------------------------------------------------ exit statuses

def test_exit_no_results(fx):
    out = ok(fx.run("zzqxjvplugh"), 1)
    check("No results" in out, "no 'No results' line:\n" + out)


def test_exit_usage(fx):
    one_line_error(fx.run("--bogus", "x"), 2, "--bogus", "usage:")
    one_line_error(fx.run("-x", "moe"), 2, "-x", "usage:")
    check("put --" not in errtext(fx.run("-x", "moe")), "hint for a plain -x")
    one_line_error(fx.run("lora", "-quantization"), 2, "'-q'", "put -- before the query")
    one_line_error(fx.run(), 2, "no query")
    one_line_error(fx.run("-n", "many", "moe"), 2, "--limit", "many")
    one_line_error(fx.run("-n", "1001", "moe"), 2, "--limit")
    one_line_error(fx.run("--offset", "-1", "moe"), 2, "--offset")
    one_line_error(fx.run("--sort", "random", "moe"), 2, "--sort")
    one_line_error(fx.run("--color", "pink", "moe"), 2, "--color")
    one_line_error(fx.run("--show", "a", "--cite", "b"), 2, "exclude")
    one_line_error(fx.run("--stats", "moe"), 2, "moe")
    one_line_error(fx.run("--stats", "--sort", "year"), 2, "--sort")
    one_line_error(fx.run("--socket"), 2, "--socket", "value")
    help_ = ok(fx.run("--help"))
    check("--related-text" in help_ and "Exit status" in help_, help_)
    check(re.match(r"awsearch \d+\.\d+\.\d+\n$", ok(fx.run("--version"))),
          "--version")


def test_exit_query_syntax(fx):
    # The daemon's parser refuses these; the client prints its message.
    bad = None
    for q in ("NOT", "a AND", "title:(", "\"unclosed AND ("):
        proc = fx.run(q)
        if proc.returncode == 2:
            bad = proc
            break
    check(bad is not None, "no malformed query was refused with status 2")
    one_line_error(bad, 2, "query error")


def test_exit_bad_request_names_what_the_user_typed(fx):
    # What the daemon refuses as "params[0].q: ..." is the query (or the
    # option) to the user, with status 2.
    one_line_error(fx.run(b"caf\xe9"), 2, "awsearch: the query: not valid UTF-8")
    one_line_error(fx.run("a" * 5000), 2, "awsearch: the query: longer than 4096")
    one_line_error(fx.run("--related", "2401.04088", "-n", "0"), 2,
                   "awsearch: -n/--limit:")
    one_line_error(fx.run("--related-text", ""), 2, "awsearch: --related-text:")
    for proc in (fx.run(b"caf\xe9"), fx.run("--related-text", "")):
        check("params[0]" not in proc.stderr.decode(errors="replace"),
              "protocol terms in %r" % proc.stderr)


def test_db_of_a_running_daemon_is_checked(fx):
    # --db only picks what a newly started daemon opens: a daemon already
    # serving another database answers, and the client says so.
    proc = fx.run("-n", "1", "--db", fx.tmp.join("some-other-db"), "moe")
    check_eq(proc.returncode, 0, "search with another --db")
    err = errtext(proc)
    check(err.startswith("awsearch: warning: the daemon on ") and
          "some-other-db" in err and err.count("\n") == 1, err)
    for same in (fx.db, fx.db + "/"):
        proc = fx.run("-n", "1", "--db", same, "moe")
        check_eq((proc.returncode, errtext(proc)), (0, ""), "--db %s" % same)


def test_unknown_section_is_named(fx):
    # An exact --section no entry has is most likely a typo: say so, with
    # the names there are; a real section with no hit just finds nothing.
    proc = fx.run("--section", "Nonexistent", "moe")
    check_eq(proc.returncode, 1, "unknown section")
    err = errtext(proc)
    check(err.startswith("awsearch: no section is named 'Nonexistent'; the sections are ")
          and "MoE" in err and "Alignment" in err and err.count("\n") == 1, err)
    check(proc.stdout.startswith(b"No results"), proc.stdout)
    proc = fx.run("--section", "moe", "xyzzyq")
    check_eq((proc.returncode, errtext(proc)), (1, ""), "a known section, no hit")


def test_related_text_from_standard_input(fx):
    text = b"Mixtral: a sparse mixture of experts where a router picks two experts per token"
    proc = fx.run("--related-text", "-", "-n", "3", input=text)
    check_eq(proc.returncode, 0, "related text from stdin (%r)" % errtext(proc))
    check_eq(normalise(proc.stdout.decode()),
             normalise(fx.run("--related-text", text.decode(), "-n", "3").stdout.decode()),
             "the same as the text given as an argument")
    one_line_error(fx.run("--related-text", "-", input=b"x" * 70000), 2,
                   "--related-text:", "longer than")


def test_exit_not_found(fx):
    one_line_error(fx.run("--show", "9999.99999"), 1)
    one_line_error(fx.run("--cite", "nobody/nothing"), 1)


def test_exit_no_daemon(fx):
    sock = fx.tmp.join("nobody.sock")
    err = one_line_error(awsearch(["moe"], sock=sock), 3, sock)
    check("--no-autostart" in err, err)


def test_socket_from_environment(fx):
    proc = awsearch(["--stats"], env={"AWSEARCH_SOCKET": fx.sock})
    check_eq(proc.returncode, 0, "status with AWSEARCH_SOCKET (stderr %r)"
             % errtext(proc))
    # --socket wins over the environment.
    other = fx.tmp.join("other.sock")
    proc = awsearch(["--stats"], sock=other, env={"AWSEARCH_SOCKET": fx.sock})
    one_line_error(proc, 3, other)


def test_unavailable_says_how_to_index(fx):
    empty = fx.tmp.join("empty-db")
    with awstest.Daemon(fx.tmp, empty, name="empty") as d:
        err = one_line_error(awsearch(["moe"], sock=d.socket), 3, "awindex")
        check("bundled list" in err, err)
    # A --db that is some other file: awindex would refuse it too, so the
    # advice is to point --db elsewhere, not to rebuild.
    other = fx.tmp.join("notes.txt")
    with open(other, "w") as fh:
        fh.write("not an index\n")
    with awstest.Daemon(fx.tmp, other, name="notadb") as d:
        err = one_line_error(awsearch(["moe"], sock=d.socket), 3, "not a Xapian database",
                             "give --db a database folder")
        check("--rebuild" not in err and "bundled list" not in err, err)


# ------------------------------------------------------------ modes

def test_show(fx):
    out = ok(fx.run("--show", "https://arxiv.org/abs/2401.04088v2"))
    rows = dict(re.findall(r"^(\w+) +(.*)$", out, re.M))
    for key in ("id", "kind", "title", "authors", "abstract", "section",
                "year", "url", "links"):
        check(key in rows, "--show lacks %s:\n%s" % (key, out))
    check_eq(rows["id"], "2401.04088", "id")
    check_eq(rows["kind"], "paper", "kind")
    check_eq(rows["year"], "2024", "year")


def test_cite(fx):
    out = ok(fx.run("--cite", "2401.04088"))
    check(re.match(r"@\w+\{\w+,\n", out), "not BibTeX:\n" + out)
    check("Mixtral of Experts" in out and out.rstrip().endswith("}"), out)


def test_stats(fx):
    out = ok(fx.run("--stats"))
    for key in ("documents", "papers", "repos", "links", "abstracts",
                "db_path", "indexed_at", "version"):
        check(re.search(r"^%s +\S" % key, out, re.M),
              "--stats lacks %s:\n%s" % (key, out))
    check(fx.db in out, "--stats does not name the database:\n" + out)


def test_facets(fx):
    out = ok(fx.run("--facets", "-n", "2", "experts"))
    check(re.search(r"^Sections:\n( +\d+  .+\n)+", out, re.M),
          "no section counts:\n" + out)
    check(re.search(r"^Years:\n( +\d+  \d{4}\n)+", out, re.M),
          "no year counts:\n" + out)
    facets = fx.rpc("search", {"q": "experts", "limit": 2, "facets": True})
    moe = facets["facets"]["section"].get("MoE")
    check(moe and re.search(r"^ +%d  MoE$" % moe, out, re.M),
          "MoE count %r not shown:\n%s" % (moe, out))


def test_related(fx):
    out = ok(fx.run("--related", "2401.04088", "-n", "3"))
    check(re.search(r"^3 related entries", out, re.M), out)
    check("Mixtral of Experts\n" not in out, "related lists the paper itself")
    ids = [h["id"] for h in json.loads(ok(fx.run(
        "--json", "--related", "2401.04088", "-n", "5")))["hits"]]
    check("2401.04088" not in ids and len(ids) == 5, "related ids %r" % ids)
    out = ok(fx.run("--related-text", "sparse expert routing", "-n", "2"))
    check(re.search(r"^2 related entries", out, re.M), out)


def test_offset_sort_section(fx):
    first = json.loads(ok(fx.run("--json", "-n", "6", "experts")))["hits"]
    page2 = ok(fx.run("--offset", "3", "-n", "3", "experts"))
    check(re.search(r"^4\. ", page2, re.M) and re.search(r"^6\. ", page2, re.M),
          "page two is not numbered 4-6:\n" + page2)
    check("from 4" in page2, "footer does not say where the page starts")
    second = json.loads(ok(fx.run("--json", "--offset", "3", "-n", "3",
                                  "experts")))["hits"]
    check_eq([h["id"] for h in second], [h["id"] for h in first[3:]], "paging")
    by_year = json.loads(ok(fx.run("--json", "--sort", "year", "-n", "20",
                                   "experts")))["hits"]
    years = [h["year"] for h in by_year if h["year"] is not None]
    check_eq(years, sorted(years, reverse=True), "years under --sort year")
    counts = ok(fx.run("-n", "0", "experts"))
    check(re.search(r"^0 of [1-9]\d* results", counts, re.M),
          "-n 0 gives no count:\n" + counts)
    past = ok(fx.run("--offset", "100000", "experts"), 1)
    check(re.search(r"^No results from 100001 on \([1-9]\d* in all\)", past,
                    re.M), "past the last hit:\n" + past)
    sect = json.loads(ok(fx.run("--json", "--section", "MoE", "-n", "50",
                                "experts")))["hits"]
    check(sect and all(h["section"] == "MoE" for h in sect),
          "--section MoE: %r" % [h["section"] for h in sect])


def test_did_you_mean(fx):
    res = json.loads(text(fx.run("--json", "mixtrue", "of", "expetrs")))
    check(res.get("corrected"), "the daemon suggests nothing: %r" % res)
    out = text(fx.run("mixtrue", "of", "expetrs"))
    check(out.startswith("Did you mean: %s?\n" % res["corrected"]),
          "no did-you-mean line:\n" + out)


# ------------------------------------------------------------ pipes

def test_closed_pipe_is_quiet(fx):
    # Reader gone before the client writes anything.
    r, w = os.pipe()
    os.close(r)
    proc = awsearch(["-n", "50", "model"], sock=fx.sock, stdout=w)
    os.close(w)
    check_eq(proc.returncode, 0, "status writing to a closed pipe")
    check_eq(errtext(proc), "", "stderr writing to a closed pipe")
    # `awsearch ... | head -1` with far more output than a pipe holds.
    cmd = [awstest.bin_path("awsearch"), "--socket", fx.sock, "--no-autostart",
           "-n", "1000", "--facets", "a*"]
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         env=client_env())
    first = p.stdout.readline()
    p.stdout.close()
    err = p.stderr.read()
    rc = p.wait(timeout=30)
    check(first.strip(), "no first line")
    check_eq(err, b"", "stderr after head -1")
    check(rc in (0, 1), "status %d after head -1" % rc)


# ------------------------------------------------------------ completion

def complete(script, func, *words):
    """What bash completion function FUNC of SCRIPT offers for WORDS (the
    last one being completed), without the bash-completion package."""
    src = os.path.join(os.environ["AWS_SOURCE_DIR"], "editors", "completion",
                       script)
    words_ = " ".join("'%s'" % w for w in words)
    prog = ('source "$1"; COMP_WORDS=(%s); COMP_CWORD=%d; %s; '
            'printf "%%s\\n" "${COMPREPLY[@]}"' % (words_, len(words) - 1, func))
    out = subprocess.run(["bash", "-c", prog, "complete", src],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         timeout=10)
    check_eq(out.stderr, b"", "bash errors from %s" % script)
    return out.stdout.decode().split()


def test_bash_completion():
    check_eq(complete("awsearch.bash", "_awsearch", "awsearch", "--re"),
             ["--related", "--related-text"], "options")
    check_eq(complete("awsearch.bash", "_awsearch", "awsearch", "--sort", "c"),
             ["citations"], "--sort values")
    check_eq(complete("awsearch.bash", "_awsearch", "awsearch", "--color", ""),
             ["auto", "always", "never"], "--color values")
    check_eq(complete("awsearch.bash", "_awsearchd", "awsearchd", "--fore"),
             ["--foreground"], "daemon options")
    check_eq(complete("awsearch.bash", "_awindex", "awindex", "--fetch", "n"),
             ["never"], "awindex --fetch values")
    # Every long option each program's --help lists is offered, in bash and
    # in zsh.
    zsh_path = os.path.join(os.environ["AWS_SOURCE_DIR"], "editors",
                            "completion", "_awsearch")
    with open(zsh_path, encoding="utf-8") as f:
        zsh = f.read()
    for prog in ("awsearch", "awsearchd", "awindex"):
        help_ = subprocess.run([awstest.bin_path(prog), "--help"],
                               stdout=subprocess.PIPE, timeout=10).stdout.decode()
        offered = set(complete("awsearch.bash", "_" + prog, prog, "--"))
        section = zsh.split("\n%s)" % prog, 1)[-1].split(";;", 1)[0]
        for opt in set(re.findall(r"(--[a-z][a-z-]*)", help_)):
            check(opt in offered, "bash completion of %s lacks %s" % (prog, opt))
            check(opt in section, "zsh completion of %s lacks %s" % (prog, opt))


def test_man_pages():
    import shutil
    man = os.path.join(os.environ["AWS_SOURCE_DIR"], "docs", "man")
    for page in ("awsearch.1", "awsearchd.1", "awindex.1"):
        path = os.path.join(man, page)
        check(os.path.exists(path), "no man page %s" % path)
        if shutil.which("groff"):
            out = subprocess.run(["groff", "-man", "-ww", "-z", path],
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                 timeout=30)
            check_eq(out.stderr.decode(), "", "groff warnings for %s" % page)
    # Every option of each program's --help is documented in its page.
    for prog in ("awsearch", "awsearchd", "awindex"):
        with open(os.path.join(man, prog + ".1"), encoding="utf-8") as f:
            page = f.read().replace("\\-", "-")
        help_ = subprocess.run([awstest.bin_path(prog), "--help"],
                               stdout=subprocess.PIPE, timeout=10).stdout.decode()
        for opt in set(re.findall(r"(--[a-z][a-z-]*)", help_)):
            check(opt in page, "%s.1 does not document %s" % (prog, opt))


if __name__ == "__main__":
    awstest.run_tests(globals(), setup=setup, teardown=teardown)
