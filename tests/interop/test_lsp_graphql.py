"""The language server's GraphQL completion, hover and checks from a live schema (graphql-yoga's
introspection, over HTTP and over graphql-transport-ws) and from `@schema` files, driven as VS Code and as
Neovim drive it."""

from __future__ import annotations

import json
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.interop.conftest import Reference
from tests.interop.test_lsp_grpc_js import labels
from tests.server.conftest import client  # noqa: F401  (the pytest-lsp client, as VS Code and as Neovim)
from tests.server.test_lsp import open_doc, until


def at(text: str, marker: str) -> types.Position:
    """The position of `marker`'s end in `text` (the marker stays in the text)."""
    offset = text.index(marker) + len(marker)
    line = text.count("\n", 0, offset)
    return types.Position(line, offset - (text.rfind("\n", 0, offset) + 1))


async def complete(lsp: LanguageClient, uri: str, position: types.Position) -> list[types.CompletionItem]:
    result = await lsp.text_document_completion_async(
        types.CompletionParams(text_document=types.TextDocumentIdentifier(uri=uri), position=position)
    )
    return result.items if isinstance(result, types.CompletionList) else list(result or [])


async def test_completion_hover_and_checks_from_introspection(
    client: LanguageClient,  # noqa: F811
    graphql_yoga: Reference,
    tmp_path: Path,
) -> None:
    text = (
        "# Countries\n\n"
        f"```graphql name=country\nPOST http://{graphql_yoga.address}/graphql\n\n"
        "query Country($code: ID!, $where: Continent) {\n"
        "  country(code: $code) { cap }\n"
        "  countries(continent: EUROPE) { code }\n"
        "  nope\n"
        "}\n```\n\n"
        '```variables\n{"cod": "DE"}\n```\n\n'
        f"```graphql name=feed\nws://{graphql_yoga.address}/graphql\n\n"
        "subscription { cou }\n```\n"
    )
    uri = open_doc(client, tmp_path, text)
    # fields of the type at the cursor, with their types, from the introspection over HTTP
    items = await complete(client, uri, at(text, "{ cap"))
    details = {item.label: item.detail for item in items}
    assert {"code", "name", "capital", "continent", "__typename"} <= set(details)
    assert details["capital"] == "String" and details["continent"] == "Continent!"
    # enum values of an argument, and the variables of the operation that fit it
    items = await complete(client, uri, at(text, "countries(continent: "))
    assert {"EUROPE", "ASIA", "$where"} <= labels(items) and "$code" not in labels(items)
    # arguments
    items = await complete(client, uri, at(text, "country("))
    assert labels(items) == {"code"}
    # a subscription's root fields, from the introspection over graphql-transport-ws
    items = await complete(client, uri, at(text, "subscription { cou"))
    assert {"countdown", "ticks", "failing"} <= labels(items)
    # hover: the field's signature and description
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=at(text, "  coun"))
    )
    assert hover is not None and "Query.country(code: ID!): Country" in str(hover.contents)
    assert "One country, by its code." in str(hover.contents)
    # hover on a variable: its declared type, where it is used and where it is declared
    for marker in ("country(code: $c", "Country($c"):
        hover = await client.text_document_hover_async(
            types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=at(text, marker))
        )
        assert hover is not None and "$code: ID!" in str(hover.contents), marker
    # in the variables block: the operation's variables not given yet, as keys
    items = await complete(client, uri, at(text, '{"cod'))
    by_label = {item.label: item for item in items}
    assert set(by_label) == {"code", "where"} and by_label["code"].detail == "ID!"
    edit = by_label["where"].text_edit
    assert isinstance(edit, types.TextEdit) and edit.new_text == '"where": '
    assert edit.range.start.character == 1  # over the `"cod` typed
    # checks: graphql-core's validation against the schema, and the variables against the operation
    await until(
        lambda: (
            {"nope", "cou"}
            <= {w for d in client.diagnostics.get(uri, []) for w in ("nope", "cou") if f"'{w}'" in d.message}
        )
    )
    messages = {d.message: d for d in client.diagnostics[uri]}
    assert "Cannot query field 'nope' on type 'Query'." in messages
    assert "Cannot query field 'cap' on type 'Country'. Did you mean 'capital'?" in messages
    needs = next(d for m, d in messages.items() if m.startswith("the operation needs `$code`"))
    assert needs.range.start.line == text[: text.index('{"cod"')].count("\n")
    assert any(m.startswith("the operation declares no `$cod`") for m in messages)
    assert "Cannot query field 'cou' on type 'Subscription'. Did you mean 'countdown'?" in messages


async def test_schema_files_sdl_and_introspection_json(
    client: LanguageClient,  # noqa: F811
    tmp_path: Path,
) -> None:
    (tmp_path / "schema.graphql").write_text(
        '"A planet."\ntype Planet { name: String! moons(first: Int = 3): [String!]! }\n'
        "input Filter { minMoons: Int, named: String }\n"
        "type Query { planet(name: String!): Planet planets(filter: Filter): [Planet!]! }\n"
    )
    from graphql import build_schema, introspection_from_schema

    built = build_schema((tmp_path / "schema.graphql").read_text())
    (tmp_path / "schema.json").write_text(json.dumps({"data": introspection_from_schema(built)}))
    text = (
        "```graphql name=sdl\nPOST http://127.0.0.1:9/graphql\n@schema ./schema.graphql\n\n"
        "{ planets(filter: { m }) { name } }\n```\n\n"
        "```graphql name=json\nPOST http://127.0.0.1:9/graphql\n@schema ./schema.json\n\n"
        "{ planet(name: 1) { mo } }\n```\n"
    )
    uri = open_doc(client, tmp_path, text)
    items = await complete(client, uri, at(text, "{ m"))
    assert labels(items) == {"minMoons", "named"}
    items = await complete(client, uri, at(text, "{ mo"))
    assert {"name", "moons"} <= labels(items)
    assert next(i for i in items if i.label == "moons").detail == "(first: Int): [String!]!"
    await until(lambda: any("String cannot represent" in d.message for d in client.diagnostics.get(uri, [])))


async def test_fill_variables_with_sample_data(
    client: LanguageClient,  # noqa: F811
    graphql_yoga: Reference,
    tmp_path: Path,
) -> None:
    text = (
        f"```graphql name=country\nPOST http://{graphql_yoga.address}/graphql\n\n"
        "query Country($code: ID!, $where: Continent, $names: [String!], $first: Int) {\n"
        "  country(code: $code) { name }\n  countries(continent: $where) { code }\n}\n```\n"
    )
    uri = open_doc(client, tmp_path, text)
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(at(text, "  country"), at(text, "  country")),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    (action,) = [a for a in actions or [] if isinstance(a, types.CodeAction) and a.title.startswith("Fill")]
    assert action.title == "Fill with sample data (variables of Country)"
    assert action.edit is not None and action.edit.changes is not None
    (edit,) = action.edit.changes[uri]
    assert edit.range.start.line == text.count("\n") - 1  # after the closing fence
    block = edit.new_text
    assert block.startswith("\n\n```variables\n{") and block.endswith("}\n```")
    body = block.split("```variables\n")[1].rsplit("\n```", 1)[0]
    assert '"code": "{{$faker.word}}"' in body  # an ID named code is a code, not a uuid
    assert '"where": "EUROPE"' in body  # the enum's first value, from the schema
    assert '"names": ["{{$faker.name}}"]' in body
    assert '"first": {{$faker.pyint(min_value=1, max_value=100)}}' in body


async def test_variable_values_are_checked_against_their_types(
    client: LanguageClient,  # noqa: F811
    tmp_path: Path,
) -> None:
    (tmp_path / "schema.graphql").write_text(
        "enum Size { SMALL LARGE }\ninput Order { size: Size!, count: Int!, note: String }\n"
        "type Query { price(orders: [Order!]!, size: Size, limit: Int): Float }\n"
    )
    text = (
        "```graphql name=price\nPOST http://127.0.0.1:9/graphql\n@schema ./schema.graphql\n\n"
        "query Price($orders: [Order!]!, $size: Size, $limit: Int) {\n"
        "  price(orders: $orders, size: $size, limit: $limit)\n}\n```\n\n"
        "```variables\n"
        '{"orders": [{"size": "SMALL", "count": 2}, {"size": "HUGE", "count": "three", "nott": 1}],\n'
        ' "size": "LARGE", "limit": "{{$randomInt}}"}\n'
        "```\n\n"
        "```graphql name=fine\nPOST http://127.0.0.1:9/graphql\n@schema ./schema.graphql\n\n"
        "query Fine($size: Size) { price(orders: [], size: $size) }\n```\n\n"
        '```variables\n{"size": "SMALL"}\n```\n'
    )
    uri = open_doc(client, tmp_path, text)
    assert "orders" in labels(await complete(client, uri, at(text, "  price(")))  # reads the @schema file
    await until(lambda: any("HUGE" in d.message for d in client.diagnostics.get(uri, [])))
    found = {d.message: d for d in client.diagnostics[uri] if d.code == "graphql-variables"}
    huge = next(d for m, d in found.items() if m.startswith("`$orders[1].size` ([Order!]!):"))
    assert "Value 'HUGE' does not exist in 'Size' enum" in huge.message
    line = text.splitlines()[huge.range.start.line]
    assert line[huge.range.start.character : huge.range.end.character] == '"HUGE"'
    count = next(d for m, d in found.items() if m.startswith("`$orders[1].count`"))
    assert "Int cannot represent non-integer value: 'three'" in count.message
    assert any("not to include unknown field 'nott'" in m for m in found)
    # the right values, and a templated one (judged by the server once expanded), raise nothing
    assert not any(m.startswith(("`$orders[0]", "`$size`", "`$limit`")) for m in found)
    fine_line = text[: text.index('{"size": "SMALL"}')].count("\n")
    assert not any(d.range.start.line == fine_line for d in client.diagnostics[uri])
