"""`python -m voiden_lsp.cli`: the same as `voiden`."""

from voiden_lsp.cli import main

main()
