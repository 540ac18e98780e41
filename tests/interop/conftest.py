"""The reference tier: servers nobody on this project wrote, each started here on a free 127.0.0.1 port and
stopped when its tests end. `scripts/setup-interop` installs them: the npm packages into
`tests/interop/servers/node_modules`, the Python servers (httpbin, gunicorn, sse-starlette, uvicorn) into
their own environment `.tools/interop` (httpbin pins an old greenlet that the editor tests' pynvim refuses).
"""

from __future__ import annotations

import os
import re
import selectors
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
SERVERS = HERE / "servers"
ROOT = HERE.parents[1]
PYTHON_SERVERS = ROOT / ".tools" / "interop" / "bin"
START_TIME = 30.0


@dataclass
class Reference:
    """A running reference server: its address and the process to stop."""

    name: str
    port: int
    process: subprocess.Popen[bytes]
    others: tuple[int, ...] = ()
    """More ports the server printed (connect-node: its HTTP/2 listener)."""

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"


def missing(what: str) -> None:
    """A missing piece skips its tests, except in CI (`VOIDEN_REQUIRE_INTEROP=1`), where it fails them."""
    message = f"{what}: run scripts/setup-interop"
    if os.environ.get("VOIDEN_REQUIRE_INTEROP") == "1":
        pytest.fail(message)
    pytest.skip(message)


def start(
    name: str, argv: list[str], ready: re.Pattern[bytes], cwd: Path = SERVERS, env: dict[str, str] | None = None
) -> Reference:
    """Starts `argv` in its own process group and reads its output until `ready` names the port."""
    process = subprocess.Popen(
        argv,
        cwd=cwd,
        env={**os.environ, **env} if env else None,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    seen = b""
    deadline = time.monotonic() + START_TIME
    while time.monotonic() < deadline:
        if not selector.select(timeout=deadline - time.monotonic()):
            break
        chunk = os.read(process.stdout.fileno(), 65536)
        if not chunk:
            break
        seen += chunk
        found = ready.search(seen)
        if found:
            selector.close()
            # Whatever the server prints later must not fill the pipe and block it.
            threading_drain(process)
            port, *others = (int(group) for group in found.groups())
            return Reference(name, port, process, tuple(others))
    stop(process)
    raise RuntimeError(f"{name} did not start: {seen.decode(errors='replace')[-2000:]}")


def threading_drain(process: subprocess.Popen[bytes]) -> None:
    def drain() -> None:
        assert process.stdout is not None
        while process.stdout.read(65536):
            pass

    threading.Thread(target=drain, daemon=True).start()


def stop(process: subprocess.Popen[bytes]) -> None:
    """Closing stdin ends the Node servers; the process group's SIGTERM ends gunicorn and uvicorn."""
    if process.stdin is not None:
        process.stdin.close()
    try:
        process.wait(timeout=2)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()


def node_server(script: str) -> Iterator[Reference]:
    node = shutil.which("node")
    if node is None:
        missing("node is not installed")
    if not (SERVERS / "node_modules").is_dir():
        missing("the npm reference servers are not installed")
    reference = start(script, [str(node), script], re.compile(rb'\{"port":(\d+)\}'))
    yield reference
    stop(reference.process)


def python_server(tool: str, *args: str) -> Iterator[Reference]:
    program = PYTHON_SERVERS / tool
    if not program.exists():
        missing(f"{tool} is not installed")
    reference = start(
        tool, [str(program), *args], re.compile(rb"(?:Listening at: |running on )http://127\.0\.0\.1:(\d+)")
    )
    yield reference
    stop(reference.process)


@pytest.fixture(scope="session")
def grpc_js() -> Iterator[Reference]:
    """@grpc/grpc-js with @grpc/reflection serving `catalog.proto` (reflection v1 and v1alpha)."""
    yield from node_server("grpc-server.js")


@pytest.fixture(scope="session")
def catalog_protoset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """catalog.proto and ticker.proto as one FileDescriptorSet (imports included), by grpcio-tools' protoc."""
    import grpc_tools
    from grpc_tools import protoc

    out = tmp_path_factory.mktemp("protoset") / "interop.protoset"
    include = Path(grpc_tools.__file__).parent / "_proto"
    arguments = ["protoc", f"-I{SERVERS}", f"-I{include}", "--include_imports", f"--descriptor_set_out={out}"]
    assert protoc.main([*arguments, "catalog.proto", "ticker.proto"]) == 0
    return out


@pytest.fixture(scope="session")
def connect_node(catalog_protoset: Path) -> Iterator[Reference]:
    """@connectrpc/connect-node 2: Connect, gRPC-Web and gRPC on one handler; HTTP/1.1 on `port`, HTTP/2
    without TLS on `others[0]`."""
    node = shutil.which("node")
    if node is None:
        missing("node is not installed")
    if not (SERVERS / "node_modules" / "@connectrpc").is_dir():
        missing("the npm reference servers are not installed")
    reference = start(
        "connect-server.js",
        [str(node), "connect-server.js", str(catalog_protoset)],
        re.compile(rb'\{"port":(\d+),"h2":(\d+)\}'),
    )
    yield reference
    stop(reference.process)


@pytest.fixture(scope="session")
def ws_js() -> Iterator[Reference]:
    """npm `ws`."""
    yield from node_server("ws-server.js")


@pytest.fixture(scope="session")
def graphql_yoga() -> Iterator[Reference]:
    """npm `graphql-yoga` 5 on `graphql` 16: GraphQL over HTTP."""
    yield from node_server("graphql-server.js")


@pytest.fixture(scope="session")
def socketio_js() -> Iterator[Reference]:
    """npm `socket.io` 4."""
    yield from node_server("socketio-server.js")


@pytest.fixture(scope="session")
def httpbin() -> Iterator[Reference]:
    """PyPI `httpbin` under gunicorn (two sync workers, so /delay and /drip do not block the others)."""
    yield from python_server(
        "gunicorn", "--bind", "127.0.0.1:0", "--workers", "2", "--no-control-socket", "httpbin:app"
    )


@pytest.fixture(scope="session")
def sse_server() -> Iterator[Reference]:
    """`sse-starlette` under uvicorn."""
    yield from python_server("uvicorn", "--host", "127.0.0.1", "--port", "0", "--app-dir", str(SERVERS), "sse_app:app")


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def mcp_sdk_server(*flags: str) -> Iterator[Reference]:
    """The official Python SDK's MCPServer (tests/interop/servers/mcp_sdk_server.py) on uvicorn."""
    try:
        import mcp  # noqa: F401
    except ImportError:
        missing("the `mcp` package (the test extra) is not installed")
    import sys

    port = free_port()
    script = str(SERVERS / "mcp_sdk_server.py")
    reference = start("mcp-sdk", [sys.executable, script, str(port), *flags], re.compile(rb"ready port (\d+)"))
    yield reference
    stop(reference.process)


@pytest.fixture(scope="session")
def mcp_sdk() -> Iterator[Reference]:
    """Stateful, answering with event streams (the SDK's default)."""
    yield from mcp_sdk_server()


@pytest.fixture(scope="session")
def mcp_sdk_stateless_json() -> Iterator[Reference]:
    yield from mcp_sdk_server("--stateless", "--json")


@pytest.fixture(scope="session")
def mcp_everything() -> Iterator[Reference]:
    """`@modelcontextprotocol/server-everything` (the TypeScript SDK's reference server), over Streamable HTTP:
    it speaks 2025-11-25 only (initialize and Mcp-Session-Id)."""
    node = shutil.which("node")
    if node is None:
        missing("node is not installed")
    script = SERVERS / "node_modules" / "@modelcontextprotocol" / "server-everything" / "dist" / "index.js"
    if not script.exists():
        missing("@modelcontextprotocol/server-everything is not installed")
    port = free_port()
    reference = start(
        "server-everything",
        [str(node), str(script), "streamableHttp"],
        re.compile(rb"listening on port (\d+)"),
        env={"PORT": str(port)},
    )
    yield reference
    stop(reference.process)
