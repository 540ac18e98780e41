"""Socket.IO against the demo server (python-socketio on aiohttp)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.helpers import kinds, of, run
from voiden_lsp.demo.socketio_server import DemoSocketIoServer


@pytest.fixture
def sio_server() -> Iterator[DemoSocketIoServer]:
    with DemoSocketIoServer() as server:
        yield server


async def test_named_events_acknowledgements_and_limits(sio_server: DemoSocketIoServer) -> None:
    text = (
        "```socketio name=s\n@max-messages 6\n{{url}}\n```\n"
        '```message event=echo\n{"n": {{$randomInt 4 4}}}\n```\n```message event=ticker\n{"count": 3}\n```\n'
    )
    events, _ = await run(text, url=sio_server.url)
    assert kinds(events)[:3] == ["connecting", "open", "received"]
    assert of(events, "open")[0]["namespace"] == "/"
    received = of(events, "received")
    assert [r["event"] for r in received] == ["welcome", "echo", "echo", "tick", "tick", "tick"]
    ack = received[2]
    assert ack["ack"] is True and ack["data"] == {"ok": True, "echoed": {"n": 4}}
    assert [s["event"] for s in of(events, "sent")] == ["echo", "ticker"]
    assert of(events, "closed")[0] == {"by": "client", "reason": "@max-messages 6 reached", "messages": 6}


async def test_namespace_body_and_duration(sio_server: DemoSocketIoServer) -> None:
    events, _ = await run(
        "```socketio\n@namespace /chat\n@duration 300ms\n{{url}}\n\nhello room\n```\n", url=sio_server.url
    )
    # Socket.IO arguments are JSON values: the text goes as a JSON string, 12 bytes with its quotes
    assert of(events, "sent")[0] == {"data": "hello room", "encoding": "json", "size": 12, "event": "message"}
    chat = [r for r in of(events, "received") if r["event"] == "chat"]
    assert chat[0]["data"]["text"] == "hello room"
    assert of(events, "closed")[0]["reason"] == "@duration 300ms reached"


async def test_unreachable_server() -> None:
    events, _ = await run("```socketio\nhttp://127.0.0.1:9\n```\n")
    (error,) = of(events, "error")
    assert error["message"] == "connection refused by 127.0.0.1:9: is the Socket.IO server running, and on that port?"
