"""`voiden demo --serve`: the demo servers, kept running, with the examples' environment pointing at them,
so that the examples work from an editor and from `voiden run` while they run."""

from __future__ import annotations

import contextlib
import re
import signal
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from voiden_lsp.demo.grpc_server import DemoGrpcServer
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.demo.socketio_server import DemoSocketIoServer
from voiden_lsp.demo.ws_server import DemoWebSocketServer

#: The ports the examples' `local` environment names; a port in use is replaced by a free one.
PREFERRED_PORTS = {"base_url": 8080, "grpc_addr": 50051, "ws_url": 8090, "socketio_url": 8091}
ENVIRONMENT = "local"


def _start(factory: Callable[[int], Any], port: int) -> Any:
    """A server started on `port`, or on a free port when that one is taken."""
    try:
        server = factory(port)  # the HTTP server binds here
    except OSError:
        return factory(0).start()
    try:
        return server.start()  # the others bind here
    except OSError:
        if not isinstance(server, DemoHttpServer):
            server.stop()
        return factory(0).start()


@contextlib.contextmanager
def demo_servers(preferred: dict[str, int] | None = None) -> Iterator[dict[str, str]]:
    """Every demo server, running; yields the examples' variables naming them."""
    ports = {**PREFERRED_PORTS, **(preferred or {})}
    http = _start(lambda port: DemoHttpServer(port=port), ports["base_url"])
    started: list[Any] = [http]
    try:
        grpc_server = _start(lambda port: DemoGrpcServer(port=port), ports["grpc_addr"])
        started.append(grpc_server)
        ws = _start(lambda port: DemoWebSocketServer(port=port), ports["ws_url"])
        started.append(ws)
        sio = _start(lambda port: DemoSocketIoServer(port=port), ports["socketio_url"])
        started.append(sio)
        yield {"base_url": http.url, "grpc_addr": grpc_server.address, "ws_url": ws.url, "socketio_url": sio.url}
    finally:
        for server in reversed(started):
            server.stop()


def set_environment(text: str, environment: str, values: dict[str, str]) -> str:
    """`voiden.toml` with `values` written into `[env.ENVIRONMENT]` (a line per key, replaced or added);
    everything else, comments included, stays as it was."""
    lines = text.split("\n")
    header = re.compile(rf"^\s*\[env\.{re.escape(environment)}\]\s*(#.*)?$")
    start = next((i for i, line in enumerate(lines) if header.match(line)), None)
    if start is None:
        lines += ["", f"[env.{environment}]"]
        start = len(lines) - 1
    end = next((i for i in range(start + 1, len(lines)) if lines[i].lstrip().startswith("[")), len(lines))
    missing = dict(values)
    for index in range(start + 1, end):
        match = re.match(r"^(\s*)([A-Za-z0-9_-]+)(\s*=\s*).*$", lines[index])
        if match and match.group(2) in missing:
            lines[index] = f'{match.group(1)}{match.group(2)}{match.group(3)}"{missing.pop(match.group(2))}"'
    last_key = max(i for i in range(start, end) if lines[i].strip() and not lines[i].lstrip().startswith("#"))
    lines[last_key + 1 : last_key + 1] = [f'{key} = "{value}"' for key, value in missing.items()]
    return "\n".join(lines)


def serve(examples: Path, command: str = "voiden") -> int:
    """Runs the demo servers until Ctrl-C or SIGTERM; the examples' `local` environment names them. `command`
    is how the user calls voiden (what the banner tells them to type)."""
    config = examples / "voiden.toml"
    stop = threading.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, lambda *_: stop.set())
    with demo_servers() as addresses:
        text = config.read_text(encoding="utf-8") if config.is_file() else ""
        updated = set_environment(text, ENVIRONMENT, addresses)
        if updated != text:
            config.write_text(updated, encoding="utf-8")
            print(f"wrote the servers' addresses into {config} [env.{ENVIRONMENT}]", flush=True)
        for name, address in addresses.items():
            print(f"  {name:<13} {address}", flush=True)
        print(
            f"serving the demo: open {examples} in an editor, or `{command} run {examples}/01-rest-basics.voiden`; "
            "Ctrl-C stops the servers",
            flush=True,
        )
        stop.wait()
    print("demo servers stopped", file=sys.stderr, flush=True)
    return 0
