-- `:checkhealth voiden`: is the server there (and which version), is this Neovim new enough, are `.voiden`
-- files seen as voiden, and can Markdown be highlighted. Each failure says what to do.
local M = {}

function M.check()
  local health = vim.health
  health.start("voiden")
  local v = vim.version()
  local version = string.format("%d.%d.%d", v.major, v.minor, v.patch)
  if vim.fn.has("nvim-0.11") == 1 then
    health.ok("Neovim " .. version)
  else
    health.error("Neovim " .. version .. ": the plugin needs 0.11 or newer (vim.lsp.config / vim.lsp.enable)")
  end

  local cmd = vim.g.voiden_lsp_cmd or "voiden-lsp"
  if vim.fn.executable(cmd) == 1 then
    local result = vim.system({ cmd, "--version" }, { text = true }):wait(20000)
    local said = vim.trim((result.stdout or "") .. (result.stderr or ""))
    if result.code == 0 and said:match("^voiden%-lsp ") then
      health.ok("server: " .. said .. " (" .. vim.fn.exepath(cmd) .. ")")
    else
      health.error(
        "server `" .. cmd .. "` did not answer `--version` (" .. said .. ")",
        { "install it (`pipx install /path/to/voiden-lsp`) or set vim.g.voiden_lsp_cmd to its path" }
      )
    end
  else
    health.error(
      "server `" .. cmd .. "` not found",
      { "install it (`pipx install /path/to/voiden-lsp`) or set vim.g.voiden_lsp_cmd to its path" }
    )
  end

  local clients = vim.lsp.get_clients({ name = "voiden" })
  if #clients > 0 then
    health.ok("the language server is running (" .. #clients .. " client" .. (#clients > 1 and "s" or "") .. ")")
  else
    health.info("the language server is not running now: it starts with the first .voiden buffer")
  end

  local voiden = vim.filetype.match({ filename = "api.voiden" })
  local void = vim.filetype.match({ filename = "api.void" })
  if voiden == "voiden" and void == "voiden" then
    health.ok("filetype: .voiden and .void files are `voiden`")
  else
    health.error(
      "filetype: .voiden is `" .. tostring(voiden) .. "`, .void is `" .. tostring(void) .. "`",
      { "load the plugin (its plugin/voiden.lua registers the filetype)" }
    )
  end

  if pcall(vim.treesitter.language.add, "markdown") then
    health.ok("Markdown treesitter parser: voiden buffers are highlighted as Markdown")
  else
    health.warn(
      "no Markdown treesitter parser: voiden buffers keep Vim's own syntax",
      { "install one (`:TSInstall markdown markdown_inline` with nvim-treesitter)" }
    )
  end
end

return M
