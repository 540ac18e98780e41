"""A recording HTTP server: every request it gets (method, path, headers, body) kept for a test to compare
what two clients put on the wire."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

#: Headers a client adds of its own (curl's, HTTPie's and ours differ): not what a command or request says.
OWN = {"host", "user-agent", "accept", "accept-encoding", "content-length", "connection", "expect"}


class Recorder(BaseHTTPRequestHandler):
    seen: list[dict[str, Any]]

    def _record(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        Recorder.seen.append(
            {"method": self.command, "path": self.path, "headers": list(self.headers.items()), "body": body}
        )
        self.send_response(200)
        self.send_header("Content-Length", "2")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(b"ok")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _record

    def __getattr__(self, name: str) -> Any:  # any other method (OPTIONS, PROPFIND, VERSION-CONTROL...) too
        if name.startswith("do_"):
            return self._record
        raise AttributeError(name)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def recorder() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Recorder.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def command_headers(record: dict[str, Any]) -> list[tuple[str, str]]:
    """The headers a command or request set; a multipart boundary is each client's own."""
    return sorted(
        (k.lower(), v.split("; boundary=")[0] if v.startswith("multipart/") else v)
        for k, v in record["headers"]
        if k.lower() not in OWN
    )
