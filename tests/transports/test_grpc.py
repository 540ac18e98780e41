"""gRPC against the demo route guide: every call kind, metadata, deadlines, cancellation, TLS, bad input."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import pytest

from tests.helpers import kinds, of, run
from voiden_lsp.demo.grpc_server import DemoGrpcServer
from voiden_lsp.document import parse
from voiden_lsp.events import Event
from voiden_lsp.sessions import Runner
from voiden_lsp.templating import Collection

ROOT = Path(__file__).resolve().parents[2]


def grpc_doc(method: str, body: str = "", *, meta: str = "", headers: str = "", extra: str = "") -> str:
    request_line = f"{{{{addr}}}} routeguide.RouteGuide/{method}"
    return f"```grpc name=call\n{meta}{request_line}\n{headers}\n{body}\n```\n{extra}"


async def test_unary_with_metadata_both_ways(grpc_server: DemoGrpcServer) -> None:
    raw = base64.b64encode(b"\x00\x01binary").decode()
    events, runner = await run(
        grpc_doc(
            "GetFeature",
            '{"latitude": 3, "longitude": {{$faker.pyint(min_value=4, max_value=4)}}}',
            headers=f"x-request-id: req-1\nX-Echo-Token: t\nx-echo-raw-bin: {raw}\n",
        ),
        addr=grpc_server.address,
    )
    assert kinds(events) == ["connecting", "sent", "open", "received", "status", "trailers", "closed"]
    assert of(events, "open")[0]["headers"] == {"x-served-by": "voiden-demo"}
    trailers = of(events, "trailers")[0]["headers"]
    assert trailers["x-request-id"] == "req-1" and trailers["x-echo-token"] == "t"
    assert base64.b64decode(trailers["x-echo-raw-bin"]) == b"\x00\x01binary"  # -bin travels as bytes
    feature = of(events, "received")[0]["data"]
    assert feature["name"] == "Feature at 3,4" and feature["location"] == {"latitude": 3, "longitude": 4}
    assert feature["createdAt"].endswith("Z") and feature["kind"] in ("LANDMARK", "SHOP", "PARK")
    assert of(events, "status")[0] == {"code": "OK", "message": ""}
    assert of(events, "sent")[0]["size"] == 4
    assert runner.responses["call"].json()["name"] == "Feature at 3,4"


async def test_response_reference_from_a_grpc_call(grpc_server: DemoGrpcServer) -> None:
    text = (
        grpc_doc("GetFeature", '{"latitude": 5, "longitude": 6}')
        + "# Next\n```grpc\n{{addr}} routeguide.RouteGuide/GetFeature\n\n"
        '{"latitude": {{call.response.body.location.longitude}}}\n```\n'
    )
    events, _ = await run(text, addr=grpc_server.address)
    assert of(events, "received")[1]["data"]["name"] == "Feature at 6,0"


async def test_server_streaming(grpc_server: DemoGrpcServer) -> None:
    events, _ = await run(
        grpc_doc("ListFeatures", '{"lo": {"latitude": 1, "longitude": 1}, "hi": {"latitude": 2, "longitude": 2}}'),
        addr=grpc_server.address,
    )
    names = [r["data"]["name"] for r in of(events, "received")]
    assert names == ["Feature at 1,1", "Feature at 1,2", "Feature at 2,1", "Feature at 2,2"]
    assert of(events, "closed")[0] == {"by": "server", "reason": "OK", "messages": 4}


async def test_client_streaming_sends_message_blocks_then_half_closes(grpc_server: DemoGrpcServer) -> None:
    extra = '```message\n{"latitude": 4, "longitude": 1}\n```\n```message\n{"latitude": 4, "longitude": 5}\n```\n'
    events, _ = await run(
        grpc_doc("RecordRoute", '{"latitude": 1, "longitude": 1}', extra=extra), addr=grpc_server.address
    )
    assert [s["data"] for s in of(events, "sent")] == [
        {"latitude": 1, "longitude": 1},
        {"latitude": 4, "longitude": 1},
        {"latitude": 4, "longitude": 5},
    ]
    (summary,) = [r["data"] for r in of(events, "received")]
    assert summary["pointCount"] == 3 and summary["distance"] == 7
    assert of(events, "status")[0]["code"] == "OK"


async def test_bidirectional_with_wait(grpc_server: DemoGrpcServer) -> None:
    extra = (
        '```message wait=1\n{"message": "second {{$randomInt 1 1}}"}\n```\n'
        '```message\n{"message": "{{$faker.pyint}}"}\n```\n'
    )
    events, _ = await run(grpc_doc("RouteChat", '{"message": "first"}', extra=extra), addr=grpc_server.address)
    order = [(e.kind, e.fields["data"]["message"]) for e in events if e.kind in ("sent", "received")]
    assert order[:3] == [("sent", "first"), ("received", "echo: first"), ("sent", "second 1")]
    assert len(order) == 6
    assert of(events, "closed")[0]["messages"] == 3


async def test_live_session_send_close_and_cancel(grpc_server: DemoGrpcServer) -> None:
    """What the editor does: connect, send a message block at will, half-close; or cancel."""
    text = grpc_doc("RouteChat", extra='```message\n{"message": "{{$faker.word}}"}\n```\n')
    doc = parse(text)
    events: list[Event] = []
    runner = Runner(doc, None, Collection(), overrides={"addr": grpc_server.address}, sinks=[events.append])
    request = doc.requests[0]
    session = runner.session(request)
    task = session.start()
    assert await session.until_ready()
    for _ in range(3):
        assert await runner.send_message(session, request, request.messages[0])
    assert await session.until(lambda: session.received >= 3)
    await session.close()
    await asyncio.wait_for(task, 10)
    assert session.state == "closed" and session.sent == 3 and session.received == 3
    assert len({s["data"]["message"] for s in of(events, "sent")}) >= 2  # fresh fake data per send

    second = runner.session(request)
    task = second.start()
    assert await second.until_ready()
    second.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    assert second.log[-1].kind == "closed" and second.log[-1].fields == {
        "by": "client",
        "reason": "cancelled",
        "messages": 0,
    }


async def test_deadline_exceeded(grpc_server: DemoGrpcServer) -> None:
    events, _ = await run(
        grpc_doc("Ticker", '{"count": 100, "rate": 20}', meta="@timeout 300ms\n"), addr=grpc_server.address
    )
    assert of(events, "status")[0]["code"] == "DEADLINE_EXCEEDED"
    assert 2 <= len(of(events, "received")) <= 8
    assert of(events, "closed")[0]["by"] == "client"


async def test_stream_limits_end_a_server_streaming_call(grpc_server: DemoGrpcServer) -> None:
    """`@max-messages` and `@duration` end the call from our side, with the count (they were ignored)."""
    events, _ = await run(grpc_doc("Ticker", '{"count": 100000}', meta="@max-messages 3\n"), addr=grpc_server.address)
    assert len(of(events, "received")) == 3 and not of(events, "error")
    assert of(events, "closed") == [{"by": "client", "reason": "@max-messages 3 reached", "messages": 3}]
    events, _ = await run(
        grpc_doc("Ticker", '{"count": 100000, "rate": 20}', meta="@duration 300ms\n"), addr=grpc_server.address
    )
    (closed,) = of(events, "closed")
    assert closed["by"] == "client" and closed["reason"] == "@duration 300ms reached"
    assert 2 <= closed["messages"] <= 8 and not of(events, "error") and not of(events, "status")


async def test_rich_error_details(grpc_server: DemoGrpcServer) -> None:
    events, _ = await run(grpc_doc("Fail", '{"field": "name", "reason": "too short"}'), addr=grpc_server.address)
    status = of(events, "status")[0]
    assert status["code"] == "INVALID_ARGUMENT" and status["message"] == "the demo fails on purpose"
    bad_request, info = status["details"]
    assert bad_request == {
        "@type": "type.googleapis.com/google.rpc.BadRequest",
        "fieldViolations": [{"field": "name", "description": "too short"}],
    }
    assert info["reason"] == "DEMO_FAILURE" and info["metadata"] == {"hint": "on purpose"}
    assert "error" not in kinds(events)


async def test_unknown_method_and_bad_json_and_wrong_kind() -> None:
    with DemoGrpcServer() as server:
        text = (
            "# A\n```grpc\n{{addr}} routeguide.RouteGuide/GetFeatures\n```\n"
            "# B\n```grpc\n{{addr}} routeguide.RouteGuid/GetFeature\n```\n"
            "# C\n```grpc\n{{addr}} routeguide.RouteGuide/ListFeatures\n\n"
            '{"lo": {"latitude": "north"}}\n```\n'
        )
        events, _ = await run(text, addr=server.address)
    first, second, third = (e["message"] for e in of(events, "error"))
    assert first.startswith(
        "unknown method `GetFeatures` in service `routeguide.RouteGuide`; did you mean `GetFeature`"
    )
    assert "did you mean `routeguide.RouteGuide`" in second
    assert (
        third == "the message does not fit `routeguide.Rectangle`: at `lo.latitude`: "
        "invalid literal for int() with base 10: 'north'"
    )


@pytest.mark.parametrize("reflection", ["v1", "v1alpha"])
async def test_reflection_versions(reflection: str) -> None:
    with DemoGrpcServer(reflection=reflection) as server:
        events, _ = await run(grpc_doc("GetFeature", "{}"), addr=server.address)
        assert of(events, "status")[0]["code"] == "OK"
        pinned, _ = await run(grpc_doc("GetFeature", "{}", meta=f"@reflection {reflection}\n"), addr=server.address)
        assert of(pinned, "status")[0]["code"] == "OK"


async def test_a_server_without_reflection_points_to_proto() -> None:
    with DemoGrpcServer(reflection="none") as server:
        events, _ = await run(grpc_doc("GetFeature", "{}"), addr=server.address)
        (error,) = of(events, "error")
        assert "does not offer server reflection (grpc.reflection.v1 nor v1alpha)" in error["message"]
        assert "@proto FILE" in error["message"]
        proto = ROOT / "examples" / "proto" / "routeguide.proto"
        protoset = ROOT / "voiden_lsp" / "demo" / "routeguide.protoset"
        for meta in (f"@proto {proto}\n", f"@protoset {protoset}\n"):
            events, _ = await run(grpc_doc("GetFeature", '{"latitude": 1}', meta=meta), addr=server.address)
            assert of(events, "status")[0]["code"] == "OK", events


async def test_reflection_behind_auth() -> None:
    with DemoGrpcServer(token="sesame") as server:
        denied, _ = await run(grpc_doc("GetFeature", "{}"), addr=server.address)
        message = of(denied, "error")[0]["message"]
        assert "server reflection at" in message and "UNAUTHENTICATED" in message and "@reflect-header" in message
        allowed, _ = await run(
            grpc_doc("GetFeature", "{}", headers="authorization: Bearer {{token}}\n"),
            addr=server.address,
            token="sesame",
        )
        assert of(allowed, "status")[0]["code"] == "OK"
        reflect_only, _ = await run(
            grpc_doc("GetFeature", "{}", meta="@reflect-header authorization: Bearer sesame\n"),
            addr=server.address,
        )
        assert of(reflect_only, "status")[0]["code"] == "UNAUTHENTICATED"  # reflection passed, the call did not


async def test_connection_failures_are_explained() -> None:
    events, _ = await run(
        "# A\n```grpc\ngrpc://127.0.0.1:9 a.B/C\n```\n"
        "# B\n```grpc\n@timeout 3s\ngrpc://no-such-host.invalid:50051 a.B/C\n```\n"
    )
    refused, unresolved = (e["message"] for e in of(events, "error"))
    assert refused == "connection refused by 127.0.0.1:9: is the gRPC server running, and on that port?"
    assert "no-such-host.invalid" in unresolved


async def test_tls_with_a_test_ca(test_ca: dict[str, Path]) -> None:
    tls = (test_ca["server.key"].read_bytes(), test_ca["server.pem"].read_bytes())
    with DemoGrpcServer(tls=tls) as server:
        text = (
            "# Trusted\n```grpc\n@ca {{ca}}\ngrpcs://{{addr}} routeguide.RouteGuide/GetFeature\n```\n"
            "# Untrusted\n```grpc\n@timeout 5s\ngrpcs://{{addr}} routeguide.RouteGuide/GetFeature\n```\n"
            "# Insecure\n```grpc\n@insecure\ngrpcs://{{addr}} routeguide.RouteGuide/GetFeature\n```\n"
            "# Plaintext\n```grpc\n@timeout 5s\ngrpc://{{addr}} routeguide.RouteGuide/GetFeature\n```\n"
        )
        events, _ = await run(text, addr=server.address, ca=str(test_ca["ca.pem"]))
    by_request: dict[str, list[Event]] = {}
    for event in events:
        by_request.setdefault(event.request, []).append(event)
    assert of(by_request["trusted"], "status")[0]["code"] == "OK"
    assert of(by_request["insecure"], "status")[0]["code"] == "OK"
    untrusted = of(by_request["untrusted"], "error")[0]["message"]
    assert "TLS" in untrusted or "certificate" in untrusted.lower(), untrusted
    plaintext = of(by_request["plaintext"], "error")[0]["message"]
    assert "grpcs://" in plaintext, plaintext


async def test_message_over_the_size_limit(grpc_server: DemoGrpcServer) -> None:
    events, _ = await run(
        grpc_doc("GetFeature", '{"latitude": 1}', meta="@max-message-size 16\n"), addr=grpc_server.address
    )
    status = of(events, "status")[0]
    assert status["code"] == "RESOURCE_EXHAUSTED" and "larger than max" in status["message"]


async def test_server_closing_mid_stream_ends_the_session() -> None:
    server = DemoGrpcServer().start()
    doc = parse(grpc_doc("Ticker", '{"count": 1000, "rate": 50}'))
    events: list[Event] = []
    runner = Runner(doc, None, Collection(), overrides={"addr": server.address}, sinks=[events.append])
    session = runner.session(doc.requests[0])
    task = session.start()
    assert await session.until(lambda: session.received >= 2)
    await asyncio.to_thread(server.stop)
    await asyncio.wait_for(task, 15)
    ending = [e for e in events if e.kind in ("status", "error")]
    assert ending, kinds(events)
    assert ending[-1].fields.get("code") != "OK"


async def test_a_message_over_the_size_limit_is_not_sent(grpc_server: DemoGrpcServer) -> None:
    events, _ = await run(
        grpc_doc("GetFeature", '{"latitude": 100000, "longitude": 100000}', meta="@max-message-size 4\n"),
        addr=grpc_server.address,
    )
    (error,) = of(events, "error")
    assert (
        error["message"] == "the message is 8 bytes, over `@max-message-size` (4 bytes): raise the limit or send less"
    )
    assert not of(events, "sent")
