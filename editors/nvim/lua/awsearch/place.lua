-- place.lua - where a citation goes in the line it is inserted into.
--
-- Pure functions of a line of text and a cursor column, so that init.lua
-- only applies what they decide.  The rule (doc/awsearch.txt,
-- |awsearch-insert|): when the WORD under the cursor holds the id or URL of
-- the entry being cited, that id or URL (with its arXiv: prefix, version,
-- arxiv.org URL around it) is replaced by the citation; otherwise the
-- citation goes after the end of the WORD under the cursor, or just after
-- the blank under the cursor, with one space between it and any text
-- touching it on either side.
local M = {}

-- The arXiv id forms recognised in text, new style first.
local id_patterns = { '%d%d%d%d%.%d%d%d%d%d?', '[%a%-]+/%d%d%d%d%d%d%d' }

-- Bytes that end a URL written in running text.
local url_chars = '[^%s%(%)%[%]<>"\']'

-- The first arXiv id in TEXT, with its first and last byte, or nil.
function M.find_id(text)
  for _, p in ipairs(id_patterns) do
    local s, e = text:find(p)
    if s then
      return text:sub(s, e), s, e
    end
  end
  return nil
end

local function is_blank(ch)
  return ch == '' or ch:match('^%s$') ~= nil
end

-- The WORD of LINE under byte COL (0-based) as its first and last byte
-- (1-based), or nil when the cursor is on a blank or past the end.
local function word_at(line, col)
  local i = col + 1
  if i > #line or is_blank(line:sub(i, i)) then
    return nil
  end
  local s, e = i, i
  while s > 1 and not is_blank(line:sub(s - 1, s - 1)) do
    s = s - 1
  end
  while e < #line and not is_blank(line:sub(e + 1, e + 1)) do
    e = e + 1
  end
  return s, e
end

-- The bytes of WORD (1-based, inclusive) that write the arXiv id ID in
-- any form: 2401.04088v2, arXiv:2401.04088, https://arxiv.org/abs/...,
-- .../pdf/2401.04088v1.pdf.  Nil when WORD holds another id or none, or
-- when the id is the target of a Markdown link already ("](url)"), which
-- must stay a link.
local function id_span(word, id)
  local found, s, e = M.find_id(word)
  if not found or found:lower() ~= id:lower() then
    return nil
  end
  local v = word:match('^v%d+', e + 1)
  if v then
    e = e + #v
  end
  local before = word:sub(1, s - 1)
  local url = before:find('https?://' .. url_chars .. '*$') or
      before:lower():find('[%w%.%-]*arxiv%.org/' .. url_chars .. '*$')
  if url then
    s = url
    if word:sub(e + 1, e + 4):lower() == '.pdf' then
      e = e + 4
    end
  elseif before:lower():match('arxiv:$') then
    s = s - 6
  end
  if word:sub(1, s - 1):match('%]%($') then
    return nil
  end
  return s, e
end

-- The bytes of WORD that are URL, the entry's own link written bare or in
-- brackets, quotes or before punctuation (compared in any case, with or
-- without a closing slash); nil when it is not there.
local function url_span(word, url)
  if not url or url == '' then
    return nil
  end
  local s = #word:match('^[%(%[<"\']*') + 1
  local e = #word - #word:match('[%)%]>"\'%.,;:!?]*$')
  -- Lists write hosts and GitHub names in any case.
  local core, want = word:sub(s, e):lower(), url:lower()
  if core ~= want and core .. '/' ~= want and core ~= want .. '/' then
    return nil
  end
  if word:sub(1, s - 1):match('%]%($') then
    return nil
  end
  return s, e
end

-- Where TEXT (one line: the citation of the entry with id ID and URL)
-- goes in LINE with the cursor on byte COL (0-based).  Returns the 0-based
-- start and end (exclusive) bytes of LINE to replace and what to put there.
function M.inline(line, col, text, id, url)
  local ws, we = word_at(line, col)
  if ws then
    local word = line:sub(ws, we)
    local s, e
    if id and id ~= '' then
      s, e = id_span(word, id)
    end
    if not s then
      s, e = url_span(word, url)
    end
    if s then
      return ws + s - 2, ws + e - 1, text
    end
  end
  local at
  if ws then
    at = we
  else
    at = math.min(col + 1, #line)
  end
  if not is_blank(line:sub(at, at)) then
    text = ' ' .. text
  end
  if not is_blank(line:sub(at + 1, at + 1)) then
    text = text .. ' '
  end
  return at, at, text
end

return M
