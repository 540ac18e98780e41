-- The voiden language server for vim.lsp.config / vim.lsp.enable (Neovim 0.11+).
return {
  cmd = { vim.g.voiden_lsp_cmd or "voiden-lsp" },
  filetypes = { "voiden" },
  root_markers = { "voiden.toml", ".voiden", ".git" },
  init_options = vim.g.voiden_settings or {},
  handlers = {
    ["voiden/events"] = function(_, params, ctx)
      require("voiden.output").on_events(params.events, ctx.client_id)
    end,
  },
}
