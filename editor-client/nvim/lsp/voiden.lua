-- The voiden language server for vim.lsp.config / vim.lsp.enable (Neovim 0.11+).
local capabilities = vim.lsp.protocol.make_client_capabilities()
-- Neovim 0.11 neither declares nor handles `workspace/codeLens/refresh`: without it the lenses would not
-- follow a session opening or closing. The handler below makes the declaration true.
capabilities.workspace.codeLens = { refreshSupport = true }

return {
  cmd = { vim.g.voiden_lsp_cmd or "voiden-lsp" },
  filetypes = { "voiden" },
  root_markers = { "voiden.toml", ".voiden", ".git" },
  init_options = vim.g.voiden_settings or {},
  capabilities = capabilities,
  on_exit = function(code, signal)
    if code ~= 0 and signal == 0 then -- a crash or a failed start; a stop asked for exits 0
      vim.schedule(function()
        vim.notify(
          ("voiden: the language server stopped with exit code %d: see :LspLog, and `:checkhealth voiden`"):format(code),
          vim.log.levels.ERROR
        )
      end)
    end
  end,
  handlers = {
    ["voiden/events"] = function(_, params, ctx)
      require("voiden.output").on_events(params.events, ctx.client_id)
    end,
    ["workspace/codeLens/refresh"] = function(_, _, ctx)
      local client = vim.lsp.get_client_by_id(ctx.client_id)
      for bufnr in pairs(client and client.attached_buffers or {}) do
        require("voiden").refresh_lenses(bufnr)
      end
      return vim.NIL
    end,
  },
}
