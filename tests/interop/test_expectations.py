"""Expectations judged on what servers nobody here wrote send: httpbin, sse-starlette, npm `ws`,
@grpc/grpc-js and socket.io. Each endless stream is ended by its expectations, not by a limit."""

from __future__ import annotations

from typing import Any

from tests.helpers import checks, of, run
from tests.interop.conftest import Reference


def ended_by_expectations(events: list[Any]) -> dict[str, Any]:
    (closed,) = of(events, "closed")
    assert closed["by"] == "client" and closed["reason"] == "expectations decided", closed
    return dict(closed)


async def test_httpbin(httpbin: Reference) -> None:
    text = (
        "```http name=post\nPOST http://{{addr}}/anything?q=1\nX-Trace: t-1\n\n"
        '{"n": 5, "name": "{{$faker.first_name}}"}\n```\n\n'
        "```expect\nstatus == 200\nheader content-type == application/json\nbody.json.n == 5\n"
        'body.headers.X-Trace == t-1\nbody.args.q == "1"\nbody.json.name matches /^[A-Z][a-z]+$/\n'
        "body.json.name == {{post.request.body.name}}\ntime < 10s\nbody.json.missing exists\n```\n\n"
        "```http name=teapot\nGET http://{{addr}}/status/418\n```\n\n"
        "```expect\nstatus == 418\nbody contains teapot\n```\n"
    )
    events, _ = await run(text, addr=httpbin.address)
    found = checks(events)
    failed = {t for t, (passed, _) in found.items() if not passed}
    assert failed == {"body.json.name == {{post.request.body.name}}", "body.json.missing exists"}, found
    assert found["body.json.missing exists"][1].startswith("expected body.json.missing exists, but there is no ")


async def test_sse_starlette_endless_feed(sse_server: Reference) -> None:
    text = (
        "```sse name=feed\nhttp://{{addr}}/forever?interval=5\n```\n\n"
        "```expect\nmessage[0].n == 1\nany message.n == 5\nmessages >= 5 within 5s\nevery message.event == tick\n```\n"
    )
    events, _ = await run(text, addr=sse_server.address)
    assert all(passed for passed, _ in checks(events).values()), checks(events)
    assert ended_by_expectations(events)["messages"] == 5


async def test_ws_endless_feed_passes_and_fails(ws_js: Reference) -> None:
    # the server sends 200,000 messages and keeps the socket open: only the expectations end the session
    text = (
        "```ws name=feed\nws://{{addr}}/feed?count=200000\n```\n\n"
        "```expect\nmessage[2].n == 3\nany message.n > 10\nevery message.n < 1000\nmessage[-1].n type-is number\n```\n"
    )
    events, _ = await run(text, addr=ws_js.address)
    found = checks(events)
    assert all(passed for passed, _ in found.values()), found
    closed = ended_by_expectations(events)
    assert closed["code"] == 1000 and 11 <= closed["messages"] < 200_000

    failing = (
        "```ws name=feed\nws://{{addr}}/feed?count=200000\n```\n\n"
        "```expect\nany message.n > 50\nevery message.n < 20\n```\n"
    )
    events, _ = await run(failing, addr=ws_js.address)
    found = checks(events)
    assert found["every message.n < 20"] == (False, "expected every message.n < 20, got message[19].n = 20")
    assert found["any message.n > 50"][0]


async def test_grpc_js_unary_status_and_stream(grpc_js: Reference) -> None:
    def call(name: str, method: str, body: str, expect: str) -> str:
        request = f"```grpc name={name}\ngrpc://{{{{addr}}}} interop.v1.Catalog/{method}\n\n{body}\n```\n\n"
        return request + f"```expect\n{expect}```\n\n"

    text = (
        call(
            "get",
            "GetItem",
            '{"id": "x-1"}',
            "status == OK\nbody.id == x-1\nbody.kind == BOOK\nbody.price.units == 101\n"
            "body.tags[1] == b\nbody.stock.lima >= 2\nbody.created starts-with 2023\n",
        )
        + call("missing", "GetItem", '{"id": "missing"}', "status == NOT_FOUND\nerror contains missing\n")
        + call(
            "list",
            "ListItems",
            '{"count": 1000000, "interval_ms": 2}',
            "messages >= 4\nmessage[3].id == i4\nevery message.name starts-with item\n",
        )
    )
    events, _ = await run(text, addr=grpc_js.address)
    found = checks(events)
    assert all(passed for passed, _ in found.values()), found
    assert len(found) == 12
    listed = [e for e in events if e.request == "list" and e.kind == "closed"]
    assert listed[0].fields["reason"] == "expectations decided" and listed[0].fields["messages"] >= 4


async def test_socketio_events_by_name(socketio_js: Reference) -> None:
    text = (
        "```socketio name=s\nhttp://{{addr}}\n```\n\n"
        '```message event=echo\n{"user": "ada"}\n```\n\n'
        "```expect\nmessage[0].event == welcome\nmessage[0].id exists\nany message.user == ada within 5s\n"
        "closed.by == client\n```\n"
    )
    events, _ = await run(text, addr=socketio_js.address)
    found = checks(events)
    assert all(passed for passed, _ in found.values()), found
    ended_by_expectations(events)
