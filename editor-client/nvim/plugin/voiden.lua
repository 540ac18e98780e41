-- voiden: filetype, the language server, code lenses and commands. Format knowledge stays in the server.
if vim.g.loaded_voiden then
  return
end
vim.g.loaded_voiden = true

vim.filetype.add({ extension = { voiden = "voiden", void = "voiden" } })
pcall(vim.treesitter.language.register, "markdown", "voiden")

vim.api.nvim_create_autocmd("FileType", {
  pattern = "voiden",
  callback = function(args)
    require("voiden").attach(args.buf)
  end,
})

if vim.g.voiden_no_auto_enable ~= true then
  vim.lsp.enable("voiden")
end

for name, fn in pairs({
  VoidenRun = "run",
  VoidenConnect = "connect",
  VoidenTest = "test",
  VoidenSend = "send",
  VoidenClose = "close",
  VoidenCancel = "cancel",
  VoidenSessions = "sessions",
  VoidenHistory = "history",
  VoidenDiff = "diff",
}) do
  vim.api.nvim_create_user_command(name, function(opts)
    require("voiden")[fn](opts.args)
  end, { nargs = "?" })
end
vim.api.nvim_create_user_command("VoidenEnv", function(opts)
  require("voiden").env(opts.args)
end, { nargs = "?" })
