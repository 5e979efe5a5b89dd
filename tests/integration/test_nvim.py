#!/usr/bin/env python3
"""test_nvim.py - the Neovim plugin (editors/nvim) in headless Neovim.

One index of the bundled list (with the abstracts of arxiv-abstracts.jsonl)
and one awsearchd on a temporary socket; each test runs a fresh
`nvim --headless -u NONE` with the plugin on its runtimepath and a Lua
script that drives the commands and writes what it saw (buffer lines,
highlights, messages) as JSON.  The expected values come from the same
daemon through awstest's msgpack client, so the plugin is checked against
the protocol, not against itself.  Every vim.notify call is recorded: a
failure must be one readable message, and no Lua error may escape (the
script runs under xpcall and Neovim's stderr is checked for tracebacks).
Exits 77 (CTest's skip) when no Neovim 0.7 or later is installed.
"""

import json
import os
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import awstest  # noqa: E402
from awstest import check, check_eq  # noqa: E402

PLUGIN = os.path.join(os.environ.get("AWS_SOURCE_DIR", ""), "editors", "nvim")
MOE_LINES = ["Sparse mixture of experts routing sends each token to a few experts,",
             "so parameters grow while the compute per token stays flat."]

HARNESS = r"""
local out, messages = {}, {}
vim.notify = function(msg, level)
  table.insert(messages, { msg = tostring(msg), level = level })
end
local aw = require('awsearch')
local results = require('awsearch.results')
local function marks(buf)
  local list = {}
  for _, m in ipairs(vim.api.nvim_buf_get_extmarks(buf, results.namespace, 0, -1,
      { details = true })) do
    table.insert(list, { m[2], m[3], m[4].end_col or -1, m[4].hl_group })
  end
  return list
end
local function ids(buf)
  local list = {}
  for _, h in ipairs(results.hits(buf) or {}) do
    table.insert(list, h.id)
  end
  return list
end
local function take_messages()
  local m = messages
  messages = {}
  return m
end
local function press(keys)
  vim.cmd('normal ' .. vim.api.nvim_replace_termcodes(keys, true, false, true))
end
local function line_of(buf, pattern)
  for i, l in ipairs(vim.api.nvim_buf_get_lines(buf, 0, -1, false)) do
    if l:match(pattern) then
      return i
    end
  end
  error('no line matches ' .. pattern)
end
local ok, err = xpcall(function()
%(body)s
end, debug.traceback)
out.ok, out.err, out.messages = ok, ok and '' or tostring(err), messages
local f = io.open(%(out)s, 'w')
f:write(vim.fn.json_encode(out))
f:close()
vim.cmd('qa!')
"""


def lua_str(s):
    return json.dumps(s)  # a JSON string is a valid Lua string literal here


class Fixture:
    def __init__(self):
        self.tmp = awstest.TempDir("awnv")
        self.db = self.tmp.join("db")
        awstest.build_index(self.db, abstracts=awstest.abstracts_file())
        self.daemon = awstest.Daemon(self.tmp, self.db).start()
        self.sock = self.daemon.socket
        self.conn = self.daemon.client()
        self.runs = 0

    def rpc(self, method, args=None):
        return self.conn.ok(method, args)

    def nvim(self, body, setup=None):
        """Runs BODY (Lua) after aw.setup(SETUP) in headless Neovim; returns
        the JSON object the harness wrote, failing on any escaped error."""
        self.runs += 1
        opts = {"socket": self.sock, "autostart": False, "limit": 10}
        opts.update(setup or {})
        pre = "aw.setup(vim.fn.json_decode(%s))\n" % lua_str(json.dumps(opts))
        out = self.tmp.join("out%d.json" % self.runs)
        script = self.tmp.join("t%d.lua" % self.runs)
        with open(script, "w") as f:
            f.write(HARNESS % {"body": pre + body, "out": lua_str(out)})
        env = dict(os.environ)
        env.pop("AWSEARCH_SOCKET", None)
        env["XDG_CONFIG_HOME"] = env["XDG_DATA_HOME"] = env["XDG_STATE_HOME"] = \
            self.tmp.join("xdg")
        proc = subprocess.run(
            ["nvim", "--headless", "-u", "NONE", "-i", "NONE", "-n",
             "--cmd", "set rtp+=" + PLUGIN, "-c", "runtime plugin/awsearch.vim",
             "-c", "luafile " + script],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            env=env, timeout=60, cwd=self.tmp.path)
        err = (proc.stdout + proc.stderr).decode("utf-8", "replace")
        check(os.path.exists(out), "nvim wrote no result (exit %d):\n%s"
              % (proc.returncode, err))
        with open(out) as f:
            res = json.load(f)
        check(res["ok"], "a Lua error escaped the plugin:\n%s" % res["err"])
        for bad in ("traceback", "E5108", "E5113", "Error detected"):
            check(bad not in err, "nvim printed %r:\n%s" % (bad, err))
        return res

    def close(self):
        try:
            self.conn.close()
            self.daemon.stop()
        finally:
            self.tmp.cleanup()


def one_message(res, *parts):
    msgs = [m["msg"] for m in res["messages"]]
    check_eq(len(msgs), 1, "messages (%r)" % msgs)
    check("\n" not in msgs[0].strip(), "message is not one line: %r" % msgs[0])
    for p in parts:
        check(p in msgs[0], "message %r lacks %r" % (msgs[0], p))
    return msgs[0]


def test_search_lists_hits_with_highlights(fx):
    q = "expert"
    want = fx.rpc("search", {"q": q, "limit": 10})
    check(any(h["highlights"] for h in want["hits"]),
          "precondition: no highlights in the daemon's hits for %r" % q)
    res = fx.nvim("""
vim.cmd('AwSearch %s')
local buf = vim.api.nvim_get_current_buf()
out.name, out.ids = vim.api.nvim_buf_get_name(buf), ids(buf)
out.lines, out.marks = vim.api.nvim_buf_get_lines(buf, 0, -1, false), marks(buf)
out.cursor = vim.api.nvim_win_get_cursor(0)
""" % q)
    check(res["name"].endswith("awsearch://results"), "buffer name %r" % res["name"])
    check_eq(res["ids"], [h["id"] for h in want["hits"]], "hit ids in the buffer")
    check(res["lines"][0].startswith('search "expert": 10 of about'),
          "header line %r" % res["lines"][0])
    matches = {(m[0], m[1], m[2]) for m in res["marks"] if m[3] == "AwsearchMatch"}
    expected = set()
    for i, h in enumerate(want["hits"]):
        check(("%d. %s" % (i + 1, h["title"])) in res["lines"],
              "no title line for hit %d %r" % (i + 1, h["title"]))
        if not h["snippet"]:
            continue
        row = res["lines"].index("   " + h["snippet"].replace("\n", " "))
        for off, length in h["highlights"]:
            expected.add((row, 3 + off, 3 + off + length))
    check_eq(matches, expected, "match highlights (row, byte column, end)")
    check_eq(res["cursor"], [3, 0], "cursor on the first hit")


def test_open_url_and_jump_to_entry(fx):
    want = fx.rpc("search", {"q": "mixture of experts", "limit": 10})["hits"]
    opened = fx.tmp.join("opened")
    src = fx.rpc("get", {"id": want[0]["id"]})["source"]
    res = fx.nvim("""
vim.cmd('AwSearch mixture of experts')
local buf = vim.api.nvim_get_current_buf()
vim.api.nvim_win_set_cursor(0, { line_of(buf, '^2%%. '), 0 })
press('o')
vim.wait(5000, function() return vim.loop.fs_stat(%s) ~= nil end, 20)
vim.api.nvim_win_set_cursor(0, { line_of(buf, '^1%%. ') + 2, 0 })
press('<CR>')
out.file = vim.api.nvim_buf_get_name(0)
out.line = vim.api.nvim_win_get_cursor(0)[1]
""" % lua_str(opened), {"open_cmd": ["sh", "-c", 'printf "%s\\n" "$1" >> ' + opened, "sh"]})
    with open(opened) as f:
        check_eq(f.read(), want[1]["url"] + "\n", "URL opened for hit 2")
    file, line = src.rsplit(":", 1)
    check_eq(os.path.realpath(res["file"]), os.path.realpath(file), "file jumped to")
    check_eq(res["line"], int(line), "line jumped to")


def test_cite_bibtex_and_markdown(fx):
    hit = fx.rpc("search", {"q": "Mixtral of Experts", "limit": 1})["hits"][0]
    bib = fx.rpc("cite", {"id": hit["id"]})["text"]
    res = fx.nvim("""
vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'Intro' })
local origin = vim.api.nvim_get_current_buf()
vim.cmd('AwSearch Mixtral of Experts')
local rbuf = vim.api.nvim_get_current_buf()
vim.api.nvim_win_set_cursor(0, { 3, 0 })
vim.cmd('AwCite')
out.after_bibtex = vim.api.nvim_buf_get_lines(origin, 0, -1, false)
out.in_origin = vim.api.nvim_get_current_buf() == origin
vim.api.nvim_buf_set_lines(origin, 0, -1, false, { 'See ' })
vim.api.nvim_win_set_cursor(0, { 1, 3 })
vim.api.nvim_set_current_win(vim.fn.bufwinid(rbuf))
vim.cmd('AwCite markdown')
out.after_markdown = vim.api.nvim_buf_get_lines(origin, 0, -1, false)
vim.api.nvim_set_current_win(vim.fn.bufwinid(rbuf))
press('m')
out.after_key = vim.api.nvim_buf_get_lines(origin, 0, -1, false)
""")
    check_eq(res["after_bibtex"], ["Intro"] + bib.rstrip("\n").split("\n"),
             "origin buffer after :AwCite")
    check(res["in_origin"], ":AwCite did not return to the origin window")
    link = "[%s](%s)" % (hit["title"], hit["url"])
    check_eq(res["after_markdown"], ["See " + link], "origin after :AwCite markdown")
    check_eq(res["after_key"][0].count(link), 2, "origin after the m key")


def test_cite_markdown_replaces_the_id_or_goes_after_the_word(fx):
    """The Markdown link takes the place of the id or URL it cites, else it
    goes after the WORD under the cursor (or after the blank under it), set
    off by single spaces; BibTeX goes below the line and leaves it alone."""
    hit = fx.rpc("search", {"q": "Mixtral of Experts", "limit": 1})["hits"][0]
    check_eq(hit["id"], "2401.04088", "precondition: the first hit")
    bib = fx.rpc("cite", {"id": hit["id"]})["text"].rstrip("\n").split("\n")
    link = "[%s](%s)" % (hit["title"], hit["url"])
    res = fx.nvim("""
out.cmd, out.key = {}, {}
local function cite_at(line, col, how)
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { line })
  vim.api.nvim_win_set_cursor(0, { 1, col })
  vim.cmd('AwCite ' .. how)
  return { lines = vim.api.nvim_buf_get_lines(0, 0, -1, false),
           col = vim.api.nvim_win_get_cursor(0)[2] }
end
out.cmd.url = cite_at('see https://arxiv.org/abs/2401.04088 here', 30, 'markdown')
out.cmd.prefixed = cite_at('cf. arXiv:2401.04088v2, and more', 6, 'markdown')
out.cmd.paren = cite_at('(2401.04088).', 3, 'markdown')
out.cmd.pdf = cite_at('pdf: http://arxiv.org/pdf/2401.04088v1.pdf', 5, 'markdown')
out.cmd.bibtex = cite_at('see https://arxiv.org/abs/2401.04088 here', 30, 'bibtex')
out.cmd.messages = take_messages()
local origin = vim.api.nvim_get_current_win()
vim.cmd('AwSearch Mixtral of Experts')
local rwin = vim.api.nvim_get_current_win()
vim.api.nvim_win_set_cursor(rwin, { 3, 0 })
local function key_at(line, col)
  vim.api.nvim_set_current_win(origin)
  vim.api.nvim_buf_set_lines(0, 0, -1, false, { line })
  vim.api.nvim_win_set_cursor(origin, { 1, col })
  vim.api.nvim_set_current_win(rwin)
  press('m')
  return { lines = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(origin), 0, -1, false),
           col = vim.api.nvim_win_get_cursor(origin)[2] }
end
out.key.word = key_at('MoE papers:', 1)
vim.api.nvim_set_current_win(rwin)
press('m')
out.key.again = vim.api.nvim_buf_get_lines(vim.api.nvim_win_get_buf(origin), 0, -1, false)
out.key.blank = key_at('MoE  papers', 3)
out.key.other_id = key_at('see 2312.00752 too', 6)
out.key.same_id = key_at('see arXiv:2401.04088 here', 8)
out.key.empty = key_at('', 0)
vim.cmd('AwSearch openmoe')
vim.api.nvim_win_set_cursor(rwin, { line_of(vim.api.nvim_win_get_buf(rwin), '^2%. '), 0 })
out.key.repo_id = results.current().id
out.key.own_url = key_at('code: <https://github.com/XueFuzhao/OpenMoE/>.', 12)
""")
    cmd, key = res["cmd"], res["key"]
    end = lambda prefix: len((prefix + link).encode()) - 1  # noqa: E731
    check_eq(cmd["url"], {"lines": ["see %s here" % link], "col": end("see ")},
             ":AwCite markdown on an arxiv.org URL")
    check_eq(cmd["prefixed"]["lines"], ["cf. %s, and more" % link],
             ":AwCite markdown on arXiv:ID")
    check_eq(cmd["paren"]["lines"], ["(%s)." % link], ":AwCite markdown on (ID).")
    check_eq(cmd["pdf"]["lines"], ["pdf: " + link], ":AwCite markdown on a PDF URL")
    check_eq(cmd["bibtex"]["lines"], ["see https://arxiv.org/abs/2401.04088 here"] + bib,
             ":AwCite bibtex on an id")
    check_eq(cmd["messages"], [], "messages of :AwCite")
    check_eq(key["word"], {"lines": ["MoE %s papers:" % link], "col": end("MoE ")},
             "m with the cursor on a word")
    check_eq(key["again"], ["MoE %s %s papers:" % (link, link)],
             "m again with the cursor at the end of the link")
    check_eq(key["blank"]["lines"], ["MoE %s papers" % link], "m with the cursor on a blank")
    check_eq(key["other_id"]["lines"], ["see 2312.00752 %s too" % link],
             "m with the cursor on another id")
    check_eq(key["same_id"]["lines"], ["see %s here" % link], "m on the cited id")
    check_eq(key["empty"]["lines"], [link], "m on an empty line")
    repo = fx.rpc("search", {"q": "openmoe", "limit": 2})["hits"][1]
    check_eq(key["repo_id"], repo["id"], "precondition: the second hit for openmoe")
    check_eq(key["own_url"]["lines"], ["code: <[%s](%s)>." % (repo["title"], repo["url"])],
             "m on the entry's own URL written in another case")
    check_eq(res["messages"], [], "messages")


def test_related_line_range(fx):
    """:N,MAwRelated takes lines N to M whole, whatever the last visual
    selection was; an empty range is one message."""
    both = [h["id"] for h in fx.rpc("related", {"text": "\n".join(MOE_LINES),
                                                 "limit": 10})["hits"]]
    second = [h["id"] for h in fx.rpc("related", {"text": MOE_LINES[1],
                                                   "limit": 10})["hits"]]
    check(both and second and both != second, "precondition: related hits differ")
    res = fx.nvim("""
local lines = vim.fn.json_decode(%s)
local win = vim.api.nvim_get_current_win()
vim.api.nvim_buf_set_lines(0, 0, -1, false, { '', lines[1], lines[2] })
vim.cmd('2,3AwRelated')
out.both = ids(0)
out.header = vim.api.nvim_buf_get_lines(0, 0, 1, false)[1]
vim.api.nvim_set_current_win(win)
vim.cmd('normal! 2G0v3e\\27')
vim.cmd('3AwRelated')
out.second = ids(0)
vim.api.nvim_set_current_win(win)
vim.cmd('normal! 2G0\\22' .. '3G5l\\27')
vim.cmd("'<,'>AwRelated")
out.block = ids(0)
vim.api.nvim_set_current_win(win)
vim.cmd('1AwRelated')
out.empty = take_messages()
""" % lua_str(json.dumps(MOE_LINES)))
    check_eq(res["both"], both, ":2,3AwRelated")
    check(res["header"].startswith('related to "Sparse mixture of experts routing'),
          "header %r" % res["header"])
    check_eq(res["second"], second, ":3AwRelated after a selection on line 2")
    block = [h["id"] for h in fx.rpc("related", {"text": "Sparse\nso par",
                                                  "limit": 10})["hits"]]
    check(block != both, "precondition: a block gives other hits than its lines")
    check_eq(res["block"], block, "related to a blockwise selection")
    one_message({"messages": res["empty"]}, "empty")


def test_related_id_under_cursor_and_selection(fx):
    by_id = [h["id"] for h in fx.rpc("related", {"id": "2401.04088", "limit": 10})["hits"]]
    by_lines = [h["id"] for h in fx.rpc("related", {"text": "\n".join(MOE_LINES),
                                                     "limit": 10})["hits"]]
    by_words = [h["id"] for h in fx.rpc("related", {"text": "Sparse mixture of experts",
                                                     "limit": 10})["hits"]]
    check(by_id and by_lines and by_words, "precondition: related gave no hits")
    res = fx.nvim("""
local lines = vim.fn.json_decode(%s)
vim.api.nvim_buf_set_lines(0, 0, -1, false,
  { 'See arXiv:2401.04088v2 for MoE.', '', lines[1], lines[2] })
vim.api.nvim_win_set_cursor(0, { 1, 9 })
vim.cmd('AwRelated')
out.id_header = vim.api.nvim_buf_get_lines(0, 0, 1, false)[1]
out.by_id = ids(0)
vim.cmd('wincmd p')
vim.cmd('normal! 3GV4G\\27')
vim.cmd("'<,'>AwRelated")
out.by_lines = ids(0)
vim.cmd('wincmd p')
vim.cmd('normal! 3G0v4e\\27')
vim.cmd("'<,'>AwRelated")
out.words_header = vim.api.nvim_buf_get_lines(0, 0, 1, false)[1]
out.by_words = ids(0)
vim.api.nvim_win_set_cursor(0, { 3, 0 })
vim.cmd('AwRelated')
out.from_hit = ids(0)
out.hit = results.hits(0) and out.by_words[1]
""" % lua_str(json.dumps(MOE_LINES)))
    check(res["id_header"].startswith("related to 2401.04088:"), "header %r" % res["id_header"])
    check_eq(res["by_id"], by_id, "related to the id under the cursor")
    check_eq(res["by_lines"], by_lines, "related to a linewise selection")
    check(res["words_header"].startswith('related to "Sparse mixture of experts"'),
          "header %r" % res["words_header"])
    check_eq(res["by_words"], by_words, "related to a charwise selection")
    again = [h["id"] for h in fx.rpc("related", {"id": by_words[0], "limit": 10})["hits"]]
    check_eq(res["from_hit"], again, ":AwRelated on a hit in the results")


def test_completion_of_titles(fx):
    want = fx.rpc("suggest", {"prefix": "Mixt", "limit": 20})["completions"]
    check(want, "precondition: no completions for Mixt")
    res = fx.nvim("""
vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'read Mixt' })
vim.api.nvim_win_set_cursor(0, { 1, 9 })
out.start = vim.fn.AwsearchComplete(1, '')
out.words = {}
for _, item in ipairs(vim.fn.AwsearchComplete(0, 'Mixt')) do
  table.insert(out.words, item.word)
end
vim.bo.completefunc = 'AwsearchComplete'
vim.api.nvim_buf_set_lines(0, 0, -1, false, { '' })
vim.api.nvim_feedkeys(vim.api.nvim_replace_termcodes('iread Mixt<C-x><C-u><Esc>',
  true, false, true), 'xt', false)
out.line = vim.api.nvim_get_current_line()
""")
    check_eq(res["start"], 5, "completion start column")
    check_eq(res["words"], want, "completions")
    check_eq(res["line"], "read " + want[0], "line after <C-x><C-u>")
    check_eq(res["messages"], [], "messages")


def test_completion_of_several_words(fx):
    """A base of several words completes to whole titles only, not to the
    daemon's pairs of the earlier words and one title word."""
    want = fx.rpc("suggest", {"prefix": "scaling la", "limit": 20})["completions"]
    titles = {h["title"] for h in fx.rpc("search", {"q": "title:scaling",
                                                    "limit": 100})["hits"]}
    check(any(c not in titles for c in want) and any(c in titles for c in want),
          "precondition: suggest mixes titles and word pairs: %r" % want)
    res = fx.nvim("""
out.several, out.one = {}, {}
for _, item in ipairs(vim.fn.AwsearchComplete(0, 'scaling la')) do
  table.insert(out.several, item.word)
end
for _, item in ipairs(vim.fn.AwsearchComplete(0, 'la')) do
  table.insert(out.one, item.word)
end
""")
    check_eq(res["several"], [c for c in want if c in titles], "completions of 'scaling la'")
    one = fx.rpc("suggest", {"prefix": "la", "limit": 20})["completions"]
    check_eq(res["one"], one, "completions of 'la' (titles and words)")
    check_eq(res["messages"], [], "messages")


def test_errors_are_one_readable_message(fx):
    res = fx.nvim("""
out.steps = {}
vim.cmd('AwRelated 9999.99999')
out.steps.unknown = take_messages()
vim.api.nvim_buf_set_lines(0, 0, -1, false, { 'no identifier here' })
vim.cmd('AwRelated')
out.steps.no_id = take_messages()
vim.cmd('AwCite apa')
out.steps.style = take_messages()
aw.setup({ text_limit = 1 })
out.steps.option = take_messages()
aw.setup({ socket = %s })
aw.rpc.reset()
vim.cmd('AwSearch anything')
out.steps.no_daemon = take_messages()
out.steps.complete = vim.fn.AwsearchComplete(0, 'Mixt')
out.steps.complete_msg = take_messages()
""" % lua_str(fx.tmp.join("none.sock")))
    st = res["steps"]
    for step, parts in (("unknown", ("9999.99999", "not_found")),
                        ("no_id", ("arXiv id",)), ("style", ("apa",)),
                        ("option", ("text_limit",)),
                        ("no_daemon", ("no daemon", fx.tmp.join("none.sock"))),
                        ("complete_msg", ("no daemon",))):
        one_message({"messages": st[step]}, *parts)
    check_eq(st["complete"], [], "completions without a daemon")


def wait_gone(pid, timeout=10):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not os.path.exists("/proc/%d" % pid):
            return True
        time.sleep(0.05)
    return False


def stop_pidfile(path):
    """Stops the daemon whose pid is in PATH (one the plugin started)."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        pid = int(f.read().split()[0])
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return pid
    check(wait_gone(pid), "awsearchd %d did not exit after SIGTERM" % pid)
    return pid


def test_autostart_daemon(fx):
    sock, pidfile = fx.tmp.join("auto.sock"), fx.tmp.join("auto.pid")
    try:
        res = fx.nvim("""
vim.cmd('AwSearch mixture of experts')
out.ids = ids(0)
""", {"socket": sock, "autostart": True, "db": fx.db,
            "daemon": awstest.bin_path("awsearchd"), "daemon_args": ["--pidfile", pidfile]})
        check_eq(res["messages"], [], "messages")
        want = [h["id"] for h in fx.rpc("search", {"q": "mixture of experts",
                                                    "limit": 10})["hits"]]
        check_eq(res["ids"], want, "hits through the started daemon")
        check(os.path.exists(pidfile), "no daemon was started (no %s)" % pidfile)
    finally:
        stop_pidfile(pidfile)
    res = fx.nvim("vim.cmd('AwSearch anything')",
                  {"socket": fx.tmp.join("gone.sock"), "autostart": True,
                   "daemon": "no-such-awsearchd"})
    one_message(res, "no-such-awsearchd", "not installed")


def test_daemon_restart_and_stop(fx):
    """A daemon that restarts is reconnected to silently; one that is gone
    gives one message per command."""
    sock, pidfile = fx.tmp.join("re.sock"), fx.tmp.join("re.pid")
    first = awstest.Daemon(fx.tmp, fx.db, socket_path=sock, name="re").start()
    restart = "%s --socket %s --db %s --pidfile %s" % (
        awstest.bin_path("awsearchd"), sock, fx.db, pidfile)
    try:
        res = fx.nvim("""
vim.cmd('AwSearch mixture of experts')
out.before = ids(0)
os.execute('kill %d')
vim.wait(10000, function() return vim.loop.fs_stat(%s) == nil end, 20)
os.execute(%s)
vim.cmd('AwSearch mixture of experts')
out.after = ids(0)
out.quiet = take_messages()
os.execute('kill $(cat %s)')
vim.wait(10000, function() return vim.loop.fs_stat(%s) == nil end, 20)
vim.cmd('AwSearch mixture of experts')
out.gone = take_messages()
""" % (first.pid, lua_str(sock), lua_str(restart), pidfile, lua_str(sock)), {"socket": sock})
        check_eq(first.wait(), 0, "exit status of the first daemon")
        check(res["before"] and res["after"] == res["before"],
              "hits before %r and after the restart %r" % (res["before"], res["after"]))
        check_eq(res["quiet"], [], "messages across the restart")
        one_message({"messages": res["gone"]}, "no daemon", sock)
    finally:
        first.kill()
        stop_pidfile(pidfile)


if __name__ == "__main__":
    nvim = shutil.which("nvim")
    if not nvim or subprocess.run(["nvim", "--headless", "-u", "NONE", "-c",
                                   "if !has('nvim-0.7') | cquit | endif", "-c", "qa!"],
                                  stdin=subprocess.DEVNULL, timeout=30).returncode:
        print("SKIP: no Neovim 0.7 or later (Debian package neovim)")
        sys.exit(77)
    awstest.run_tests(globals(), setup=Fixture, teardown=lambda fx: fx.close())
