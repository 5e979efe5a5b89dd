-- init.lua - awsearch in Neovim: search, related papers, citations, completion.
--
-- Every command talks to awsearchd through rpc.lua and shows hits through
-- results.lua.  A failure (no daemon, an error reply, nothing under the
-- cursor) is one vim.notify line at ERROR level, never a Lua traceback.
local rpc = require('awsearch.rpc')
local results = require('awsearch.results')
local place = require('awsearch.place')

local M = {}

local options = {
  limit = 20,              -- hits per search or related list
  suggest_limit = 20,      -- completions per request
  open_cmd = nil,          -- argv prefix the URL is appended to; nil: xdg-open/open
}

local function fail(msg)
  vim.notify(msg, vim.log.levels.ERROR)
end

local function val(x)
  if x == vim.NIL then
    return nil
  end
  return x
end

-- setup{...}: options of this module (limit, suggest_limit, open_cmd) and
-- of the connection (socket, db, daemon, daemon_args, autostart,
-- start_timeout, timeout).
function M.setup(opts)
  local conn = {}
  for k, v in pairs(opts or {}) do
    if options[k] ~= nil or k == 'open_cmd' then
      options[k] = v
    else
      conn[k] = v
    end
  end
  local ok, why = rpc.configure(conn)
  if not ok then
    fail(why)
  end
end

local function open_url(url)
  if not url then
    return fail('awsearch: this entry has no URL')
  end
  local cmd = options.open_cmd
  if not cmd then
    cmd = { vim.fn.has('mac') == 1 and 'open' or 'xdg-open' }
  end
  cmd = vim.list_extend(vim.deepcopy(cmd), { url })
  if vim.fn.executable(cmd[1]) ~= 1 then
    vim.fn.setreg('"', url)
    return fail('awsearch: no ' .. cmd[1] .. ' to open ' .. url .. ' (copied to the " register)')
  end
  local ok, job = pcall(vim.fn.jobstart, cmd, { detach = true })
  if not ok or job <= 0 then
    fail('awsearch: cannot run ' .. cmd[1])
  end
end

-- Opens the list file at the entry's line (the stored "source", FILE:LINE)
-- in the window the search came from; the URL when the file is not here.
local function jump(hit, origin)
  local entry, why = rpc.request('get', { id = hit.id })
  if not entry then
    return fail(why)
  end
  local file, line = tostring(val(entry.source) or ''):match('^(.*):(%d+)$')
  if not file or vim.fn.filereadable(file) ~= 1 then
    return open_url(val(hit.url))
  end
  if origin and vim.api.nvim_win_is_valid(origin) then
    vim.api.nvim_set_current_win(origin)
  end
  -- :edit refuses when the window's buffer has unsaved changes and
  -- 'hidden' is off; that is a message, not an error of the plugin.
  local ok, err = pcall(vim.cmd, 'edit ' .. vim.fn.fnameescape(file))
  if not ok then
    return fail('awsearch: ' .. tostring(err):gsub('^Vim%(edit%):', ''))
  end
  -- The list may have changed since it was indexed.
  local last = vim.api.nvim_buf_line_count(0)
  vim.api.nvim_win_set_cursor(0, { math.min(tonumber(line), last), 0 })
end

-- The window a citation goes into: WIN when it still exists, else the
-- current one; nil (after one message, with TEXT in the " register) when
-- that window's buffer cannot take text.
local function target_window(win, text)
  if not (win and vim.api.nvim_win_is_valid(win)) then
    win = vim.api.nvim_get_current_win()
  end
  local buf = vim.api.nvim_win_get_buf(win)
  if results.is_results(buf) or not vim.api.nvim_buf_get_option(buf, 'modifiable') then
    vim.fn.setreg('"', text)
    fail('awsearch: no buffer to insert into; the text is in the " register')
    return nil
  end
  return win
end

-- Puts the one-line citation TEXT of the entry (ID, URL) into window WIN
-- as place.lua decides (over the id under the cursor, else after the WORD
-- under it) and leaves the cursor on its last byte.
local function insert_inline(win, text, id, url)
  win = target_window(win, text)
  if not win then
    return
  end
  local buf = vim.api.nvim_win_get_buf(win)
  local row = vim.api.nvim_win_get_cursor(win)[1]
  local line = vim.api.nvim_buf_get_lines(buf, row - 1, row, false)[1] or ''
  local from, to, put = place.inline(line, vim.api.nvim_win_get_cursor(win)[2], text, id, url)
  vim.api.nvim_buf_set_text(buf, row - 1, from, row - 1, to, { put })
  vim.api.nvim_set_current_win(win)
  local last = from + #put - #put:match('%s*$') - 1
  vim.api.nvim_win_set_cursor(win, { row, math.max(last, 0) })
end

-- Puts the lines LINES (a BibTeX entry) into window WIN below the cursor
-- line: a block of lines never splits a line of text.
local function insert_lines(win, lines)
  win = target_window(win, table.concat(lines, '\n'))
  if not win then
    return
  end
  local row = vim.api.nvim_win_get_cursor(win)[1]
  vim.api.nvim_buf_set_lines(vim.api.nvim_win_get_buf(win), row, row, false, lines)
  vim.api.nvim_set_current_win(win)
end

-- Inserts the citation of HIT ({id, title, url}) in STYLE: "bibtex" asks
-- the daemon's cite, "markdown" makes [title](url).
local function cite(hit, origin, style)
  if style == 'markdown' then
    local title, url = val(hit.title), val(hit.url)
    if not (title and url) then
      local entry, why = rpc.request('get', { id = hit.id })
      if not entry then
        return fail(why)
      end
      title, url = val(entry.title) or hit.id, val(entry.url) or ''
    end
    local link = '[' .. title:gsub('[%[%]]', '') .. '](' .. url .. ')'
    return insert_inline(origin, link, hit.id, url)
  end
  local res, why = rpc.request('cite', { id = hit.id, style = 'bibtex' })
  if not res then
    return fail(why)
  end
  insert_lines(origin, vim.split(res.text:gsub('\n$', ''), '\n', { plain = true }))
end

local show_related

local actions = {
  ['<CR>'] = jump,
  o = function(hit) open_url(val(hit.url)) end,
  gx = function(hit) open_url(val(hit.url)) end,
  c = function(hit, origin) cite(hit, origin, 'bibtex') end,
  m = function(hit, origin) cite(hit, origin, 'markdown') end,
  r = function(hit, origin) show_related({ id = hit.id }, origin) end,
}

local function origin_window()
  local win = vim.api.nvim_get_current_win()
  if results.is_results(vim.api.nvim_win_get_buf(win)) then
    local _, origin = results.current()
    return origin
  end
  return win
end

-- :AwSearch {query}
function M.search(q)
  if not q or q:match('^%s*$') then
    return fail('awsearch: :AwSearch needs a query')
  end
  local origin = origin_window()
  local res, why = rpc.request('search', { q = q, limit = options.limit })
  if not res then
    return fail(why)
  end
  local header = string.format('search "%s": %d of about %d (%.1f ms)', q,
    #res.hits, res.total, (res.took_us or 0) / 1000)
  if val(res.corrected) then
    header = header .. '; did you mean "' .. res.corrected .. '"?'
  end
  return results.show(header, res.hits, origin, actions)
end

show_related = function(args, origin)
  args.limit = options.limit
  local res, why = rpc.request('related', args)
  if not res then
    return fail(why)
  end
  local what = args.id
  if not what then
    local head = vim.fn.strcharpart(args.text, 0, 40):gsub('%s+', ' ')
    what = '"' .. head .. (vim.fn.strchars(args.text) > 40 and '…"' or '"')
  end
  return results.show(string.format('related to %s: %d (%.1f ms)', what, #res.hits,
    (res.took_us or 0) / 1000), res.hits, origin, actions)
end

-- The arXiv id (or arxiv.org URL) in the WORD under the cursor, or nil.
function M.id_under_cursor()
  return (place.find_id(vim.fn.expand('<cWORD>')))
end

-- The last byte of the character that starts at byte I of S: a charwise
-- selection ends on a whole character, however many bytes it takes.
local function char_end(s, i)
  while i < #s and s:byte(i + 1) >= 0x80 and s:byte(i + 1) < 0xC0 do
    i = i + 1
  end
  return i
end

-- The text of the last visual selection in the current buffer, as it was
-- selected: characterwise, linewise or blockwise (byte columns).
local function selection_text()
  local s, e = vim.fn.getpos("'<"), vim.fn.getpos("'>")
  local mode = vim.fn.visualmode()
  local lines = vim.api.nvim_buf_get_lines(0, s[2] - 1, e[2], false)
  if #lines == 0 then
    return ''
  end
  if mode == 'v' then
    lines[#lines] = lines[#lines]:sub(1, char_end(lines[#lines], e[3]))
    lines[1] = lines[1]:sub(s[3])
  elseif mode == '\22' then
    local first, last = math.min(s[3], e[3]), math.max(s[3], e[3])
    for i, l in ipairs(lines) do
      lines[i] = l:sub(first, char_end(l, last))
    end
  end
  return table.concat(lines, '\n')
end

-- The text of the range of a command (OPTS of a user command with range):
-- the last visual selection when the range is its lines (:'<,'>AwRelated,
-- which keeps a characterwise selection's partial lines), else the whole
-- lines LINE1 to LINE2 (:3,5AwRelated, :%AwRelated).
local function range_text(opts)
  local s, e = vim.fn.getpos("'<"), vim.fn.getpos("'>")
  if s[2] > 0 and s[2] == opts.line1 and e[2] == opts.line2 then
    return selection_text()
  end
  return table.concat(vim.api.nvim_buf_get_lines(0, opts.line1 - 1, opts.line2, false), '\n')
end

-- :AwRelated [id or text]; with a range, its lines or the visual selection
-- as text; with neither, the arXiv id under the cursor (or the hit under
-- it in results).
function M.related(opts)
  local origin = origin_window()
  local arg = opts and opts.args or ''
  if arg ~= '' then
    local id = arg:match('^%s*(%S+)%s*$')
    if id and (id:match('%d%d%d%d%.%d%d%d%d') or id:match('/')) then
      return show_related({ id = id }, origin)
    end
    return show_related({ text = arg }, origin)
  end
  if opts and opts.range and opts.range > 0 then
    local text = range_text(opts)
    if text:match('^%s*$') then
      return fail('awsearch: the range is empty (no text on lines ' .. opts.line1 ..
        '-' .. opts.line2 .. ')')
    end
    return show_related({ text = text }, origin)
  end
  local hit = results.current()
  if hit then
    return show_related({ id = hit.id }, origin)
  end
  local id = M.id_under_cursor()
  if not id then
    return fail('awsearch: no arXiv id under the cursor (select text for :AwRelated on a passage)')
  end
  return show_related({ id = id }, origin)
end

-- :AwCite [bibtex|markdown]: the hit under the cursor in the results (into
-- the window the search came from), else the arXiv id under the cursor;
-- where the text goes is insert_inline's and insert_lines's business.
function M.cite(opts)
  local style = opts and opts.args ~= '' and opts.args or 'bibtex'
  if style ~= 'bibtex' and style ~= 'markdown' then
    return fail('awsearch: :AwCite takes bibtex or markdown, not "' .. style .. '"')
  end
  local hit, origin = results.current()
  if hit then
    return cite(hit, origin, style)
  end
  local id = M.id_under_cursor()
  if not id then
    return fail('awsearch: no hit or arXiv id under the cursor')
  end
  return cite({ id = id }, vim.api.nvim_get_current_win(), style)
end

-- Whether COMPLETION, offered for the typed text BASE of several words, is
-- the daemon's completion of BASE's last word (BASE's earlier words in
-- lower case, then one title word) rather than a title: "scaling la" gives
-- "scaling lazerowitz", a pair of words found in no title together.
local function word_pair(completion, base)
  local head = base:match('^(.*%s)') or ''
  local rest = completion:sub(#head + 1)
  return completion:sub(1, #head) == vim.fn.tolower(head) and not rest:find('%s')
end

-- 'completefunc' for titles (through the AwsearchComplete wrapper).  The
-- word before the cursor completes to titles that start with it and to
-- title words; a BASE of several words (which a completion plugin may
-- pass) completes to whole titles that start with it only.
function M.complete(findstart, base)
  if findstart == 1 then
    local line = vim.api.nvim_get_current_line():sub(1, vim.api.nvim_win_get_cursor(0)[2])
    return (line:find('%S*$') or (#line + 1)) - 1
  end
  local res, why = rpc.request('suggest', { prefix = base, limit = options.suggest_limit })
  if not res then
    fail(why)
    return {}
  end
  local several = base:match('%S%s') ~= nil
  local items = {}
  for _, c in ipairs(res.completions) do
    if not (several and word_pair(c, base)) then
      table.insert(items, { word = c, menu = '[awsearch]' })
    end
  end
  return items
end

M.rpc = rpc

return M
