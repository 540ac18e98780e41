"""The demo GraphQL API on graphql-core, served by the demo HTTP server (`POST`/`GET /graphql`) and the demo
WebSocket server (`/graphql`, graphql-transport-ws): planets to query, a mutation, and subscriptions."""

from __future__ import annotations

import asyncio
import inspect
import json
from collections.abc import AsyncIterator
from typing import Any

from graphql import GraphQLError, build_schema, graphql, graphql_sync, parse, subscribe, validate

SDL = """
"A planet of the solar system."
type Planet {
  name: String!
  "Mean distance from the Sun, in millions of km."
  distance: Float!
  moons: Int!
  kind: Kind!
}

"What a planet is made of."
enum Kind { ROCKY GAS_GIANT ICE_GIANT }

input PlanetFilter { kind: Kind, minMoons: Int }

type Note { id: Int!, text: String!, author: String }

type Query {
  "One planet, by its name."
  planet(name: String!): Planet
  planets(filter: PlanetFilter): [Planet!]!
  "The Authorization header (over WebSocket: connection_init's)."
  whoami: String
}

type Mutation {
  addNote(text: String!, author: String): Note!
}

type Subscription {
  "Counts down to 0 every 50 ms, then completes."
  countdown(from: Int! = 5): Int!
  "A planet's position every 20 ms, without end."
  orbit(planet: String!): Float!
}
"""

PLANETS: list[dict[str, Any]] = [
    {"name": "Mercury", "distance": 57.9, "moons": 0, "kind": "ROCKY"},
    {"name": "Venus", "distance": 108.2, "moons": 0, "kind": "ROCKY"},
    {"name": "Earth", "distance": 149.6, "moons": 1, "kind": "ROCKY"},
    {"name": "Mars", "distance": 227.9, "moons": 2, "kind": "ROCKY"},
    {"name": "Jupiter", "distance": 778.5, "moons": 95, "kind": "GAS_GIANT"},
    {"name": "Saturn", "distance": 1432.0, "moons": 146, "kind": "GAS_GIANT"},
    {"name": "Uranus", "distance": 2867.0, "moons": 28, "kind": "ICE_GIANT"},
    {"name": "Neptune", "distance": 4515.0, "moons": 16, "kind": "ICE_GIANT"},
]

SCHEMA = build_schema(SDL)


class _Root:
    """Resolvers on the root value (graphql-core's default resolver reads attributes of the parent)."""

    def __init__(self, authorization: str | None) -> None:
        self.authorization = authorization

    def planet(self, info: Any, name: str) -> dict[str, Any] | None:
        return next((p for p in PLANETS if p["name"].lower() == name.lower()), None)

    def planets(self, info: Any, filter: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        wanted = filter or {}
        return [
            p
            for p in PLANETS
            if (wanted.get("kind") in (None, p["kind"])) and p["moons"] >= (wanted.get("minMoons") or 0)
        ]

    def whoami(self, info: Any) -> str | None:
        return self.authorization

    def addNote(self, info: Any, text: str, author: str | None = None) -> dict[str, Any]:
        note = {"id": len(NOTES) + 1, "text": text, "author": author}
        NOTES.append(note)
        return note


NOTES: list[dict[str, Any]] = []


async def _countdown(root: Any, info: Any, **args: Any) -> AsyncIterator[dict[str, int]]:
    for n in range(int(args.get("from", 5)), -1, -1):
        yield {"countdown": n}
        await asyncio.sleep(0.05)


async def _orbit(root: Any, info: Any, planet: str) -> AsyncIterator[dict[str, float]]:
    angle = 0.0
    while True:
        yield {"orbit": round(angle, 2)}
        angle = (angle + 7.5) % 360
        await asyncio.sleep(0.02)


SCHEMA.subscription_type.fields["countdown"].subscribe = _countdown  # type: ignore[union-attr]
SCHEMA.subscription_type.fields["orbit"].subscribe = _orbit  # type: ignore[union-attr]
SCHEMA.subscription_type.fields["countdown"].resolve = lambda value, info, **_: value["countdown"]  # type: ignore[union-attr]
SCHEMA.subscription_type.fields["orbit"].resolve = lambda value, info, **_: value["orbit"]  # type: ignore[union-attr]


def execute_http(body: bytes, query: dict[str, str], method: str, authorization: str | None) -> tuple[int, Any]:
    """One GraphQL-over-HTTP request: (status, the JSON answer)."""
    if method == "POST":
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            return 400, {"errors": [{"message": "the body is not JSON"}]}
    else:
        params = dict(query)
        if "variables" in params:
            try:
                params["variables"] = json.loads(params["variables"])
            except ValueError:
                return 400, {"errors": [{"message": "variables is not JSON"}]}
    if not isinstance(params, dict) or not isinstance(params.get("query"), str):
        return 400, {"errors": [{"message": 'send {"query": "..."}'}]}
    if method == "GET" and params["query"].lstrip().startswith("mutation"):
        return 405, {"errors": [{"message": "mutations are POSTed"}]}
    result = graphql_sync(
        SCHEMA,
        params["query"],
        root_value=_Root(authorization),
        variable_values=params.get("variables"),
        operation_name=params.get("operationName"),
    )
    return 200, result.formatted


async def operation(payload: dict[str, Any], authorization: str | None) -> AsyncIterator[dict[str, Any]] | list[Any]:
    """A `subscribe` payload: an async iterator of results (a subscription), or the errors that refuse it.
    A query or mutation is an iterator of one result."""
    try:
        document = parse(str(payload.get("query", "")))
    except GraphQLError as error:
        return [error.formatted]
    errors = validate(SCHEMA, document)
    if errors:
        return [e.formatted for e in errors]
    root = _Root(authorization)
    variables = payload.get("variables")
    name = payload.get("operationName")
    kinds = [d for d in document.definitions if getattr(d, "operation", None) is not None]
    if kinds and kinds[0].operation.value == "subscription":  # type: ignore[attr-defined]
        result: Any = subscribe(SCHEMA, document, root, variable_values=variables, operation_name=name)
        if inspect.isawaitable(result):
            result = await result
        if not hasattr(result, "__aiter__"):
            return [e.formatted for e in (result.errors or [])]
        return _formatted(result)

    async def one() -> AsyncIterator[dict[str, Any]]:
        done = await graphql(SCHEMA, str(payload["query"]), root, variable_values=variables, operation_name=name)
        yield dict(done.formatted)

    return one()


async def _formatted(results: AsyncIterator[Any]) -> AsyncIterator[dict[str, Any]]:
    async for result in results:
        yield dict(result.formatted)
