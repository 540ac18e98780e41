"""Our gRPC results against grpcurl's, a real peer, on the same server: services, methods, responses."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import of, run
from voiden_lsp.demo.grpc_server import DemoGrpcServer
from voiden_lsp.schema import Schema
from voiden_lsp.templating import ResolvedRequest
from voiden_lsp.templating.targets import parse_target
from voiden_lsp.transports.grpc_reflection import SchemaCache

GRPCURL = shutil.which("grpcurl", path=str(Path(sys.executable).parent)) or shutil.which("grpcurl")
pytestmark = pytest.mark.skipif(GRPCURL is None, reason="grpcurl is installed by `scripts/test` (test extra)")
RPC_LINE = re.compile(r"rpc (\w+) \( (stream )?\.([\w.]+) \) returns \( (stream )?\.([\w.]+) \);")


def grpcurl(*args: str) -> subprocess.CompletedProcess[str]:
    assert GRPCURL is not None
    return subprocess.run([GRPCURL, "-plaintext", *args], capture_output=True, text=True, timeout=60)


async def our_schema(server: DemoGrpcServer) -> Schema:
    request = ResolvedRequest(name="x", protocol="grpc", target=server.url)
    return await SchemaCache().schema(request, parse_target(request))


async def test_service_list_and_method_descriptions_agree(grpc_server: DemoGrpcServer) -> None:
    schema = await our_schema(grpc_server)
    listed = grpcurl(grpc_server.address, "list")
    assert listed.returncode == 0, listed.stderr
    theirs = sorted(s for s in listed.stdout.split() if not s.startswith("grpc.reflection."))
    assert theirs == schema.services() == ["routeguide.RouteGuide"]

    described = grpcurl(grpc_server.address, "describe", "routeguide.RouteGuide")
    assert described.returncode == 0, described.stderr
    their_methods = {
        m.group(1): (bool(m.group(2)), m.group(3), bool(m.group(4)), m.group(5))
        for m in RPC_LINE.finditer(described.stdout)
    }
    our_methods = {
        m.name: (m.client_streaming, m.input.full_name, m.server_streaming, m.output.full_name)
        for m in schema.methods("routeguide.RouteGuide")
    }
    assert their_methods == our_methods
    assert len(our_methods) == 6


@pytest.mark.parametrize(
    ("method", "body"),
    [
        ("GetFeature", {"latitude": 7, "longitude": -3}),
        ("ListFeatures", {"lo": {"latitude": 1, "longitude": 1}, "hi": {"latitude": 3, "longitude": 2}}),
        ("Ticker", {"symbol": "ABC", "count": 25}),
    ],
)
async def test_responses_agree(grpc_server: DemoGrpcServer, method: str, body: dict[str, Any]) -> None:
    schema = await our_schema(grpc_server)
    output = schema.method(f"routeguide.RouteGuide/{method}").output
    theirs = grpcurl("-d", json.dumps(body), grpc_server.address, f"routeguide.RouteGuide/{method}")
    assert theirs.returncode == 0, theirs.stderr
    their_messages = [
        schema.to_dict(schema.parse_json(output, chunk))
        for chunk in re.split(r"(?<=\n})\n(?={)", theirs.stdout.strip())
    ]
    events, _ = await run(
        f"```grpc\n{{{{addr}}}} routeguide.RouteGuide/{method}\n\n{json.dumps(body)}\n```\n",
        addr=grpc_server.address,
    )
    our_messages = [schema.to_dict(schema.parse_json(output, json.dumps(r["data"]))) for r in of(events, "received")]
    assert our_messages == their_messages
    assert len(our_messages) == {"GetFeature": 1, "ListFeatures": 6, "Ticker": 25}[method]


async def test_error_statuses_agree(grpc_server: DemoGrpcServer) -> None:
    theirs = grpcurl("-d", "{}", grpc_server.address, "routeguide.RouteGuide/Fail")
    assert theirs.returncode != 0
    events, _ = await run("```grpc\n{{addr}} routeguide.RouteGuide/Fail\n```\n", addr=grpc_server.address)
    status = of(events, "status")[0]
    camel = "".join(part.title() for part in status["code"].split("_"))
    assert f"Code: {camel}" in theirs.stdout + theirs.stderr
    assert f"Message: {status['message']}" in theirs.stdout + theirs.stderr
