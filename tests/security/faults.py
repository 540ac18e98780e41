"""Servers that misbehave on purpose, on free 127.0.0.1 ports, each in a thread that ends with the test."""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
from collections.abc import Callable
from types import TracebackType


class FaultServer:
    """Accepts connections and hands each to `behave(conn)` in its own thread: silent, garbage, a cut."""

    def __init__(self, behave: Callable[[socket.socket], None]) -> None:
        self.behave = behave
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._open: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FaultServer:
        self._thread.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self._stop.set()
        self.listener.close()
        for conn in self._open:
            conn.close()

    def _serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            self._open.append(conn)
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError):
            self.behave(conn)


def silent(conn: socket.socket) -> None:
    """Reads what comes and never answers."""
    conn.settimeout(30)
    while conn.recv(65536):
        pass


def garbage(conn: socket.socket) -> None:
    """Answers anything with bytes no protocol expects."""
    conn.settimeout(5)
    conn.recv(65536)
    conn.sendall(b"\x00\xff\x13garbage \xde\xad\xbe\xef\r\n\r\n" * 64)
    conn.close()


def reset(conn: socket.socket) -> None:
    """Accepts, then resets the connection (RST, not a clean close)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


class CuttingProxy(FaultServer):
    """Forwards to a real server, and resets both sides once `after` bytes have come back: the network
    cut in the middle of a stream."""

    def __init__(self, target_port: int, after: int) -> None:
        self.target_port, self.after = target_port, after
        super().__init__(self._proxy)

    def _proxy(self, client: socket.socket) -> None:
        upstream = socket.create_connection(("127.0.0.1", self.target_port))
        self._open.append(upstream)
        cut = threading.Event()

        def upward() -> None:
            client.settimeout(0.05)  # a thread blocked in recv would keep the socket from closing
            while not cut.is_set():
                try:
                    data = client.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    return
                if not data:
                    return
                upstream.sendall(data)

        forwarding = threading.Thread(target=upward, daemon=True)
        forwarding.start()
        passed = 0
        while passed < self.after and (data := upstream.recv(65536)):
            client.sendall(data)
            passed += len(data)
        cut.set()
        forwarding.join()
        for sock in (client, upstream):  # a reset, as when a network path dies, not a clean close
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            sock.close()


def closed_port() -> int:
    """A port where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
