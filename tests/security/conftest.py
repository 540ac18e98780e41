"""The security tests drive the language server too."""

from tests.server.conftest import client  # noqa: F401  (the pytest-lsp client, as VS Code and as Neovim)
