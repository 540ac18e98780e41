from voiden_lsp.server import main

main()
