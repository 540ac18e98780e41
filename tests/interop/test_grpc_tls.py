"""gRPC over TLS against grpcio's own server credentials and health service: mutual TLS (`@cert`/`@key`), the
name the certificate must carry (`@authority`), and `@insecure`."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from concurrent import futures
from pathlib import Path

import grpc
import pytest
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from tests.helpers import of, run


def _client_certificate(ca: dict[str, Path]) -> tuple[Path, Path]:
    folder = ca["ca.pem"].parent
    key, csr, pem = folder / "client.key", folder / "client.csr", folder / "client.pem"
    if not pem.exists():
        request = ["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=voiden client", "-keyout", str(key)]
        subprocess.run(["openssl", *request, "-out", str(csr)], check=True, capture_output=True)
        signing = ["x509", "-req", "-in", str(csr), "-CA", str(ca["ca.pem"]), "-CAkey", str(ca["ca.key"])]
        subprocess.run(
            ["openssl", *signing, "-CAcreateserial", "-days", "2", "-out", str(pem)], check=True, capture_output=True
        )
    return pem, key


@pytest.fixture
def mtls_server(test_ca: dict[str, Path]) -> Iterator[str]:
    """grpcio's health service that asks every client for a certificate signed by the test CA."""
    servicer = health.HealthServicer()
    servicer.set("", health_pb2.HealthCheckResponse.SERVING)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    health_pb2_grpc.add_HealthServicer_to_server(servicer, server)
    reflection.enable_server_reflection(
        [health_pb2.DESCRIPTOR.services_by_name["Health"].full_name, reflection.SERVICE_NAME], server
    )
    credentials = grpc.ssl_server_credentials(
        [(test_ca["server.key"].read_bytes(), test_ca["server.pem"].read_bytes())],
        root_certificates=test_ca["ca.pem"].read_bytes(),
        require_client_auth=True,
    )
    port = server.add_secure_port("127.0.0.1:0", credentials)
    server.start()
    yield f"127.0.0.1:{port}"
    server.stop(None)


def check(meta: str, name: str) -> str:
    return f"```grpc name={name}\n@timeout 5s\n{meta}grpcs://{{{{addr}}}} grpc.health.v1.Health/Check\n\n{{}}\n```\n"


async def test_mutual_tls_and_the_certificate_name(mtls_server: str, test_ca: dict[str, Path]) -> None:
    pem, key = _client_certificate(test_ca)
    ca = f"@ca {test_ca['ca.pem']}\n"
    mine = f"@cert {pem}\n@key {key}\n"
    text = (
        check(ca + mine, "mutual")
        + check(ca, "anonymous")
        + check(ca + mine + "@authority localhost\n", "named")
        + check(ca + mine + "@authority elsewhere.example\n", "misnamed")
        + check("@insecure\n" + mine, "unverified")
    )
    events, _ = await run(text, addr=mtls_server)
    by: dict[str, list[object]] = {}
    for event in events:
        by.setdefault(event.request, []).append(event)
    for name in ("mutual", "named", "unverified"):
        assert of(by[name], "received") == [{"data": {"status": "SERVING"}, "encoding": "json", "size": 2}], by[name]
    anonymous = of(by["anonymous"], "error")[0]["message"]  # the server refuses a client without a certificate
    assert "127.0.0.1" in anonymous and ("TLS" in anonymous or "closed the connection" in anonymous), anonymous
    misnamed = of(by["misnamed"], "error")[0]["message"]  # the certificate names 127.0.0.1 and localhost only
    assert "not trusted" in misnamed and "elsewhere.example" in misnamed, misnamed
