-- The live output: one buffer, a state line per session on top, then one line per event (direction,
-- time, size), with pretty JSON below it folded. It updates in place and never moves the cursor.
local M = { sessions = {}, order = {}, lines = {} }
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
  elseif e.size then
    table.insert(parts, size(e.size))
  end
  return table.concat(parts, " ")
end

local function state_of(session)
  return session.state
end

function M.on_events(events, _)
  for _, e in ipairs(events or {}) do
    local s = M.sessions[e.session]
    if not s then
      s = { id = e.session, request = e.request, state = "idle", sent = 0, received = 0, lines = {} }
      M.sessions[e.session] = s
      table.insert(M.order, e.session)
    end
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
    table.insert(s.lines, "  " .. describe(e))
    if (e.kind == "sent" or e.kind == "received") and e.data and e.data ~= "" then
      for _, line in ipairs(vim.split(e.data, "\n", { plain = true })) do
        table.insert(s.lines, "      " .. line)
      end
    end
  end
  M.render()
end

function M.render()
  local bufnr = buffer()
  local lines = {}
  for _, id in ipairs(M.order) do
    local s = M.sessions[id]
    table.insert(lines, string.format("%s %s: %s (%d sent, %d received)", id, s.request, state_of(s), s.sent,
      s.received))
  end
  table.insert(lines, string.rep("─", 40))
  for _, id in ipairs(M.order) do
    local s = M.sessions[id]
    table.insert(lines, "▶ " .. s.request .. " (" .. id .. ")")
    vim.list_extend(lines, s.lines)
  end
  vim.bo[bufnr].modifiable = true
  vim.api.nvim_buf_set_lines(bufnr, 0, -1, false, lines)
  vim.bo[bufnr].modifiable = false
  local win = vim.fn.bufwinid(bufnr)
  if win ~= -1 and win ~= vim.api.nvim_get_current_win() then
    vim.api.nvim_win_set_cursor(win, { #lines, 0 })
  end
end

function M.buffer_lines()
  return vim.api.nvim_buf_get_lines(buffer(), 0, -1, false)
end

return M
