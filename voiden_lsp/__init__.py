"""voiden-lsp: Markdown request documents (.voiden) for editors and the command line."""

import os

__version__ = "0.1.0"

# gRPC's C core logs handshake failures to stderr on its own (`I1202 ... ssl_transport_security.cc`); we
# report every failure as an event in words, so it stays quiet unless the user asks for its logs.
os.environ.setdefault("GRPC_VERBOSITY", "NONE")
