"""WebSocket against npm `ws` (Node), compared with websocat where both can say the same."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import of, run, voiden
from tests.interop.conftest import Reference


def session(path: str, meta: str = "", headers: str = "", body: str = "", extra: str = "") -> str:
    return f"```ws name=s\n{meta}ws://{{{{addr}}}}{path}\n{headers}\n{body}\n```\n{extra}"


async def test_echo_text_and_binary(ws_js: Reference) -> None:
    extra = '```message\n{"n": {{$randomInt 7 7}}}\n```\n```message binary hex\n00 ff 76\n```\n'
    events, _ = await run(session("/echo", "@max-messages 3\n", body="hello", extra=extra), addr=ws_js.address)
    received = of(events, "received")
    assert [(r["encoding"], r["data"]) for r in received[:2]] == [("text", "hello"), ("json", {"n": 7})]
    assert received[2]["encoding"] == "base64" and base64.b64decode(received[2]["data"]) == b"\x00\xffv"
    assert of(events, "closed")[0] == {
        "by": "client",
        "code": 1000,
        "reason": "@max-messages 3 reached",
        "messages": 3,
        "sent": 3,
    }


async def test_the_message_limit_is_exact(ws_js: Reference) -> None:
    """The server sends 50 messages at once: the limit's close races the rest, which must not be counted, and
    the close must not wait out its timeout (10 s) behind the unread messages, as it did."""
    for _ in range(10):
        events, _ = await run(session("/feed?count=50", "@max-messages 4\n"), addr=ws_js.address)
        assert [r["data"] for r in of(events, "received")] == [{"n": 1}, {"n": 2}, {"n": 3}, {"n": 4}]
        assert of(events, "closed")[0]["messages"] == 4
        opened, closed = (next(e.time for e in events if e.kind == kind) for kind in ("open", "closed"))
        assert closed - opened < 5000  # milliseconds: the bug took the whole 10,000


async def test_a_close_code_and_reason_from_the_server(ws_js: Reference) -> None:
    events, _ = await run(session("/close?code=4001&reason=see%20you"), addr=ws_js.address)
    assert of(events, "closed")[0] == {"by": "server", "code": 4001, "reason": "see you", "messages": 0, "sent": 0}
    assert of(events, "error") == []


async def test_handshake_headers_and_subprotocol(ws_js: Reference) -> None:
    events, _ = await run(
        session("/headers", "@subprotocol json\n@max-messages 1\n", headers="X-Client: voiden\n"), addr=ws_js.address
    )
    assert of(events, "open")[0]["subprotocol"] == "json"
    seen = of(events, "received")[0]["data"]
    assert seen["headers"]["x-client"] == "voiden" and seen["protocol"] == "json"


async def test_a_subprotocol_the_server_refuses(ws_js: Reference) -> None:
    events, _ = await run(session("/echo", "@subprotocol mqtt\n"), addr=ws_js.address)
    (error,) = of(events, "error")
    assert error["message"] == (
        "the server accepted none of the subprotocols mqtt: check `@subprotocol` against what the server offers"
    )


async def test_a_refused_handshake_says_why(ws_js: Reference) -> None:
    events, _ = await run(session("/secure"), addr=ws_js.address)
    (error,) = of(events, "error")
    assert error["message"] == "the server refused the WebSocket handshake: 401 Unauthorized: bad credential"
    events, _ = await run(
        session("/secure", "@max-messages 1\n", headers="Authorization: Bearer letmein\n"), addr=ws_js.address
    )
    assert [r["data"] for r in of(events, "received")] == ["welcome"]


def test_websocat_reads_what_we_read(ws_js: Reference, tmp_path: Path) -> None:
    websocat = shutil.which("websocat", path=str(Path(sys.executable).parent)) or shutil.which("websocat")
    if websocat is None:
        pytest.skip("websocat is installed with the test extra")
    theirs = subprocess.run(
        [websocat, "-t", "--no-close", f"ws://{ws_js.address}/feed?count=3", "--max-messages-rev", "3"],
        input="",
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert theirs.returncode == 0, theirs.stderr
    doc = tmp_path / "feed.voiden"
    doc.write_text(session("/feed?count=3", "@max-messages 3\n").replace("{{addr}}", ws_js.address), encoding="utf-8")
    ours = voiden("run", "--json", str(doc))
    assert ours.returncode == 0, ours.stderr
    received = [e["data"] for e in map(json.loads, ours.stdout.splitlines()) if e["kind"] == "received"]
    assert received == [json.loads(line) for line in theirs.stdout.splitlines()]


async def test_fragmented_messages_keep_their_place(ws_js: Reference) -> None:
    """Whole messages take a short way past websockets' queue; a fragmented one takes the queue, and what
    follows it waits for it: the order is the server's."""
    events, _ = await run(session("/fragments?count=300"), addr=ws_js.address)
    expected = [f"frag {n}" if n % 3 == 0 else f"whole {n}" for n in range(1, 301)]
    assert [r["data"] for r in of(events, "received")] == expected
    assert of(events, "closed")[0]["messages"] == 300


async def test_a_feed_with_pings_is_read_past_websockets_parser(
    ws_js: Reference, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whole data frames are cut by the transport; websockets' own parser reads only the control frames (the
    pings, which it answers, and the close): every message and every ping arrives, in order."""
    from websockets.frames import Frame

    parsed = 0
    parse = Frame.parse.__func__  # type: ignore[attr-defined]

    def counted(cls: type[Frame], *args: object, **kwargs: object) -> object:
        nonlocal parsed
        parsed += 1
        return (yield from parse(cls, *args, **kwargs))

    monkeypatch.setattr(Frame, "parse", classmethod(counted))
    events, _ = await run(session("/pingfeed?count=2000"), addr=ws_js.address)
    messages = [r["data"]["n"] for r in of(events, "received") if not r.get("control")]
    pings = [r["data"] for r in of(events, "received") if r.get("event") == "ping"]
    assert messages == list(range(1, 2001))
    assert pings == [f"p{n}" for n in range(100, 2001, 100)]
    assert of(events, "closed")[0] == {"by": "server", "code": 1000, "reason": "done", "messages": 2000, "sent": 0}
    assert parsed < 100, parsed  # the pings, the close and what came with the handshake; not 2,000 messages
