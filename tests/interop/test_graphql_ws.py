"""GraphQL over WebSocket (`graphql-transport-ws`) against npm `graphql-ws` on `ws`, wired to graphql-yoga as
its documentation shows: subscriptions to their end, ended by `@max-messages` and by expectations, errors of
an operation and of the connection, queries on a socket, several operations on one connection."""

from __future__ import annotations

import asyncio
from typing import Any

from tests.helpers import checks, of, run
from tests.interop.conftest import Reference
from voiden_lsp.document import parse
from voiden_lsp.events import Event
from voiden_lsp.sessions import Session
from voiden_lsp.templating import Scope, render_request
from voiden_lsp.transports import transport_for


def received(events: list[Event], name: str) -> list[Any]:
    return [
        e.fields["data"] for e in events if e.kind == "received" and e.request == name and not e.fields.get("control")
    ]


def protocol(events: list[Event], name: str) -> list[str]:
    """The graphql-transport-ws messages both ways, in order (`>` out, `<` in)."""
    return [
        ("> " if e.kind == "sent" else "< ") + str(e.fields.get("event"))
        for e in events
        if e.request == name and e.kind in ("sent", "received")
    ]


SUBSCRIPTIONS = """
```graphql name=countdown
ws://{{addr}}/graphql
Authorization: Bearer t-2

subscription Count($from: Int!) { countdown(from: $from) }
```

```variables
{"from": 3}
```

```graphql name=limited
ws://{{addr}}/graphql
@max-messages 4

subscription { ticks }
```

```graphql name=judged
ws://{{addr}}/graphql

subscription { ticks }
```

```expect
any message.data.ticks == 5 within 5s
```

```graphql name=who
ws://{{addr}}/graphql
Authorization: Bearer t-2

{ whoami }
```

```graphql name=failing
ws://{{addr}}/graphql

subscription { failing }
```

```graphql name=invalid
ws://{{addr}}/graphql

subscription { nope }
```

```graphql name=refused
ws://{{addr}}/graphql
Authorization: Bearer wrong

subscription { ticks }
```
"""


async def test_subscriptions_limits_expectations_and_errors(graphql_yoga: Reference) -> None:
    events, _ = await run(SUBSCRIPTIONS, addr=graphql_yoga.address)
    # to its end: connection_init carries the header lines, every `next` is a message, the server completes
    assert received(events, "countdown") == [{"data": {"countdown": n}} for n in (3, 2, 1, 0)]
    assert protocol(events, "countdown") == [
        "> connection_init",
        "< connection_ack",
        "> subscribe",
        *["< next"] * 4,
        "< complete",
    ]
    init = next(e.fields for e in events if e.request == "countdown" and e.fields.get("event") == "connection_init")
    assert init["data"]["payload"] == {"Authorization": "Bearer t-2"}
    subscribe = next(e.fields for e in events if e.request == "countdown" and e.fields.get("event") == "subscribe")
    assert subscribe["data"]["payload"]["variables"] == {"from": 3}
    assert subscribe["data"]["payload"]["operationName"] == "Count"
    (closed,) = of([e for e in events if e.request == "countdown"], "closed")
    assert closed["code"] == 1000 and closed["reason"] == "every operation completed" and closed["messages"] == 4
    # @max-messages: exactly 4 of an endless feed, then complete and a close that says why
    assert received(events, "limited") == [{"data": {"ticks": n}} for n in (1, 2, 3, 4)]
    (closed,) = of([e for e in events if e.request == "limited"], "closed")
    assert closed["by"] == "client" and closed["reason"] == "@max-messages 4 reached"
    assert protocol(events, "limited")[-1] == "> complete"
    # an endless feed ended by its expectation
    judged = [e for e in events if e.request == "judged"]
    assert {text: passed for text, (passed, _) in checks(judged).items()} == {
        "any message.data.ticks == 5 within 5s": True
    }
    assert of(judged, "closed")[0]["by"] == "client"
    # a query over the socket, with the header in connection_init
    assert received(events, "who") == [{"data": {"whoami": "Bearer t-2"}}]
    # an operation's error: what came before it, then the error in words
    assert received(events, "failing") == [{"data": {"failing": 1}}, {"data": {"failing": 2}}]
    assert [e["message"] for e in of([e for e in events if e.request == "failing"], "error")] == [
        "GraphQL error: the feed broke"
    ]
    (invalid,) = of([e for e in events if e.request == "invalid"], "error")
    assert invalid["message"] == 'GraphQL error: Cannot query field "nope" on type "Subscription".'
    # connection_init refused: the close code in words
    (refused,) = of([e for e in events if e.request == "refused"], "error")
    assert refused["message"].startswith("the server closed with 4403: forbidden")
    assert not received(events, "refused")


async def test_several_operations_on_one_connection(graphql_yoga: Reference) -> None:
    text = f"""
```graphql name=feed
ws://{graphql_yoga.address}/graphql

subscription {{ ticks }}
```
"""
    (request,) = parse(text).requests
    session = Session("feed", transport_for(render_request(request, Scope())))
    task = session.start()
    assert await session.until_ready()
    await session.send("subscription { countdown(from: 1) }")
    await session.send('{"query": "query Who { whoami }", "operationName": "Who"}')
    assert await asyncio.wait_for(
        session.until(lambda: sum(1 for e in session.log if e.fields.get("event") == "complete") >= 2), 5
    )
    await session.close()
    await asyncio.wait_for(task, 5)
    by_id: dict[str, list[Any]] = {}
    for event in session.log:
        if event.kind == "received" and not event.fields.get("control"):
            by_id.setdefault(event.fields["id"], []).append(event.fields["data"]["data"])
    assert by_id["2"] == [{"countdown": 1}, {"countdown": 0}]
    assert by_id["3"] == [{"whoami": None}]
    assert len(by_id["1"]) >= 1 and all("ticks" in d for d in by_id["1"])
    out = [e.fields.get("event") for e in session.log if e.kind == "sent"]
    assert out[-1] == "complete"  # the user's close completes the endless feed first
    assert session.log[-1].kind == "closed" and session.log[-1].fields["reason"] == "closed by the user"
