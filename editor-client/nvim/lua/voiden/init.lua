-- Commands act through the server's own code lenses: the plugin never parses a request itself.
local M = {}

local function client(bufnr)
  return vim.lsp.get_clients({ bufnr = bufnr or 0, name = "voiden" })[1]
end

-- Lenses are fetched here rather than with vim.lsp.codelens.refresh, which drops a refresh asked for while
-- another is in flight: a session opening right after a BufEnter would then keep its stale "Connect" lens.
-- Every call sends a request; only the answer to the newest one is shown.
local lens_generation = {} --- @type table<integer, integer>

function M.refresh_lenses(bufnr)
  local c = client(bufnr)
  if not c or not vim.api.nvim_buf_is_loaded(bufnr) then
    return
  end
  local generation = (lens_generation[bufnr] or 0) + 1
  lens_generation[bufnr] = generation
  local params = { textDocument = vim.lsp.util.make_text_document_params(bufnr) }
  c:request("textDocument/codeLens", params, function(err, result, ctx)
    if lens_generation[bufnr] == generation and vim.api.nvim_buf_is_loaded(bufnr) then
      vim.lsp.codelens.on_codelens(err, result, ctx)
    end
  end, bufnr)
end

-- Neovim only logs a server that cannot start (:LspLog); the user is told once, in words, what to do.
local told_missing = false

local function server_found()
  local cmd = vim.g.voiden_lsp_cmd or "voiden-lsp"
  if vim.fn.executable(cmd) == 1 then
    return true
  end
  if not told_missing then
    told_missing = true
    -- scheduled: an error message inside the FileType autocommand would abort it
    vim.schedule_wrap(vim.notify)(
      ("voiden: cannot start the language server: `%s` is not an executable here. Install it (`pipx install "
        .. "voiden_lsp-*.whl`; in a checkout, `scripts/setup` makes .venv/bin/voiden-lsp) or set "
        .. "vim.g.voiden_lsp_cmd to its path; `:checkhealth voiden` says more"):format(cmd),
      vim.log.levels.ERROR
    )
  end
  return false
end

-- "Copy `NAME` as curl / grpcurl / ..." code actions carry `voiden.copyAs`: the server writes the text
-- (`voiden.export`), and it goes to the clipboard (`+`) when Neovim has one, and always to the unnamed register.
vim.lsp.commands["voiden.copyAs"] = function(command, ctx)
  local c = vim.lsp.get_client_by_id(ctx.client_id)
  if not c then
    return
  end
  c:request("workspace/executeCommand", { command = "voiden.export", arguments = command.arguments }, function(err, result)
    if err then
      vim.notify("voiden: " .. err.message, vim.log.levels.ERROR)
      return
    end
    vim.fn.setreg('"', result.text)
    local clipboard = pcall(vim.fn.setreg, "+", result.text) and vim.fn.has("clipboard") == 1
    local where = clipboard and "the clipboard" or 'the unnamed register (""p to paste)'
    local notes = #result.notes > 0 and (" (" .. table.concat(result.notes, "; ") .. ")") or ""
    vim.notify(("voiden: `%s` as %s is in %s%s"):format(command.arguments[2], command.arguments[3], where, notes))
  end, ctx.bufnr)
end

-- The history (runs kept by the server, outside the collection). A diff of two runs opens in a new tab: two
-- read-only scratch buffers side by side in diff mode, the older on the left.
local function scratch(name, text)
  local buf = vim.api.nvim_create_buf(false, true)
  vim.api.nvim_buf_set_lines(buf, 0, -1, false, vim.split(text, "\n", { plain = true, trimempty = true }))
  vim.bo[buf].bufhidden = "wipe"
  vim.bo[buf].modifiable = false
  pcall(vim.api.nvim_buf_set_name, buf, name)
  return buf
end

local function compare(c, uri, name, older, newer)
  local params = { uri = uri, request = name, older = older or vim.NIL, newer = newer or vim.NIL }
  c:request("voiden/compare", params, function(err, result)
    if err then
      vim.notify("voiden: " .. err.message, vim.log.levels.ERROR)
      return
    end
    vim.cmd("tabnew")
    local left = scratch("voiden://history/" .. result.older.id, result.older.text)
    vim.api.nvim_win_set_buf(0, left)
    vim.cmd("diffthis")
    vim.cmd("rightbelow vsplit")
    vim.api.nvim_win_set_buf(0, scratch("voiden://history/" .. result.newer.id, result.newer.text))
    vim.cmd("diffthis")
    if result.same then
      vim.notify(("voiden: %s and %s are the same"):format(result.older.id, result.newer.id))
    end
  end)
end

local function open_run(c, uri, id)
  c:request("voiden/historyRecord", { uri = uri, id = id }, function(err, result)
    if err then
      vim.notify("voiden: " .. err.message, vim.log.levels.ERROR)
      return
    end
    vim.cmd("botright split")
    vim.api.nvim_win_set_buf(0, scratch("voiden://history/" .. id .. ".txt", result.text))
  end)
end

-- A request's kept runs: one picked opens read-only; the first item compares the last two.
local function history(c, uri, name)
  c:request("voiden/history", { uri = uri, request = name }, function(err, result)
    if err then
      vim.notify("voiden: " .. err.message, vim.log.levels.ERROR)
      return
    end
    local items = {}
    if #result.runs >= 2 then
      table.insert(items, { label = "Compare the last two runs" })
    end
    for _, run in ipairs(result.runs) do
      local time = (run.duration and run.duration ~= vim.NIL) and (" · %d ms"):format(math.floor(run.duration + 0.5)) or ""
      table.insert(items, { label = ("%s · %s%s · %s · %s"):format(run.age, run.status, time, run.size, run.by), run = run })
    end
    vim.ui.select(items, {
      prompt = ("History of %s"):format(name),
      format_item = function(item)
        return item.label
      end,
    }, function(choice)
      if not choice then
        return
      end
      if choice.run then
        open_run(c, uri, choice.run.id)
      else
        compare(c, uri, name)
      end
    end)
  end)
end

vim.lsp.commands["voiden.history"] = function(command, ctx)
  local c = vim.lsp.get_client_by_id(ctx.client_id)
  if c then
    history(c, command.arguments[1], command.arguments[2])
  end
end

vim.lsp.commands["voiden.compare"] = function(command, ctx)
  local c = vim.lsp.get_client_by_id(ctx.client_id)
  if c then
    local args = command.arguments
    compare(c, args[1], args[2], args[3], args[4])
  end
end

-- "Load test...": users and duration (the front matter's as defaults), a confirmation for a host that is not
-- this machine, then the run as a session whose stats come into the output buffer.
local loopback = { ["127.0.0.1"] = true, localhost = true, ["::1"] = true }

vim.lsp.commands["voiden.load"] = function(command, ctx)
  local c = vim.lsp.get_client_by_id(ctx.client_id)
  if not c then
    return
  end
  local uri, details = command.arguments[1], command.arguments[2] or {}
  local function value(v, default)
    return (v ~= nil and v ~= vim.NIL) and tostring(v) or default
  end
  vim.ui.input({ prompt = "Load test: users ", default = value(details.users, "10") }, function(users)
    if not users or not users:match("^%d+$") then
      return
    end
    vim.ui.input({ prompt = "Load test: duration ", default = value(details.duration, "30s") }, function(duration)
      if not duration or duration == "" then
        return
      end
      local away = {}
      for _, host in ipairs(details.hosts or {}) do
        if not loopback[host] then
          table.insert(away, host)
        end
      end
      local yes = false
      if #away > 0 then
        local question = ("Load %s with %s users for %s? It is not this machine."):format(
          table.concat(away, ", "), users, duration)
        if vim.fn.confirm(question, "&Load it\n&Cancel", 2) ~= 1 then
          return
        end
        yes = true
      end
      require("voiden.output").open()
      local options = { users = tonumber(users), duration = duration, yes = yes }
      c:request("workspace/executeCommand", { command = "voiden.load", arguments = { uri, options } }, function(err)
        if err then
          vim.notify("voiden: " .. err.message, vim.log.levels.ERROR)
        end
      end)
    end)
  end)
end

local lens_at_cursor

-- `:VoidenHistory`: the runs of the request under the cursor.
function M.history()
  lens_at_cursor({ "voiden.history" }, "no kept runs of a request here: send it first", function(c, command)
    history(c, command.arguments[1], command.arguments[2])
  end)
end

-- `:VoidenDiff`: the last two runs of the request under the cursor; `:VoidenDiff ID`: that run and the newest.
function M.diff(id)
  lens_at_cursor({ "voiden.history" }, "no kept runs of a request here: send it twice first", function(c, command)
    compare(c, command.arguments[1], command.arguments[2], id ~= "" and id or nil, nil)
  end)
end

function M.attach(bufnr)
  server_found()
  vim.bo[bufnr].commentstring = "<!-- %s -->"
  vim.api.nvim_create_autocmd({ "BufEnter", "InsertLeave", "BufWritePost", "LspAttach" }, {
    buffer = bufnr,
    callback = function()
      M.refresh_lenses(bufnr)
    end,
  })
end

-- The code lens nearest above the cursor whose command is one of `commands`; `missing` says, in the user's
-- words, what is not there when there is none.
function lens_at_cursor(commands, missing, callback)
  local bufnr = vim.api.nvim_get_current_buf()
  local c = client(bufnr)
  if not c then
    vim.notify("voiden: the language server is not running for this buffer", vim.log.levels.WARN)
    return
  end
  local line = vim.api.nvim_win_get_cursor(0)[1] - 1
  local params = { textDocument = vim.lsp.util.make_text_document_params(bufnr) }
  c:request("textDocument/codeLens", params, function(err, lenses)
    if err then
      vim.notify("voiden: " .. err.message, vim.log.levels.ERROR)
      return
    end
    local best
    for _, lens in ipairs(lenses or {}) do
      local cmd = lens.command
      if cmd and vim.tbl_contains(commands, cmd.command) and lens.range.start.line <= line then
        if not best or lens.range.start.line >= best.range.start.line then
          best = lens
        end
      end
    end
    if not best then
      vim.notify("voiden: " .. missing, vim.log.levels.WARN)
      return
    end
    callback(c, best.command)
  end, bufnr)
end

local function execute(c, command)
  require("voiden.output").open()
  c:request("workspace/executeCommand", { command = command.command, arguments = command.arguments }, function(err)
    if err then
      vim.notify("voiden: " .. err.message, vim.log.levels.ERROR)
    end
  end)
end

function M.run()
  lens_at_cursor(
    { "voiden.run", "voiden.connect" },
    "no request to send here: put the cursor in a request block (or below its heading)",
    execute
  )
end

M.connect = M.run

-- The expect block under the cursor: its request run as a test (a stream closes once it is judged); the
-- verdicts come as check lines in the output and as diagnostics on the failed lines.
function M.test()
  lens_at_cursor(
    { "voiden.test" },
    "no expectations here: put the cursor in an expect block",
    execute
  )
end

-- The message block under the cursor; or, with an argument, that text typed as a message on the session
-- of the request under the cursor (`:VoidenSend {"ping": 1}`).
function M.send(text)
  if text and text ~= "" then
    lens_at_cursor({ "voiden.close", "voiden.cancel" }, "no open session here: connect the request first", function(c, command)
      local uri = vim.uri_from_bufnr(0)
      execute(c, { command = "voiden.send", arguments = { command.arguments[1], uri, vim.NIL, text } })
    end)
    return
  end
  lens_at_cursor(
    { "voiden.send" },
    "no message block to send here: put the cursor in a message block of an open session",
    execute
  )
end

function M.close()
  lens_at_cursor({ "voiden.close" }, "no open session to close here", execute)
end

function M.cancel()
  lens_at_cursor({ "voiden.cancel" }, "no running session to cancel here", execute)
end

local function select_env(c, name)
  c:request("workspace/executeCommand", { command = "voiden.selectEnv", arguments = { name or vim.NIL } }, function(err, result)
    if err then
      vim.notify("voiden: " .. err.message, vim.log.levels.ERROR)
    else
      vim.notify("voiden: environment " .. tostring(result and result.env ~= vim.NIL and result.env or "default"))
    end
  end)
end

-- `:VoidenEnv NAME` picks that environment; `:VoidenEnv` offers the collection's with vim.ui.select.
function M.env(name)
  local c = client()
  if not c then
    vim.notify("voiden: the language server is not running for this buffer", vim.log.levels.WARN)
    return
  end
  if name and name ~= "" then
    select_env(c, name)
    return
  end
  c:request("voiden/environments", { uri = vim.uri_from_bufnr(0) }, function(err, result)
    if err then
      vim.notify("voiden: " .. err.message, vim.log.levels.ERROR)
      return
    end
    local names = (result and result.environments) or {}
    if #names == 0 then
      vim.notify("voiden: this collection has no environments (add [env.NAME] to voiden.toml)", vim.log.levels.WARN)
      return
    end
    local current = result.current ~= vim.NIL and result.current or nil
    vim.ui.select(names, {
      prompt = "Voiden environment",
      format_item = function(item)
        return item == current and (item .. " (current)") or item
      end,
    }, function(choice)
      if choice then
        select_env(c, choice)
      end
    end)
  end)
end

function M.sessions()
  local c = client()
  if not c then
    return
  end
  c:request("voiden/sessions", {}, function(err, result)
    if err then
      vim.notify("voiden: " .. err.message, vim.log.levels.ERROR)
      return
    end
    local output = require("voiden.output")
    for _, session in ipairs(result.sessions or {}) do
      output.on_events(session.events, c.id)
    end
    output.open()
  end)
end

return M
