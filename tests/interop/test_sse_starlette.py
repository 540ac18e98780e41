"""Server-Sent Events against sse-starlette's EventSourceResponse under uvicorn."""

from __future__ import annotations

from tests.helpers import of, run
from tests.interop.conftest import Reference


def stream(path: str, meta: str = "", headers: str = "") -> str:
    return f"```sse name=s\n{meta}http://{{{{addr}}}}{path}\n{headers}```\n"


async def test_named_events_with_ids_to_the_end_of_the_stream(sse_server: Reference) -> None:
    events, _ = await run(stream("/ticks?count=3&interval=5"), addr=sse_server.address)
    received = of(events, "received")
    assert [(r["event"], r["id"], r["data"]) for r in received] == [
        ("tick", "1", {"n": 1}),
        ("tick", "2", {"n": 2}),
        ("tick", "3", {"n": 3}),
    ]
    assert of(events, "closed")[0] == {"by": "server", "reason": "the server ended the stream", "messages": 3}


async def test_multiline_data_comments_and_retry(sse_server: Reference) -> None:
    events, _ = await run(stream("/lines"), addr=sse_server.address)
    (poem,) = of(events, "received")
    assert poem["event"] == "poem" and poem["data"] == "first\nsecond\nthird" and poem["retry"] == 1500


async def test_limits_end_an_endless_stream(sse_server: Reference) -> None:
    events, _ = await run(stream("/forever?interval=5", "@max-messages 4\n"), addr=sse_server.address)
    assert [r["data"]["n"] for r in of(events, "received")] == [1, 2, 3, 4]
    assert of(events, "closed")[0] == {"by": "client", "reason": "@max-messages 4 reached", "messages": 4}
    events, _ = await run(stream("/forever?interval=20", "@duration 300ms\n"), addr=sse_server.address)
    closed = of(events, "closed")[0]
    assert closed["by"] == "client" and closed["reason"] == "@duration 300ms reached" and closed["messages"] >= 3


async def test_a_refusal_is_an_error_with_the_servers_words(sse_server: Reference) -> None:
    events, _ = await run(stream("/private"), addr=sse_server.address)
    assert of(events, "status")[0]["code"] == 401
    (error,) = of(events, "error")
    assert "401" in error["message"] and "bad credential" in error["message"]
    events, _ = await run(stream("/private", headers="Authorization: Bearer letmein\n"), addr=sse_server.address)
    assert [(r["event"], r["data"]) for r in of(events, "received")] == [("hello", "welcome")]
