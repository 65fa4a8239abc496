-- Neovim's built-in LSP client attached to `oomkb lsp`: open each file named in
-- OOMKB_FILES (space-separated), wait for diagnostics, write them to OOMKB_OUT as
-- "file lnum:col code href" lines (0-based lnum/col, as Neovim stores them).
local bin, root, out = vim.env.OOMKB_BIN, vim.env.OOMKB_ROOT, vim.env.OOMKB_OUT
local client = vim.lsp.start_client({
  name = "oomkb",
  cmd = { bin, "lsp", "--kb-url", "http://kb.test" },
  root_dir = root,
})
local lines = {}
for file in string.gmatch(vim.env.OOMKB_FILES, "%S+") do
  vim.cmd("edit " .. root .. "/" .. file)
  vim.lsp.buf_attach_client(0, client)
  vim.wait(45000, function() return #vim.diagnostic.get(0) > 0 end, 50) -- a deadline for a silent server, not a speed bound
  for _, d in ipairs(vim.diagnostic.get(0)) do
    local raw = (d.user_data and d.user_data.lsp) or {}
    local href = (raw.codeDescription or {}).href or "-"
    table.insert(lines, string.format("%s %d:%d %s %s", file, d.lnum, d.col, tostring(d.code), href))
  end
end
local f = io.open(out, "w")
f:write(table.concat(lines, "\n") .. "\n")
f:close()
vim.lsp.stop_client(client)
vim.cmd("qa!")
