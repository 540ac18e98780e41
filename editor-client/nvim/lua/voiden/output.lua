-- The live output: one buffer, a state line per session on top, then one line per event (session, time,
-- direction, size) in arrival order, with its payload below it folded (JSON made readable here). Batches are appended, never
-- rendered again, and the cursor in the document never moves.
local M = { sessions = {}, order = {} }
local BUFNAME = "voiden://output"

local function buffer()
  local bufnr = vim.fn.bufnr(BUFNAME)
  if bufnr == -1 then
    bufnr = vim.api.nvim_create_buf(false, true)
    vim.api.nvim_buf_set_name(bufnr, BUFNAME)
    vim.bo[bufnr].filetype = "voidenoutput"
    vim.bo[bufnr].modifiable = false
  end
  return bufnr
end

function M.open()
  local bufnr = buffer()
  if vim.fn.bufwinid(bufnr) ~= -1 then
    return
  end
  local current = vim.api.nvim_get_current_win()
  vim.cmd("botright split")
  local win = vim.api.nvim_get_current_win()
  vim.api.nvim_win_set_buf(win, bufnr)
  vim.api.nvim_win_set_height(win, 15)
  vim.wo[win].foldmethod = "indent"
  vim.wo[win].foldlevel = 0
  vim.wo[win].wrap = false
  vim.api.nvim_set_current_win(current)
end

local ARROWS = { sent = "→", received = "←", connecting = "…", open = "●", status = "=", trailers = "+",
  error = "✗", closed = "■" }

local function size(n)
  if not n then
    return ""
  elseif n < 1024 then
    return n .. " B"
  end
  return string.format("%.1f KB", n / 1024)
end

local function describe(e)
  local parts = { string.format("%8.1f ms", e.time or 0), ARROWS[e.kind] or "?", e.kind }
  if e.event then
    table.insert(parts, "[" .. e.event .. "]")
  end
  if e.kind == "connecting" then
    table.insert(parts, e.target or "")
  elseif e.kind == "status" then
    table.insert(parts, tostring(e.code) .. " " .. (e.message or ""))
  elseif e.kind == "error" then
    table.insert(parts, e.message or "")
  elseif e.kind == "closed" then
    table.insert(parts, "by " .. (e.by or "?") .. " " .. (e.reason or ""))
  elseif e.kind == "check" then
    parts[2] = e.passed == true and "✔" or "✘"
    local said = e.passed == true and e.text or e.message
    table.insert(parts, (said or "") .. "  (line " .. tostring(e.line or "?") .. ")")
  elseif e.size then
    table.insert(parts, size(e.size))
  end
  return table.concat(parts, " ")
end

-- A decoded JSON payload as text, object keys sorted (a Lua table keeps no order): compact when `indent` is
-- nil, else indented by it.
local function encode(value, indent, depth)
  if value == nil or value == vim.NIL then
    return "null"
  elseif type(value) ~= "table" then
    return vim.json.encode(value)
  end
  depth = depth or 0
  if next(value) == nil then
    return getmetatable(value) == getmetatable(vim.empty_dict()) and "{}" or "[]"
  end
  local pad = indent and ("\n" .. string.rep(" ", indent * (depth + 1))) or ""
  local close = indent and ("\n" .. string.rep(" ", indent * depth)) or ""
  local parts = {}
  local islist = vim.islist or vim.tbl_islist
  if islist(value) then
    for _, item in ipairs(value) do
      table.insert(parts, pad .. encode(item, indent, depth + 1))
    end
    return "[" .. table.concat(parts, ",") .. close .. "]"
  end
  local keys = vim.tbl_keys(value)
  table.sort(keys, function(x, y)
    return tostring(x) < tostring(y)
  end)
  for _, key in ipairs(keys) do
    table.insert(parts, pad .. vim.json.encode(tostring(key)) .. (indent and ": " or ":") .. encode(value[key], indent, depth + 1))
  end
  return "{" .. table.concat(parts, ",") .. close .. "}"
end

-- The lines a payload shows under its event, made here at display time (the server sends values): JSON on
-- one line when it fits in 100 characters, else indented; text as it came; binary as its base64.
-- A load run's figures (`voiden.load`: events `stats` and `final`) as a table, a row per request and the total.
local function load_table(data)
  local lines = { string.format("%-28s%9s%7s%9s%7s%7s%7s", "request", "reqs", "fails", "rps", "p50", "p95", "p99") }
  local function row(name, r)
    table.insert(lines, string.format("%-28s%9d%7d%9.1f%7.0f%7.0f%7.0f", name:sub(1, 27), r.requests or 0,
      r.failures or 0, r.rps or 0, r.p50 or 0, r.p95 or 0, r.p99 or 0))
  end
  local names = vim.tbl_keys(data.requests or {})
  table.sort(names)
  for _, name in ipairs(names) do
    row(name, data.requests[name])
  end
  row("total", data.total or {})
  return lines
end

local function payload_lines(e)
  if (e.event == "stats" or e.event == "final") and type(e.data) == "table" and type(e.data.total) == "table" then
    return load_table(e.data)
  end
  local text
  if e.encoding == "json" then
    text = encode(e.data)
    if #text > 100 then
      text = encode(e.data, 2)
    end
  elseif type(e.data) == "string" then
    text = e.data
  else
    return {}
  end
  if text == "" then
    return {}
  end
  local lines = vim.split(text, "\n", { plain = true })
  if e.encoding == "base64" then
    table.insert(lines, 1, "(binary, base64)")
  end
  if e.truncated then
    table.insert(lines, "… cut (" .. size(e.size) .. " in all)")
  end
  return lines
end

M.payload_lines = payload_lines

local function state_line(s)
  return string.format("%s %s: %s (%d sent, %d received)", s.id, s.request, s.state, s.sent, s.received)
end

local function set_lines(bufnr, first, last, lines)
  vim.bo[bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(bufnr, first, last, false, lines)
  vim.bo[bufnr].modifiable = false
end

-- Events wait here and are shown CHUNK at a time, each chunk in a turn of Neovim's loop of its own: a batch
-- of 500 messages with their JSON is thousands of lines, and typing must not wait for all of them.
local CHUNK = 100
local queue, head, tail, draining = {}, 1, 0, false -- queue[head..tail] waits; shown entries are let go

local function drain()
  local chunk = {}
  while head <= tail and #chunk < CHUNK do
    table.insert(chunk, queue[head])
    queue[head] = nil
    head = head + 1
  end
  local ok, err = pcall(M.show, chunk)
  if not ok then
    vim.notify("voiden: the output could not show some events: " .. tostring(err), vim.log.levels.WARN)
  end
  if head <= tail then
    vim.schedule(drain)
  else
    queue, head, tail, draining = {}, 1, 0, false
  end
end

function M.on_events(events, _)
  for _, e in ipairs(events or {}) do
    tail = tail + 1
    queue[tail] = e
  end
  if not draining and head <= tail then
    draining = true
    drain()
  end
end

-- The buffer is a state line per session, a rule, then the log, oldest first. A chunk changes only what it
-- must: the state lines of its sessions, a state line for a new session, and its own lines appended at the
-- end. What is already there is never rendered again, so a long stream costs each chunk its own lines.
function M.show(events)
  local bufnr = buffer()
  if vim.api.nvim_buf_line_count(bufnr) == 1 and #M.order == 0 then
    set_lines(bufnr, 0, -1, { string.rep("─", 40) })
  end
  local appended, changed = {}, {}
  for _, e in ipairs(events or {}) do
    local s = M.sessions[e.session]
    if not s then
      s = { id = e.session, request = e.request, state = "idle", sent = 0, received = 0, seq = 0,
        row = #M.order }
      M.sessions[e.session] = s
      table.insert(M.order, e.session)
      set_lines(bufnr, s.row, s.row, { state_line(s) })
      table.insert(appended, "▶ " .. s.request .. " (" .. s.id .. ")")
    end
    -- `:VoidenSessions` sends the retained log again: what was shown already is skipped by its seq
    if not e.seq or e.seq > s.seq then
      s.seq = e.seq or s.seq
      if e.kind == "connecting" then
        s.state = "connecting"
      elseif e.kind == "open" then
        s.state = "open"
      elseif e.kind == "error" then
        s.state = "failed"
      elseif e.kind == "closed" and s.state ~= "failed" then
        s.state = "closed"
      elseif e.kind == "sent" then
        s.sent = s.sent + 1
      elseif e.kind == "received" then
        s.received = s.received + 1
      end
      changed[s.id] = s
      table.insert(appended, s.id .. " " .. describe(e))
      if (e.kind == "sent" or e.kind == "received") and e.data ~= nil then
        for _, line in ipairs(payload_lines(e)) do
          table.insert(appended, "      " .. line)
        end
      end
    end
  end
  for _, s in pairs(changed) do
    set_lines(bufnr, s.row, s.row + 1, { state_line(s) })
  end
  if #appended > 0 then
    set_lines(bufnr, -1, -1, appended)
  end
  local win = vim.fn.bufwinid(bufnr)
  if win ~= -1 and win ~= vim.api.nvim_get_current_win() then
    vim.api.nvim_win_set_cursor(win, { vim.api.nvim_buf_line_count(bufnr), 0 })
  end
end

-- The output's lines; with `last`, only its last `last` lines.
function M.buffer_lines(last)
  local bufnr = buffer()
  local first = last and math.max(0, vim.api.nvim_buf_line_count(bufnr) - last) or 0
  return vim.api.nvim_buf_get_lines(bufnr, first, -1, false)
end

return M
