"""GraphQL over HTTP against npm `graphql-yoga` (on the reference `graphql`): queries with variables, GET,
mutations, headers, errors under HTTP 200, and expectations on `body.data`."""

from __future__ import annotations

from typing import Any

from tests.helpers import checks, of, run
from tests.interop.conftest import Reference
from voiden_lsp.events import Event


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
"""


async def test_queries_variables_get_mutations_and_errors(graphql_yoga: Reference) -> None:
    events, _ = await run(QUERIES, addr=graphql_yoga.address, code="JP")
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
