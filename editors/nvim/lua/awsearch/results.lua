-- results.lua - the scratch buffer that lists hits, and what to do with one.
--
-- One buffer, "awsearch://results", is reused for every search.  Each hit
-- takes a few lines (title; authors, year, section and id; the snippet; the
-- URL); this module keeps, per buffer, the hits and which line belongs to
-- which hit, so that the keys below act on the hit under the cursor.  The
-- daemon marks matched terms with byte [offset, length] pairs into the
-- snippet, which become highlights at byte columns without any parsing.
local M = {}

local ns = vim.api.nvim_create_namespace('awsearch')
local indent = '   '

-- Per results buffer: { hits = {...}, line_hit = {line -> index}, origin = win }.
local state = {}

vim.cmd([[
  highlight default link AwsearchMatch Search
  highlight default link AwsearchTitle Title
  highlight default link AwsearchMeta Comment
  highlight default link AwsearchUrl Underlined
  highlight default link AwsearchHeader Statement
]])

local function val(x)
  if x == vim.NIL then
    return nil
  end
  return x
end

-- One line of text: newlines would split a buffer line, and replacing each
-- by one space keeps every byte offset of the snippet valid.
local function oneline(s)
  return (tostring(s):gsub('[\r\n]', ' '))
end

local function meta_line(hit)
  local parts = {}
  local authors = val(hit.authors) or {}
  if #authors > 0 then
    local shown = {}
    for i = 1, math.min(#authors, 3) do
      shown[i] = authors[i]
    end
    local s = table.concat(shown, ', ')
    if #authors > 3 then
      s = s .. ' et al.'
    end
    table.insert(parts, s)
  end
  if val(hit.year) then
    table.insert(parts, tostring(hit.year))
  end
  if val(hit.section) then
    table.insert(parts, '§ ' .. hit.section)
  end
  if val(hit.citations) then
    table.insert(parts, hit.citations .. ' citations')
  end
  table.insert(parts, (val(hit.kind) or '?') .. ' ' .. (val(hit.id) or '?'))
  return oneline(table.concat(parts, ' · '))
end

-- BUF as a real buffer number: nil and 0 mean the current buffer.
local function bufnr(buf)
  if not buf or buf == 0 then
    return vim.api.nvim_get_current_buf()
  end
  return buf
end

local function find_window(buf)
  for _, win in ipairs(vim.api.nvim_list_wins()) do
    if vim.api.nvim_win_get_buf(win) == buf then
      return win
    end
  end
  return nil
end

local function results_buffer()
  local buf = vim.fn.bufnr('awsearch://results')
  if buf > 0 and vim.api.nvim_buf_is_valid(buf) then
    return buf
  end
  buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_name(buf, 'awsearch://results')
  vim.api.nvim_buf_set_option(buf, 'bufhidden', 'hide')
  vim.api.nvim_buf_set_option(buf, 'filetype', 'awsearch')
  vim.api.nvim_create_autocmd('BufWipeout', {
    buffer = buf,
    callback = function() state[buf] = nil end,
  })
  return buf
end

-- Shows HITS (a list of SPEC.md hits) under the header line HEADER in the
-- results buffer, opened in a split unless a window shows it already.
-- ORIGIN is the window the command ran in, where citations go.  ACTIONS
-- maps keys to functions of (hit, origin).  Returns the buffer.
function M.show(header, hits, origin, actions)
  local buf = results_buffer()
  local lines, marks, line_hit = { header, '' }, {}, {}
  table.insert(marks, { 'AwsearchHeader', 0, 0, -1 })
  for i, hit in ipairs(hits) do
    local first = #lines
    local title = oneline(val(hit.title) or '(untitled)')
    local head = i .. '. '
    table.insert(lines, head .. title)
    table.insert(marks, { 'AwsearchTitle', #lines - 1, #head, -1 })
    table.insert(lines, indent .. meta_line(hit))
    table.insert(marks, { 'AwsearchMeta', #lines - 1, #indent, -1 })
    local snippet = val(hit.snippet)
    if snippet then
      snippet = oneline(snippet)
      table.insert(lines, indent .. snippet)
      for _, span in ipairs(val(hit.highlights) or {}) do
        local off, len = span[1], span[2]
        if type(off) == 'number' and type(len) == 'number' and off >= 0 and
            len > 0 and off + len <= #snippet then
          table.insert(marks, { 'AwsearchMatch', #lines - 1, #indent + off,
            #indent + off + len })
        end
      end
    end
    if val(hit.url) then
      table.insert(lines, indent .. oneline(hit.url))
      table.insert(marks, { 'AwsearchUrl', #lines - 1, #indent, -1 })
    end
    for l = first + 1, #lines do
      line_hit[l] = i
    end
    table.insert(lines, '')
  end
  if #hits == 0 then
    table.insert(lines, 'No results.')
  end

  vim.api.nvim_buf_set_option(buf, 'modifiable', true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, lines)
  vim.api.nvim_buf_set_option(buf, 'modifiable', false)
  vim.api.nvim_buf_clear_namespace(buf, ns, 0, -1)
  for _, m in ipairs(marks) do
    vim.api.nvim_buf_add_highlight(buf, ns, m[1], m[2], m[3], m[4])
  end
  state[buf] = { hits = hits, line_hit = line_hit, origin = origin }

  for key, fn in pairs(actions) do
    vim.keymap.set('n', key, function()
      local hit, from = M.current(buf)
      if hit then
        fn(hit, from)
      end
    end, { buffer = buf, nowait = true, silent = true })
  end
  vim.keymap.set('n', 'q', '<Cmd>close<CR>', { buffer = buf, nowait = true, silent = true })

  local win = find_window(buf)
  if win then
    vim.api.nvim_set_current_win(win)
  else
    vim.cmd('botright split')
    vim.api.nvim_win_set_buf(0, buf)
  end
  vim.api.nvim_win_set_cursor(0, { #hits > 0 and 3 or 1, 0 })
  return buf
end

-- The hit under the cursor in BUF (default: the current buffer) and the
-- window the search came from, or nil when the cursor is on no hit.
function M.current(buf)
  buf = bufnr(buf)
  local s = state[buf]
  if not s then
    return nil
  end
  local win = find_window(buf) or 0
  local line = vim.api.nvim_win_get_cursor(win)[1]
  local i = s.line_hit[line]
  if not i then
    return nil
  end
  return s.hits[i], s.origin
end

-- The hits shown in BUF (default: the current buffer), in order, or nil
-- when BUF is no results buffer.
function M.hits(buf)
  local s = state[bufnr(buf)]
  return s and s.hits
end

-- Whether BUF is a results buffer.
function M.is_results(buf)
  return state[bufnr(buf)] ~= nil
end

M.namespace = ns

return M
