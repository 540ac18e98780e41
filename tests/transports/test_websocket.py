"""WebSocket sessions against the demo server, clean and faulty."""

from __future__ import annotations

import asyncio
import base64
import ssl
from pathlib import Path

import pytest

from tests.helpers import kinds, of, run
from voiden_lsp.demo.ws_server import DemoWebSocketServer
from voiden_lsp.document import parse
from voiden_lsp.events import Event, payload_text
from voiden_lsp.sessions import Runner, Session
from voiden_lsp.templating import Collection


def ws_doc(route: str, body: str = "", *, meta: str = "", headers: str = "", extra: str = "") -> str:
    return f"```ws name=ws\n{meta}{{{{ws}}}}/{route}\n{headers}\n{body}\n```\n{extra}"


async def test_echo_with_subprotocol_headers_text_and_binary(ws_server: DemoWebSocketServer) -> None:
    extra = (
        '```message\n{"n": {{$randomInt 7 7}}}\n```\n```message binary\nAAECAw==\n```\n'
        "```message binary hex\n76 6f 69 64\n```\n"
    )
    events, _ = await run(
        ws_doc(
            "echo",
            '{"hello": "world"}',
            meta="@subprotocol json\n@max-messages 4\n",
            headers="X-Client: voiden\n",
            extra=extra,
        ),
        ws=ws_server.url,
    )
    opened = of(events, "open")[0]
    assert opened["subprotocol"] == "json"
    assert "permessage-deflate" in opened["headers"]["sec-websocket-extensions"]
    sent = of(events, "sent")
    assert [s["encoding"] for s in sent] == ["json", "json", "base64", "base64"]
    assert base64.b64decode(sent[2]["data"]) == b"\x00\x01\x02\x03" and base64.b64decode(sent[3]["data"]) == b"void"
    received = of(events, "received")
    assert received[0]["data"] == {"hello": "world"} and received[1]["data"] == {"n": 7}
    assert [r["data"] for r in received[2:]] == [sent[2]["data"], sent[3]["data"]]
    assert of(events, "closed")[0] == {
        "by": "client",
        "code": 1000,
        "reason": "@max-messages 4 reached",
        "messages": 4,
        "sent": 4,
    }


async def test_ticker_is_closed_by_the_server(ws_server: DemoWebSocketServer) -> None:
    events, _ = await run(ws_doc("ticker?rate=200&count=5"), ws=ws_server.url)
    assert [r["data"]["seq"] for r in of(events, "received")] == [1, 2, 3, 4, 5]
    assert of(events, "closed")[0]["by"] == "server" and of(events, "closed")[0]["reason"] == "ticker finished"
    assert "error" not in kinds(events)


async def test_duration_closes_cleanly(ws_server: DemoWebSocketServer) -> None:
    events, _ = await run(ws_doc("ticker?rate=20&count=1000", meta="@duration 300ms\n"), ws=ws_server.url)
    closed = of(events, "closed")[0]
    assert closed["by"] == "client" and closed["code"] == 1000 and closed["reason"] == "@duration 300ms reached"
    assert 2 <= closed["messages"] <= 10


async def test_chat_broadcasts_between_two_live_sessions(ws_server: DemoWebSocketServer) -> None:
    doc = parse(
        "# A\n```ws name=a\n{{ws}}/chat?name=ann\n```\n```message\nhello from {{$faker.first_name}}\n```\n"
        "# B\n```ws name=b\n{{ws}}/chat?name=bob\n```\n"
    )
    events: list[Event] = []
    runner = Runner(doc, None, Collection(), overrides={"ws": ws_server.url}, sinks=[events.append])
    a, b = runner.session(doc.requests[0]), runner.session(doc.requests[1])
    tasks = [a.start(), b.start()]
    assert await a.until_ready() and await b.until_ready()
    assert await b.until(lambda: any('"online": 2' in payload_text(e.fields) for e in b.log))
    assert await runner.send_message(a, doc.requests[0], doc.requests[0].messages[0])
    assert await b.until(lambda: any("hello from" in payload_text(e.fields) for e in b.log))
    await a.close()
    await b.close()
    await asyncio.wait_for(asyncio.gather(*tasks), 10)
    assert a.state == b.state == "closed"
    assert of([e for e in events if e.request == "a"], "closed")[0]["reason"] == "closed by the user"


async def test_send_on_a_closed_session_is_an_error(ws_server: DemoWebSocketServer) -> None:
    doc = parse(ws_doc("close?code=4001&reason=bye&now=1", extra="```message\nlate\n```\n"))
    events: list[Event] = []
    runner = Runner(doc, None, Collection(), overrides={"ws": ws_server.url}, sinks=[events.append])
    request = doc.requests[0]
    session: Session = runner.session(request)
    task = session.start()
    await asyncio.wait_for(task, 10)
    assert of(events, "closed")[0] == {"by": "server", "code": 4001, "reason": "bye", "messages": 0, "sent": 0}
    assert "error" not in kinds(events), "an application close code is the server's business, not a failure"
    assert not await runner.send_message(session, request, request.messages[0])
    assert "is not open: connect first" in of(events, "error")[0]["message"]


@pytest.mark.parametrize(
    ("route", "meta", "code", "words"),
    [
        ("drop", "", 1006, "lost without a close frame"),
        ("badutf8", "", 1007, "not valid UTF-8"),
        ("big?size=5000", "@max-message-size 1KB\n", 1009, "over the size limit"),
    ],
)
async def test_faults_end_in_plain_words(
    ws_server: DemoWebSocketServer, route: str, meta: str, code: int, words: str
) -> None:
    events, _ = await run(ws_doc(route, "go" if route == "drop" else "", meta=meta), ws=ws_server.url)
    (error,) = of(events, "error")
    assert words in error["message"] and str(code) in error["message"]
    assert of(events, "closed")[0]["code"] == code
    assert kinds(events)[-1] == "closed"


async def test_handshake_refusals(ws_server: DemoWebSocketServer) -> None:
    text = (
        ws_doc("secure") + "# Sub\n```ws\n@subprotocol mqtt\n{{ws}}/echo\n```\n"
        "# Token\n```ws\n@duration 200ms\n{{ws}}/secure\nAuthorization: Bearer demo-token\n```\n"
        "# Refused\n```ws\nws://127.0.0.1:9/x\n```\n"
    )
    events, _ = await run(text, ws=ws_server.url)
    refused, subprotocol, connection = (e["message"] for e in of(events, "error"))
    assert refused == "the server refused the WebSocket handshake: 403 Forbidden: missing or wrong bearer token"
    assert subprotocol.startswith("the server accepted none of the subprotocols mqtt")
    assert connection.startswith("connection refused by ws://127.0.0.1:9/x")
    token = [e for e in events if e.request == "token"]
    assert of(token, "received")[0]["data"]["welcome"] == "you are authorised"


async def test_server_pings_are_visible(ws_server: DemoWebSocketServer) -> None:
    events, _ = await run(ws_doc("ping", "hi", meta="@max-messages 1\n"), ws=ws_server.url)
    pings = [r for r in of(events, "received") if r.get("event") == "ping"]
    assert pings == [{"data": "demo", "encoding": "text", "size": 4, "event": "ping", "control": True}]
    assert kinds(events).index("open") < kinds(events).index("received")
    assert of(events, "closed")[0]["messages"] == 1, "pings do not count as messages"


async def test_reconnect_with_backoff(ws_server: DemoWebSocketServer) -> None:
    events, _ = await run(ws_doc("drop", "go", meta="@reconnect 2\n"), ws=ws_server.url)
    connecting = of(events, "connecting")
    assert len(connecting) == 3
    assert connecting[1]["attempt"] == 2 and "attempt 1 of 2" in connecting[1]["reason"]
    assert [c["code"] for c in of(events, "closed")] == [1006, 1006, 1006]


async def test_wss_with_a_test_ca(test_ca: dict[str, Path]) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(test_ca["server.pem"], test_ca["server.key"])
    with DemoWebSocketServer(tls=context) as server:
        text = (
            "# Trusted\n```ws\n@ca {{ca}}\n@max-messages 1\n{{ws}}/echo\n\nsecure hello\n```\n"
            "# Untrusted\n```ws\n{{ws}}/echo\n```\n"
            "# Insecure\n```ws\n@insecure\n@max-messages 1\n{{ws}}/echo\n\nhi\n```\n"
        )
        events, _ = await run(text, ws=server.url, ca=str(test_ca["ca.pem"]))
    by = {name: [e for e in events if e.request == name] for name in ("trusted", "untrusted", "insecure")}
    assert of(by["trusted"], "received")[0]["data"] == "secure hello"
    assert of(by["insecure"], "received")[0]["data"] == "hi"
    assert "TLS failed" in of(by["untrusted"], "error")[0]["message"]
