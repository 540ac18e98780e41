"""The fault matrix: every protocol against a refusal, a silent server (deadline), garbage bytes, a reset,
a DNS failure, TLS spoken to plaintext and plaintext to TLS, and a stream cut by the network. Each ends in
an `error` event in words a user can act on, never a traceback, and `voiden run` exits 1."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import ROOT
from tests.helpers import kinds, of, run, voiden
from tests.security.faults import CuttingProxy, FaultServer, closed_port, garbage, reset, silent
from voiden_lsp.demo.grpc_server import DemoGrpcServer
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.demo.ws_server import DemoWebSocketServer

PROTOSET = ROOT / "voiden_lsp" / "demo" / "routeguide.protoset"
DOCS = {
    "http": "```http\n@timeout 1s\nGET {scheme}://{host}:{port}/echo\n```\n",
    "sse": "```sse\n@timeout 1s\nGET {scheme}://{host}:{port}/events\n```\n",
    "ws": "```ws\n@timeout 1s\n@max-messages 1\n{scheme}://{host}:{port}/echo\n\nhi\n```\n",
    "socketio": "```socketio\n@timeout 1s\n@max-messages 1\n{scheme}://{host}:{port}\n```\n",
    "grpc": (
        f"```grpc\n@timeout 1s\n@protoset {PROTOSET}\n"
        "{scheme}://{host}:{port} routeguide.RouteGuide/GetFeature\n\n{{}}\n```\n"
    ),
}
PLAIN = {"http": "http", "sse": "http", "ws": "ws", "socketio": "http", "grpc": "grpc"}
SECURE = {"http": "https", "sse": "https", "ws": "wss", "socketio": "https", "grpc": "grpcs"}
FAULTS: dict[str, Callable[..., None] | None] = {"refused": None, "silent": silent, "garbage": garbage, "reset": reset}


def port_of(url: str) -> int:
    return int(urlsplit(url).port or 0)


def failure_text(events: list[object]) -> str:
    errors = of(events, "error")  # type: ignore[arg-type]
    assert errors, f"no error event: {kinds(events)}"  # type: ignore[arg-type]
    text = " ".join(str(e["message"]) for e in errors)
    for unhelpful in ("Traceback", "internal error", "Errno", "please report"):
        assert unhelpful.lower() not in text.lower(), text
    return text


@pytest.mark.parametrize("fault", FAULTS)
@pytest.mark.parametrize("protocol", DOCS)
async def test_a_faulty_server_is_an_error_in_words(protocol: str, fault: str, tmp_path: Path) -> None:
    behave = FAULTS[fault]
    server = FaultServer(behave) if behave is not None else None
    port = server.port if server is not None else closed_port()
    started = time.monotonic()
    if server is not None:
        server.__enter__()
    try:
        events, _ = await run(DOCS[protocol].format(scheme=PLAIN[protocol], host="127.0.0.1", port=port), tmp_path)
    finally:
        if server is not None:
            server.__exit__(None, None, None)
    text = failure_text(events)
    assert time.monotonic() - started < 8  # `@timeout 1s` bounds a silent server
    expected = {
        "refused": "connection refused",
        "silent": "within 1s",
    }.get(fault)
    if expected:
        assert expected in text, text


@pytest.mark.parametrize("protocol", DOCS)
async def test_a_host_that_does_not_resolve(protocol: str, tmp_path: Path) -> None:
    text = DOCS[protocol].format(scheme=PLAIN[protocol], host="nonexistent.invalid", port=80)
    message = failure_text((await run(text, tmp_path))[0])
    assert "nonexistent.invalid" in message


@pytest.mark.parametrize("protocol", ["http", "sse", "ws", "grpc"])
async def test_tls_to_a_plaintext_port_says_so(protocol: str, tmp_path: Path) -> None:
    with DemoHttpServer() as http, DemoGrpcServer() as grpc_server, DemoWebSocketServer() as ws:
        port = {"http": port_of(http.url), "sse": port_of(http.url), "ws": ws.port, "grpc": grpc_server.port}[protocol]
        text = DOCS[protocol].format(scheme=SECURE[protocol], host="127.0.0.1", port=port)
        message = failure_text((await run(text, tmp_path))[0])
    assert "TLS on that port" in message and f"use {PLAIN[protocol]}://" in message


@pytest.mark.parametrize("protocol", ["http", "sse"])
async def test_plaintext_to_a_tls_port_says_so(protocol: str, tls_server: DemoHttpServer, tmp_path: Path) -> None:
    text = DOCS[protocol].format(scheme="http", host="127.0.0.1", port=port_of(tls_server.url))
    message = failure_text((await run(text, tmp_path))[0])
    assert "try https://" in message


def test_a_grpc_stream_cut_by_the_network_fails_the_run(grpc_server: DemoGrpcServer, tmp_path: Path) -> None:
    with CuttingProxy(grpc_server.port, after=2000) as proxy:
        doc = tmp_path / "ticks.voiden"
        doc.write_text(
            f"```grpc\n@protoset {PROTOSET}\ngrpc://127.0.0.1:{proxy.port} routeguide.RouteGuide/Ticker\n\n"
            '{"symbol": "CUT", "count": 100000, "rate": 2000}\n```\n',
            encoding="utf-8",
        )
        result = voiden("run", str(doc), "--json")
    assert result.returncode == 1, result.stdout[-2000:]
    kinds = [json.loads(line)["kind"] for line in result.stdout.splitlines()]
    assert "error" in kinds or any(json.loads(line).get("code") == "UNAVAILABLE" for line in result.stdout.splitlines())
    assert result.stderr == ""


@pytest.mark.parametrize("protocol", ["http", "sse", "ws"])
async def test_a_stream_cut_by_the_network_is_an_error(protocol: str, tmp_path: Path) -> None:
    with DemoHttpServer() as http, DemoWebSocketServer() as ws:
        upstream, path = (ws.port, "/ticker?rate=500&count=100000") if protocol == "ws" else (port_of(http.url), "")
        with CuttingProxy(upstream, after=3000) as proxy:
            doc = {
                "http": f"```http\nGET http://127.0.0.1:{proxy.port}/bytes?size=1000000\n```\n",
                "sse": f"```sse\nGET http://127.0.0.1:{proxy.port}/events?count=100000&interval=1\n```\n",
                "ws": f"```ws\nws://127.0.0.1:{proxy.port}{path}\n```\n",
            }[protocol]
            events, _ = await run(doc, tmp_path)
    if protocol == "ws":  # a WebSocket cut is the close code 1006, abnormal closure, said as such
        closed = of(events, "closed")
        assert closed and closed[-1]["code"] == 1006, kinds(events)
    else:
        failure_text(events)
