-- rpc.lua - awsearchd over Neovim's own msgpack-RPC channel.
--
-- One channel per Neovim, made with sockconnect(..., {rpc = true}) and kept
-- in this module; rpcrequest() does the talking.  When no daemon answers
-- the socket, awsearchd is started (it forks and its first process exits
-- once it listens) and the socket is polled until it connects.
--
-- Neovim reads an error reply only when it is a string or a [type, message]
-- array; awsearchd's {code, message} map reaches Lua as "unknown error".
-- So after a failed rpcrequest the same request (every method is read-only)
-- is sent once more on a plain libuv pipe with vim.mpack, which shows the
-- daemon's own message and code.  Nothing here raises: every function
-- returns a value, or nil and one readable line.
local M = {}

local config = {
  socket = nil,          -- nil: $AWSEARCH_SOCKET, else SPEC.md's default
  db = nil,              -- --db for a daemon started here
  daemon = 'awsearchd',  -- program to start
  daemon_args = {},      -- more arguments for it
  autostart = true,
  start_timeout = 3000,  -- ms to wait for a started daemon
  timeout = 10000,       -- ms for the error replay
}

local code_names = {
  'bad_request', 'unknown_method', 'query_syntax', 'not_found',
  'too_large', 'busy', 'internal', 'unavailable',
}

local chan = nil

local known = {
  socket = true, db = true, daemon = true, daemon_args = true,
  autostart = true, start_timeout = true, timeout = true,
}

-- Sets connection options; returns false and why on an unknown one.
function M.configure(opts)
  for k, v in pairs(opts or {}) do
    if not known[k] then
      return false, 'awsearch: unknown option "' .. tostring(k) .. '"'
    end
    config[k] = v
  end
  return true
end

-- The socket path: the option, $AWSEARCH_SOCKET, $XDG_RUNTIME_DIR/awsearch.sock
-- or /tmp/awsearch-$UID/awsearch.sock, as SPEC.md says.
function M.socket_path()
  if config.socket and config.socket ~= '' then
    return config.socket
  end
  local env = vim.env.AWSEARCH_SOCKET
  if env and env ~= '' then
    return env
  end
  local run = vim.env.XDG_RUNTIME_DIR
  if run and run ~= '' then
    return run .. '/awsearch.sock'
  end
  return '/tmp/awsearch-' .. vim.loop.getuid() .. '/awsearch.sock'
end

local function try_connect(path)
  if not vim.loop.fs_stat(path) then
    return nil
  end
  local ok, ch = pcall(vim.fn.sockconnect, 'pipe', path, { rpc = true })
  if ok and type(ch) == 'number' and ch > 0 then
    return ch
  end
  return nil
end

-- Starts the daemon on PATH and waits until it connects.  Returns a channel,
-- or nil and why.
local function start_daemon(path)
  local exe = vim.fn.exepath(config.daemon)
  if exe == '' then
    return nil, 'awsearch: no daemon on ' .. path .. ' and "' .. config.daemon ..
      '" is not installed'
  end
  local cmd = { exe, '--socket', path }
  if config.db then
    vim.list_extend(cmd, { '--db', config.db })
  end
  vim.list_extend(cmd, config.daemon_args)
  local errors, status = {}, nil
  local ok, job = pcall(vim.fn.jobstart, cmd, {
    on_stderr = function(_, data)
      for _, line in ipairs(data or {}) do
        if line ~= '' then
          table.insert(errors, line)
        end
      end
    end,
    on_exit = function(_, code)
      status = code
    end,
  })
  if not ok or job <= 0 then
    return nil, 'awsearch: cannot run ' .. exe
  end
  local ch = nil
  vim.wait(config.start_timeout, function()
    ch = try_connect(path)
    return ch ~= nil or (status ~= nil and status ~= 0)
  end, 20)
  if ch then
    return ch
  end
  if status ~= nil and status ~= 0 then
    return nil, 'awsearch: ' .. config.daemon .. ' failed: ' ..
      (errors[#errors] or ('exit status ' .. status))
  end
  return nil, 'awsearch: ' .. config.daemon .. ' did not listen on ' .. path ..
    ' within ' .. config.start_timeout .. ' ms'
end

-- The channel to the daemon, connecting (and starting it) when needed.
function M.channel()
  if chan then
    return chan
  end
  local path = M.socket_path()
  chan = try_connect(path)
  if chan then
    return chan
  end
  if not config.autostart then
    return nil, 'awsearch: no daemon is listening on ' .. path
  end
  local why
  chan, why = start_daemon(path)
  return chan, why
end

-- Sends [0, 1, METHOD, [ARGS]] on a fresh pipe and waits for the reply.
-- Returns the error map of the reply, or nil when there was none.
local function replay(method, args)
  local pipe = vim.loop.new_pipe(false)
  local buf, reply, done = '', nil, false
  pipe:connect(M.socket_path(), function(err)
    if err then
      done = true
      return
    end
    local params = args and { args } or {}
    pipe:write(vim.mpack.encode({ 0, 1, method, params }))
    pipe:read_start(function(rerr, chunk)
      if rerr or not chunk then
        done = true
        return
      end
      buf = buf .. chunk
      local ok, msg = pcall(vim.mpack.decode, buf)
      if ok then
        reply = msg
        done = true
      end
    end)
  end)
  vim.wait(config.timeout, function() return done end, 10)
  if not pipe:is_closing() then
    pipe:close()
  end
  if type(reply) == 'table' and type(reply[3]) == 'table' then
    return reply[3]
  end
  return nil
end

local function closed(err)
  return err:find('Invalid channel', 1, true) or err:find('closed', 1, true)
end

-- Calls METHOD with the map ARGS (nil: no arguments).  Returns the result,
-- or nil and one readable line.
function M.request(method, args)
  for _ = 1, 2 do
    local ch, why = M.channel()
    if not ch then
      return nil, why
    end
    local ok, res
    if args then
      ok, res = pcall(vim.fn.rpcrequest, ch, method, args)
    else
      ok, res = pcall(vim.fn.rpcrequest, ch, method)
    end
    if ok then
      return res
    end
    local err = tostring(res)
    if not closed(err) then
      local e = replay(method, args)
      if e and e.message then
        local name = code_names[e.code] or ('code ' .. tostring(e.code))
        return nil, 'awsearch: ' .. e.message .. ' (' .. name .. ')'
      end
      err = err:gsub('^Vim:', ''):gsub('\n', ' ')
      return nil, 'awsearch: ' .. method .. ': ' .. err
    end
    -- The daemon went away (restarted, stopped): connect once more.
    pcall(vim.fn.chanclose, ch)
    chan = nil
  end
  return nil, 'awsearch: the daemon closed the connection'
end

-- Forgets the channel (for tests and :AwSearch after a daemon restart).
function M.reset()
  if chan then
    pcall(vim.fn.chanclose, chan)
  end
  chan = nil
end

return M
