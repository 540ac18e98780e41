from __future__ import annotations

import faulthandler
import os
import shutil
import ssl
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from voiden_lsp.demo.grpc_server import DemoGrpcServer
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.demo.ws_server import DemoWebSocketServer

# `voiden run` keeps each exchange in the user's state folder: the suite's go to a folder of its own, never the
# user's (every `voiden` process the tests start inherits this).
os.environ.setdefault("VOIDEN_HISTORY_DIR", tempfile.mkdtemp(prefix="voiden-test-history-"))

ROOT = Path(__file__).resolve().parents[1]
TEST_TIME_LIMIT = 120


@pytest.fixture(autouse=True)
def time_limit(request: pytest.FixtureRequest) -> Iterator[None]:
    """A hung test ends the run with every thread's traceback instead of eating CI's time. A test that installs
    packages from the index says so with `@pytest.mark.time_limit(SECONDS)`."""
    marker = request.node.get_closest_marker("time_limit")
    faulthandler.dump_traceback_later(marker.args[0] if marker else TEST_TIME_LIMIT, exit=True)
    yield
    faulthandler.cancel_dump_traceback_later()


@pytest.fixture
def http_server() -> Iterator[DemoHttpServer]:
    with DemoHttpServer() as server:
        yield server


@pytest.fixture
def tls_server(test_ca: dict[str, Path]) -> Iterator[DemoHttpServer]:
    """HTTPS with a certificate signed by the test CA, which no trust store knows."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(test_ca["server.pem"], test_ca["server.key"])
    with DemoHttpServer(tls=context) as server:
        yield server


@pytest.fixture
def grpc_server() -> Iterator[DemoGrpcServer]:
    with DemoGrpcServer() as server:
        yield server


@pytest.fixture(scope="session")
def test_ca(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A test certificate authority and a server certificate for 127.0.0.1 signed by it."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make test certificates")
    folder = tmp_path_factory.mktemp("ca")
    files = {name: folder / name for name in ("ca.pem", "ca.key", "server.pem", "server.key", "server.csr", "ext")}

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True)

    openssl(
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-days",
        "2",
        "-subj",
        "/CN=voiden test CA",
        "-keyout",
        str(files["ca.key"]),
        "-out",
        str(files["ca.pem"]),
    )
    openssl(
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-subj",
        "/CN=127.0.0.1",
        "-keyout",
        str(files["server.key"]),
        "-out",
        str(files["server.csr"]),
    )
    files["ext"].write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n", encoding="utf-8")
    openssl(
        "x509",
        "-req",
        "-in",
        str(files["server.csr"]),
        "-CA",
        str(files["ca.pem"]),
        "-CAkey",
        str(files["ca.key"]),
        "-CAcreateserial",
        "-days",
        "2",
        "-extfile",
        str(files["ext"]),
        "-out",
        str(files["server.pem"]),
    )
    return files


@pytest.fixture
def ws_server() -> Iterator[DemoWebSocketServer]:
    with DemoWebSocketServer() as server:
        yield server
