from __future__ import annotations

from tests.helpers import kinds, of, run
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.transports.sse import SseDecoder, SseEvent


def test_decoder_follows_the_event_stream_rules() -> None:
    decoder = SseDecoder()
    lines = [
        ": comment",
        "retry: 1500",
        "event: update",
        "id: 7",
        "data: first",
        "data:second",
        "",
        "",
        "data: x",
        "id: 8",
        "unknown: field",
        "",
    ]
    events = [e for line in lines if (e := decoder.feed(line)) is not None]
    assert events == [SseEvent("first\nsecond", "update", "7", 1500), SseEvent("x", "message", "8", None)]
    assert decoder.last_id == "8"


async def test_events_arrive_with_names_ids_and_multiline_data(http_server: DemoHttpServer) -> None:
    events, _ = await run("```sse\n{{base}}/events?count=3&interval=10\n```\n", base=http_server.url)
    assert kinds(events) == ["connecting", "open", "status", "received", "received", "received", "closed"]
    received = of(events, "received")
    assert [r["event"] for r in received] == ["tick", "tick", "summary"]
    assert [r["id"] for r in received] == ["1", "2", "3"]
    assert received[0]["retry"] == 3000
    assert received[2]["data"] == "summary after 3 ticks\n(a multi-line event)"
    assert received[0]["encoding"] == "json" and received[0]["data"]["seq"] == 1
    assert received[2]["encoding"] == "text"
    assert of(events, "closed")[0] == {"by": "server", "reason": "the server ended the stream", "messages": 3}


async def test_max_messages_and_duration_close_from_the_client(http_server: DemoHttpServer) -> None:
    events, _ = await run(
        "# A\n```sse\n@max-messages 2\n{{base}}/events?count=50&interval=10\n```\n"
        "# B\n```sse\n@duration 300ms\n{{base}}/events?count=500&interval=50\n```\n",
        base=http_server.url,
    )
    first, second = of(events, "closed")
    assert first == {"by": "client", "reason": "@max-messages 2 reached", "messages": 2}
    assert second["by"] == "client" and second["reason"] == "@duration 300ms reached"  # as written
    assert 2 <= second["messages"] <= 8


async def test_a_response_that_is_not_a_stream_is_an_error(http_server: DemoHttpServer) -> None:
    events, _ = await run("```sse\n{{base}}/users\n```\n", base=http_server.url)
    (error,) = of(events, "error")
    assert "answered 200 OK with `application/json`, not an event stream" in error["message"]
