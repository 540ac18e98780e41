"""Socket.IO against npm `socket.io` 4 (Node): events, acknowledgements, scalars, binary, rooms, namespaces,
and a refusal by the server's middleware."""

from __future__ import annotations

import base64

from tests.helpers import kinds, of, run
from tests.interop.conftest import Reference


def session(meta: str = "", body: str = "", extra: str = "", headers: str = "") -> str:
    return f"```socketio name=s\n{meta}http://{{{{addr}}}}\n{headers}\n{body}\n```\n{extra}"


def message(event: str, data: str, attributes: str = "") -> str:
    return f"```message event={event}{attributes}\n{data}\n```\n"


async def test_welcome_and_an_acknowledged_echo(socketio_js: Reference) -> None:
    events, _ = await run(
        session("@max-messages 2\n", extra=message("echo", '{"user": "{{$faker.user_name}}"}')),
        addr=socketio_js.address,
    )
    welcome, ack = of(events, "received")
    assert welcome["event"] == "welcome" and welcome["data"]["id"] == of(events, "open")[0]["sid"]
    assert ack["ack"] is True and ack["latency"] >= 0
    assert ack["data"] == of(events, "sent")[0]["data"]


async def test_scalars_go_out_and_come_back_as_json_values(socketio_js: Reference) -> None:
    """Each message block's text is sent as the JSON value it spells, and what the server sends is read as such."""
    values = ("42", "true", '"a string"', "plain text", "null", "[1]")
    extra = "".join(message("typeof", value) for value in values) + message("scalars", "{}")
    events, _ = await run(session(f"@max-messages {len(values) + 2}\n", extra=extra), addr=socketio_js.address)
    acks = [r["data"] for r in of(events, "received") if r.get("ack")]
    assert acks == ["number", "boolean", "string", "string", "null", "array"]
    scalars = next(r for r in of(events, "received") if r["event"] == "scalars")
    assert scalars["data"] == [42, True, "a string", None]


async def test_a_binary_event_arrives_as_base64(socketio_js: Reference) -> None:
    events, _ = await run(session("@max-messages 2\n", extra=message("file", "{}")), addr=socketio_js.address)
    file = next(r for r in of(events, "received") if r["event"] == "file")
    assert file["encoding"] == "base64" and base64.b64decode(file["data"]) == b"voiden" and file["size"] == 6
    assert of(events, "error") == []


async def test_rooms(socketio_js: Reference) -> None:
    extra = message("join", '"lobby"') + message("shout", '"hello lobby"', " wait=1")
    events, _ = await run(session("@max-messages 3\n", extra=extra), addr=socketio_js.address)
    assert [(r["event"], r["data"]) for r in of(events, "received")[1:]] == [
        ("joined", {"room": "lobby"}),
        ("shout", "hello lobby"),
    ]


async def test_a_namespace_behind_a_middleware(socketio_js: Reference) -> None:
    events, _ = await run(session("@namespace /admin\n"), addr=socketio_js.address)
    assert kinds(events) == ["connecting", "error"]
    assert of(events, "error")[0]["message"] == (
        "the Socket.IO server refused the connection to namespace /admin: "
        "not authorized: send Authorization: Bearer <token>"
    )
    events, _ = await run(
        session("@namespace /admin\n@max-messages 1\n", headers="Authorization: Bearer letmein\n"),
        addr=socketio_js.address,
    )
    assert of(events, "open")[0]["namespace"] == "/admin"
    assert [(r["event"], r["data"]) for r in of(events, "received")] == [("hello", "admin")]
