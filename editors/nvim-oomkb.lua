-- oomkb's language server in Neovim 0.7+ (no plugin): one server per project, the nearest
-- folder above the file with pyproject.toml or .git (else the file's folder), shared by every
-- Python buffer of that project. Put it in your init.lua (or `luafile` it).
-- vim.g.oomkb_cmd overrides the command (default: oomkb lsp).
local oomkb_clients = {} -- project root -> client id

local function oomkb_root(path)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  while true do
    if vim.fn.filereadable(dir .. "/pyproject.toml") == 1 or vim.fn.isdirectory(dir .. "/.git") == 1 then
      return dir
    end
    local parent = vim.fn.fnamemodify(dir, ":h")
    if parent == dir then
      return vim.fn.fnamemodify(path, ":p:h")
    end
    dir = parent
  end
end

vim.api.nvim_create_autocmd("FileType", {
  pattern = "python",
  callback = function(args)
    local name = vim.api.nvim_buf_get_name(args.buf)
    if name == "" then
      return
    end
    local root = oomkb_root(name)
    local id = oomkb_clients[root]
    if not id or not vim.lsp.get_client_by_id(id) then
      id = vim.lsp.start_client({
        name = "oomkb",
        cmd = vim.g.oomkb_cmd or { "oomkb", "lsp" },
        root_dir = root,
      })
      oomkb_clients[root] = id
    end
    vim.lsp.buf_attach_client(args.buf, id)
  end,
})

-- :OomkbFixAll applies every safe fix of the buffer (the server's source.fixAll.oomkb action).
vim.api.nvim_create_user_command("OomkbFixAll", function()
  local params = vim.lsp.util.make_range_params()
  params.context = { diagnostics = {}, only = { "source.fixAll.oomkb" } }
  local replies = vim.lsp.buf_request_sync(0, "textDocument/codeAction", params, 5000) or {}
  for _, reply in pairs(replies) do
    for _, action in ipairs(reply.result or {}) do
      if action.kind == "source.fixAll.oomkb" and action.edit then
        vim.lsp.util.apply_workspace_edit(action.edit, "utf-16")
      end
    end
  end
end, {})
