"""voiden-lsp: Markdown request documents (.voiden) for editors and the command line."""

__version__ = "0.1.0"
