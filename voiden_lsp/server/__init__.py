"""The language server: `voiden-lsp` (stdio, or `--tcp PORT` for debugging)."""

from __future__ import annotations

import argparse
import gc
import logging
import sys

SWITCH_INTERVAL = 0.0005


def main() -> None:
    parser = argparse.ArgumentParser(prog="voiden-lsp", description="The voiden language server (stdio by default)")
    parser.add_argument("--tcp", type=int, metavar="PORT", help="listen on 127.0.0.1:PORT instead of stdio")
    parser.add_argument("--log-level", default="WARNING")
    from voiden_lsp import __version__

    parser.add_argument("--version", action="version", version=f"voiden-lsp {__version__}")
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s")
    from voiden_lsp.templating import logmask

    logmask.install()
    # Importing pygls (lsprotocol's few thousand classes) makes objects that live as long as the process:
    # the cyclic collector walking them again and again during start-up is a fifth of the start time.
    gc.disable()
    from voiden_lsp.server.setup import create_server

    server = create_server()
    # A 10,000-line document is a few hundred thousand objects: with the default thresholds the cyclic
    # collector walks them every few edits (tens of ms each). What is loaded by now lives for the whole
    # process, so it leaves the collector's view, and young collections run less often.
    gc.freeze()
    gc.set_threshold(100_000, 50, 1000)
    gc.enable()
    # A document's check runs in a worker thread, holding the GIL in pure Python for its whole length; the
    # event loop gets it back only every switch interval (5 ms by default), once per read, parse and write
    # of a request: a completion during a check took 40 ms. Every 0.5 ms, it takes under 10.
    sys.setswitchinterval(SWITCH_INTERVAL)
    if args.tcp:
        server.start_tcp("127.0.0.1", args.tcp)
    else:
        server.start_io()
