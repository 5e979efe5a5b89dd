" awsearch.vim - commands and the completion function of the awsearch plugin.
"
" The work is done in lua/awsearch/; this file only names it.  Needs
" Neovim 0.7 or later (Lua user commands, vim.keymap, vim.mpack).
if exists('g:loaded_awsearch') || !has('nvim-0.7')
  finish
endif
let g:loaded_awsearch = 1

lua << EOF
local aw = function() return require('awsearch') end
vim.api.nvim_create_user_command('AwSearch', function(o) aw().search(o.args) end,
  { nargs = '+', desc = 'awsearch: search the lists' })
vim.api.nvim_create_user_command('AwRelated', function(o) aw().related(o) end,
  { nargs = '*', range = true, desc = 'awsearch: related papers' })
vim.api.nvim_create_user_command('AwCite', function(o) aw().cite(o) end,
  { nargs = '?', complete = function() return { 'bibtex', 'markdown' } end,
    desc = 'awsearch: insert a citation' })
EOF

" For 'completefunc' or 'omnifunc': setlocal completefunc=AwsearchComplete
function! AwsearchComplete(findstart, base) abort
  return luaeval("require('awsearch').complete(_A[1], _A[2])", [a:findstart, a:base])
endfunction
