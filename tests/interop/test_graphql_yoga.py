"""GraphQL over HTTP against npm `graphql-yoga` (on the reference `graphql`): queries with variables, GET,
mutations, headers, errors under HTTP 200, and expectations on `body.data`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import checks, of, run, voiden
from tests.interop.conftest import Reference
from voiden_lsp.events import Event
from voiden_lsp.sessions.runner import Runner


def data(events: list[Event], name: str) -> Any:
    (received,) = [e.fields for e in events if e.kind == "received" and e.request == name]
    return received["data"]


QUERIES = """
```graphql name=country
POST http://{{addr}}/graphql
Authorization: Bearer t-1

query Country($code: ID!) {
  country(code: $code) { name capital continent }
  whoami
}
```

```variables
{"code": "{{code}}"}
```

```expect
status == 200
body.data.country.name == Japan
body.errors not-exists
```

```gql name=by-get
GET http://{{addr}}/graphql
@operation Europe

query Asia { countries(continent: ASIA) { code } }
query Europe { countries(continent: EUROPE) { code } }
```

```graphql name=note
http://{{addr}}/graphql

mutation { addNote(text: "{{$randomWord}}") { id text } }
```

```graphql name=broken
http://{{addr}}/graphql

{ broken country(code: "DE") { name } }
```

```graphql name=expected-errors
http://{{addr}}/graphql

{ broken }
```

```expect
body.errors[0].message contains "always fails"
body.data.broken == null
```
"""


async def test_queries_variables_get_mutations_and_errors(graphql_yoga: Reference) -> None:
    events, runner = await run(QUERIES, addr=graphql_yoga.address, code="JP")
    answer = data(events, "country")
    assert answer == {
        "data": {"country": {"name": "Japan", "capital": "Tokyo", "continent": "ASIA"}, "whoami": "Bearer t-1"}
    }
    sent = next(e.fields for e in events if e.kind == "sent" and e.request == "country")
    assert sent["data"]["operationName"] == "Country" and sent["data"]["variables"] == {"code": "JP"}
    assert sent["headers"]["accept"].startswith("application/graphql-response+json")
    verdicts = checks([e for e in events if e.request == "country"])
    assert {text: passed for text, (passed, _) in verdicts.items()} == {
        "status == 200": True,
        "body.data.country.name == Japan": True,
        "body.errors not-exists": True,
    }
    # GET: the operation picked by @operation, the query in the URL
    sent_get = next(e.fields for e in events if e.kind == "sent" and e.request == "by-get")
    assert sent_get["method"] == "GET" and "operationName=Europe" in sent_get["url"]
    assert data(events, "by-get") == {"data": {"countries": [{"code": "DE"}, {"code": "FR"}]}}
    # a mutation
    note = data(events, "note")["data"]["addNote"]
    assert isinstance(note["id"], int) and note["text"]
    # errors under HTTP 200: the data that came, and an error event in words
    broken = [e for e in events if e.request == "broken"]
    assert of(broken, "status")[0]["code"] == 200
    assert data(events, "broken")["data"] == {"broken": None, "country": {"name": "Germany"}}
    (error,) = of(broken, "error")
    assert error["message"] == "GraphQL error at broken: this field always fails"
    for name in ("country", "by-get", "note"):
        assert not of([e for e in events if e.request == name], "error"), name
    # an expectation about the errors judges them: the run of that request passes
    expected = [e for e in events if e.request == "expected-errors"]
    assert of(expected, "error") and all(passed for passed, _ in checks(expected).values()), checks(expected)
    requests = {r.name: r for r in runner.doc.requests}
    assert Runner.failure(await runner.run(requests["expected-errors"]), requests["expected-errors"]) is None
    failure = Runner.failure(await runner.run(requests["broken"]), requests["broken"])
    assert failure == "GraphQL error at broken: this field always fails"  # no expectation about the errors


# The app's GraphQL blocks (research/peers-2026.md: `gqlquery` with `gqlurl` + `gqlbody` children, the older
# `gqlquery.attrs.body`, `gqlvariables`, an assertions-table), written here for this server.
APP_GRAPHQL = """---
version: 2.3.0-beta.19
generatedBy: Voiden app
---
# Countries

```void
---
type: request-separator
attrs:
  uid: "5a1f0c3e-0a2b-4c5d-8e9f-101112131415"
  colorIndex: 0
  label: "Country by code"
---
```

```void
---
type: gqlquery
attrs:
  uid: "6b2a1d4f-1b3c-4d6e-9f00-161718192021"
content:
  - type: gqlurl
    attrs:
      uid: "7c3b2e50-2c4d-4e7f-8011-222324252627"
    content: "{{GRAPHQL_URL}}"
  - type: gqlbody
    attrs:
      uid: "8d4c3f61-3d5e-4f80-9122-282930313233"
      body: |
        query Country($code: ID!) {
          country(code: $code) {
            name
            capital
          }
        }
      operationType: query
      schemaUrl: null
      schemaFileName: null
      schemaFilePath: null
---
```

```void
---
type: gqlvariables
attrs:
  uid: "9e5d4072-4e6f-4091-a233-343536373839"
  body: '{"code": "FR"}'
---
```

```void
---
type: assertions-table
attrs:
  uid: "af6e5183-5f70-41a2-b344-404142434445"
content:
  - type: table
    rows:
      - attrs: { disabled: false }
        row: ["Status is 200", "status", "equals", "200"]
      - attrs: { disabled: false }
        row: ["No GraphQL errors", "body.errors", "not-exists", null]
      - attrs: { disabled: false }
        row: ["The capital", "body.data.country.capital", "equals", "Paris"]
---
```

```void
---
type: request-separator
attrs:
  uid: "b07f6294-6081-42b3-8455-464748494a4b"
  colorIndex: 1
  label: "Older shape"
---
```

```void
---
type: gqlquery
attrs:
  uid: "c18073a5-7192-43c4-9566-4c4d4e4f5051"
  url: "{{GRAPHQL_URL}}"
  body: "{ countries(continent: ASIA) { code } }"
---
```

```void
---
type: request-separator
attrs:
  uid: "d29184b6-82a3-44d5-a677-525354555657"
  colorIndex: 2
  label: "Countdown"
---
```

```void
---
type: gqlquery
attrs:
  uid: "e3a295c7-93b4-45e6-b788-58595a5b5c5d"
content:
  - type: gqlurl
    attrs:
      uid: "f4b3a6d8-a4c5-46f7-c899-5e5f60616263"
    content: "{{GRAPHQL_URL}}"
  - type: gqlbody
    attrs:
      uid: "05c4b7e9-b5d6-4708-d9aa-646566676869"
      body: |
        subscription { countdown(from: 2) }
      operationType: subscription
---
```
"""


def test_the_apps_graphql_blocks_run_and_convert(graphql_yoga: Reference, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text(f"GRAPHQL_URL=http://{graphql_yoga.address}/graphql\n")
    (tmp_path / "countries.void").write_text(APP_GRAPHQL)
    done = voiden("run", "--json", "countries.void", cwd=tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    events = [json.loads(line) for line in done.stdout.splitlines()]
    by_request: dict[str, list[dict[str, Any]]] = {}
    for event in events:
        by_request.setdefault(event["request"], []).append(event)
    names = list(by_request)
    assert len(names) == 3, names
    country, older, countdown = (by_request[n] for n in names)
    assert [e["data"] for e in country if e["kind"] == "received"] == [
        {"data": {"country": {"name": "France", "capital": "Paris"}}}
    ]
    assert [(e["text"], e["passed"]) for e in country if e["kind"] == "check"] == [
        ("status equals 200", True),
        ("body.errors not-exists", True),
        ('body.data.country.capital equals "Paris"', True),
    ]
    assert [e["data"] for e in older if e["kind"] == "received"] == [{"data": {"countries": [{"code": "JP"}]}}]
    # a subscription to the http URL goes over WebSocket, as the app sends it
    assert [e["data"] for e in countdown if e["kind"] == "received" and not e.get("control")] == [
        {"data": {"countdown": n}} for n in (2, 1, 0)
    ]
    converted = voiden("convert", "countries.void", "-o", "-", cwd=tmp_path)
    assert converted.returncode == 0, converted.stderr
    text = converted.stdout
    assert "POST {{GRAPHQL_URL}}\n\nquery Country($code: ID!) {" in text
    assert '```variables\n{"code": "FR"}\n```' in text
    assert 'body.data.country.capital equals "Paris"' in text
    assert "> A subscription: the app sends it over WebSocket." in text
    (tmp_path / "countries.voiden").write_text(text)
    again = voiden("run", "--json", "countries.voiden", cwd=tmp_path)
    assert '"capital":"Paris"' in again.stdout.replace(" ", "")
    # the converted subscription still names the http URL: refused in words, nothing sent
    assert again.returncode == 1 and "a subscription streams over GraphQL over WebSocket" in again.stdout
    text = text.replace("POST {{GRAPHQL_URL}}\n\nsubscription", f"ws://{graphql_yoga.address}/graphql\n\nsubscription")
    (tmp_path / "countries.voiden").write_text(text)
    again = voiden("run", "--json", "countries.voiden", cwd=tmp_path)
    assert again.returncode == 0, again.stdout + again.stderr
