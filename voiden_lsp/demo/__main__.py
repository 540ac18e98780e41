"""`python -m voiden_lsp.demo grpc|ws|http`: one demo server in a process of its own (for benchmarks).
The first line printed is its address; it serves until terminated."""

from __future__ import annotations

import contextlib
import signal
import sys
import threading

from voiden_lsp.demo.grpc_server import DemoGrpcServer
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.demo.ws_server import DemoWebSocketServer


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else ""
    servers = {"grpc": DemoGrpcServer, "ws": DemoWebSocketServer, "http": DemoHttpServer}
    if kind not in servers:
        sys.exit("usage: python -m voiden_lsp.demo grpc|ws|http")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with servers[kind]() as server:
        print(getattr(server, "address", None) or server.url, flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()


if __name__ == "__main__":
    main()
