"""Expectations judged in real runs against the demo servers: a `check` event per expectation, streams kept
open exactly as long as their expectations wait, `voiden run` failing on a failed one."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import checks, kinds, of, run, voiden
from voiden_lsp.demo.grpc_server import DemoGrpcServer
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.demo.ws_server import DemoWebSocketServer


async def test_http_passes_and_fails_with_what_came(http_server: DemoHttpServer) -> None:
    text = (
        "```http name=create\nPOST {{base}}/users\n\n"
        '{"name": "{{$faker.name}}", "age": 36}\n```\n\n'
        "```expect\nstatus == 201\nheader content-type contains json\nheader location starts-with /users/\n"
        "body.id exists\nbody.name type-is string\nbody.age >= 18\ntime < 5s\nsize < 1KB\nerror not-exists\n"
        "status == 200\nbody.email exists\n```\n"
    )
    events, _ = await run(text, base=http_server.url)
    found = checks(events)
    assert kinds(events)[-11:] == ["check"] * 11 and kinds(events)[-12] == "closed"
    assert {t for t, (passed, _) in found.items() if not passed} == {"status == 200", "body.email exists"}
    assert found["status == 200"][1] == "expected status == 200, got status = 201"
    assert found["body.email exists"][1].startswith(
        "expected body.email exists, but there is no `email` (there is: id, "
    )
    line = next(c for c in of(events, "check") if c["text"] == "status == 200")
    assert line["line"] == 17 and line["expected"] == 200 and line["actual"] == 201


async def test_an_expected_value_from_a_variable_and_another_response(http_server: DemoHttpServer) -> None:
    text = (
        '```http name=first\nPOST {{base}}/users\n\n{"name": "Ada"}\n```\n\n'
        '```http name=second\nPOST {{base}}/users\n\n{"name": "Ada"}\n```\n\n'
        "```expect\nbody.name == {{first.response.body.name}}\nbody.id == {{wanted}}\nbody.id < {{wanted}}\n"
        'body.name == "{{who}}"\nbody.name == {{nobody}}\n```\n'
    )
    events, _ = await run(text, base=http_server.url, wanted="4", who="Ada")  # --var values are text
    found = checks(events)
    assert found["body.name == {{first.response.body.name}}"][0]
    assert found['body.name == "{{who}}"'][0]
    assert found["body.id == {{wanted}}"] == (True, "body.id == {{wanted}}: body.id is 4")
    assert found["body.id < {{wanted}}"] == (False, "expected body.id < {{wanted}}, got body.id = 4")
    passed, message = found["body.name == {{nobody}}"]
    assert not passed and message.startswith("body.name == {{nobody}}: ") and "nobody" in message[25:]


async def test_an_endless_feed_is_ended_by_its_expectations(ws_server: DemoWebSocketServer) -> None:
    text = (
        "```ws name=ticker\n{{ws}}/ticker?rate=200&count=100000&symbol=ACME\n```\n\n"
        '```expect\nany message.symbol == "ACME" within 2s\nmessages >= 5 within 3s\nevery message.price > 0\n'
        "message[0].seq == 1\nmessage[-1].seq >= 5\nclosed.by == client\nclosed.code == 1000\n```\n"
    )
    events, _ = await run(text, ws=ws_server.url)
    assert all(passed for passed, _ in checks(events).values()), checks(events)
    (closed,) = of(events, "closed")
    assert closed["reason"] == "expectations decided" and closed["messages"] < 1000
    assert len(of(events, "check")) == 7


async def test_a_stream_that_never_delivers_fails_at_its_deadline(ws_server: DemoWebSocketServer) -> None:
    text = (
        "```ws name=ticker\n@timeout 3s\n{{ws}}/ticker?rate=50&count=100000&symbol=XYZ\n```\n\n"
        '```expect\nany message.symbol == "ACME" within 300ms\nmessages >= 1000000\n```\n'
    )
    events, _ = await run(text, ws=ws_server.url)
    found = checks(events)
    assert found['any message.symbol == "ACME" within 300ms'][1].startswith(
        'expected any message.symbol == "ACME" within 300ms, but none of the '
    )
    (closed,) = of(events, "closed")
    assert closed["reason"] == "expectations still waiting after 3s (@timeout)"
    assert found["messages >= 1000000"][1].startswith("expected messages >= 1000000, got messages = ")
    opened, ended = (next(e.time for e in events if e.kind == k) for k in ("open", "closed"))
    assert 2500 < ended - opened < 6000  # ms: the request's @timeout, not the stream's end


async def test_grpc_unary_and_server_stream(grpc_server: DemoGrpcServer) -> None:
    text = (
        "```grpc name=feature\n{{addr}} routeguide.RouteGuide/GetFeature\n\n"
        '{"latitude": 3, "longitude": 4}\n```\n\n'
        "```expect\nstatus == OK\nbody.location.latitude == 3\n"
        "header x-served-by == voiden-demo\nbody.name exists\n```\n\n"
        "```grpc name=ticks\n{{addr}} routeguide.RouteGuide/Ticker\n\n"
        '{"symbol": "ACME", "count": 1000000, "rate": 500}\n```\n\n'
        "```expect\nmessages >= 3\nevery message.symbol == ACME\nmessage[2].seq == 3\n```\n\n"
        "```grpc name=bad\n{{addr}} routeguide.RouteGuide/GetFeature\n\n"
        '{"latitude": 300, "longitude": 4}\n```\n\n'
        "```expect\nstatus == OUT_OF_RANGE\nerror contains latitude\n```\n"
    )
    events, _ = await run(text, addr=grpc_server.address)
    found = checks(events)
    assert all(passed for passed, _ in found.values()), found
    ticks = [e for e in events if e.request == "ticks"]
    closed = next(e.fields for e in ticks if e.kind == "closed")
    assert closed["by"] == "client" and closed["reason"] == "expectations decided"


async def test_sse_events_by_name(http_server: DemoHttpServer) -> None:
    text = (
        "```sse name=ticks\n{{base}}/events?count=50&interval=20\n```\n\n"
        "```expect\nany message.event == tick\nmessage[1].seq == 2\nmessages >= 3\n```\n"
    )
    events, _ = await run(text, base=http_server.url)
    assert all(passed for passed, _ in checks(events).values()), checks(events)
    assert of(events, "closed")[0]["reason"] == "expectations decided"


async def test_a_bad_line_fails_the_request_but_the_rest_is_judged(http_server: DemoHttpServer) -> None:
    text = "```http name=h\nGET {{base}}/health\n```\n\n```expect\nstatus == 200\nstatuz == 200\n```\n"
    events, _ = await run(text, base=http_server.url)
    assert checks(events) == {
        "status == 200": (True, "status == 200: status is 200"),
        "statuz == 200": (False, "unknown subject `statuz`; did you mean `status`?"),
    }


def test_voiden_run_exits_1_on_a_failed_expectation(http_server: DemoHttpServer, tmp_path: Path) -> None:
    doc = tmp_path / "doc.voiden"
    doc.write_text(
        f"```http name=h\nGET {http_server.url}/health\n```\n\n```expect\nstatus == 200\nbody.status == down\n```\n"
    )
    result = voiden("run", str(doc), "--no-color")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "  ✔ status == 200  line 6\n" in result.stdout
    assert '  ✘ expected body.status == down, got body.status = "ok"  line 7\n' in result.stdout
    doc.write_text(f"```http name=h\nGET {http_server.url}/health\n```\n\n```expect\nstatus == 200\n```\n")
    assert voiden("run", str(doc)).returncode == 0


def void_with_assertions(base: str) -> str:
    """A request and its assertions in the app's shapes: the simplified table rows (a `null` fourth cell, an
    operator at the end of the field, aliases) and the raw ProseMirror rows importers write."""
    return f"""---
version: 1.1.0
generatedBy: Voiden app
---

## Create a user

```void
---
type: request
content:
  - type: method
    content: POST
  - type: url
    content: {base}/users
---
```

```void
---
type: json_body
attrs:
  body: '{{"name": "Ada", "age": 36}}'
---
```

```void
---
type: assertions-table
attrs:
  pluginId: simple-assertions
  pluginVersion: 1.1.0
content:
  - type: table
    rows:
      - row: ["Created", "statusCode", "eq", "201"]
      - row: ["Has an id", "body.id", "exists", null]
      - row: ["Named", "name", "equals", "Ada"]
      - row: ["Fast", "responseTime", "lt", "5000"]
      - row: ["JSON", "headers.Content-Type", "includes", "json"]
      - row: ["Status again", "status equals", "", "201"]
      - attrs:
          disabled: true
        row: ["Off", "status", "eq", "500"]
      - row: ["Adult", "age", "gte", "40"]
      - row: ["Odd", "body.id", "resembles", "x"]
  - type: table
    content:
      - type: tableRow
        content:
          - type: tableCell
            content: [{{type: paragraph, content: [{{type: text, text: "Raw row"}}]}}]
          - type: tableCell
            content: [{{type: paragraph, content: [{{type: text, text: "body.name"}}]}}]
          - type: tableCell
            content: [{{type: paragraph, content: [{{type: text, text: "starts-with"}}]}}]
          - type: tableCell
            content: [{{type: paragraph, content: [{{type: text, text: "Ad"}}]}}]
---
```
"""


def test_the_apps_assertions_table_is_judged(http_server: DemoHttpServer, tmp_path: Path) -> None:
    from voiden_lsp.formats import parse_document

    text = void_with_assertions(http_server.url)
    doc = parse_document(text, "users.void")
    (request,) = doc.requests
    assert [e.text for e in request.expectations] == [
        "status equals 201",
        "body.id exists",
        'body.name equals "Ada"',
        "time less-than 5000ms",
        'header Content-Type contains "json"',
        "status equals 201",
        "body.age greater-equal 40",
        'body.name starts-with "Ad"',
    ]
    (bad,) = [p for p in doc.problems if p.code == "bad-expectation"]
    assert bad.message.startswith("assertion `Odd`: unknown operator `resembles`")
    assert text.splitlines()[bad.range.start.line].strip() == '- row: ["Odd", "body.id", "resembles", "x"]'
    assert not [p for p in doc.problems if p.code == "void-not-run"]

    (tmp_path / "users.void").write_text(text)
    result = voiden("test", str(tmp_path), "--report", f"json:{tmp_path / 'r.json'}")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "✘ expected body.age greater-equal 40, got body.age = 36  line 45" in result.stdout
    assert "✘ assertion `Odd`: unknown operator `resembles`" in result.stdout
    import json

    (case,) = json.loads((tmp_path / "r.json").read_text())["documents"][0]["requests"]
    assert [c["passed"] for c in case["checks"]].count(True) == 7


def test_convert_writes_the_apps_assertions_as_an_expect_block() -> None:
    from voiden_lsp.document import parse
    from voiden_lsp.formats import convert_void, parse_document

    text = void_with_assertions("http://127.0.0.1:9")
    converted = parse(convert_void(text))
    (request,) = converted.requests
    original = parse_document(text, "users.void").requests[0]
    assert [e.text for e in request.expectations] == [e.text for e in original.expectations]
    assert not [p for p in converted.problems if p.severity == "error"]  # the unreadable row is a comment
