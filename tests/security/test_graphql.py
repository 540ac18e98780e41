"""GraphQL against a hostile collection or server: no introspection and no `@schema` read from an untrusted
workspace, no schema file from outside the collection or from a device, a broken or hostile introspection
answer and a hostile text are problems in words, never a crash or a hang."""

from __future__ import annotations

import socket
import time
from pathlib import Path

import pytest
from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.server.conftest import client  # noqa: F401
from tests.server.test_lsp import open_doc
from voiden_lsp.errors import SchemaError
from voiden_lsp.schema.graphql import suggestions
from voiden_lsp.templating import ResolvedRequest
from voiden_lsp.transports.graphql_schema import GraphQLSchemas


async def test_an_untrusted_workspace_asks_no_graphql_schema(client: LanguageClient, tmp_path: Path) -> None:  # noqa: F811
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        port = listener.getsockname()[1]
        (tmp_path / "schema.graphql").write_text("type Query { secret: String }\n")
        text = (
            f"```graphql name=q\nPOST http://127.0.0.1:{port}/graphql\n\nquery Q($a: Int) {{ x }}\n```\n\n"
            f"```graphql name=f\nPOST http://127.0.0.1:{port}/graphql\n@schema ./schema.graphql\n\n{{ s }}\n```\n"
        )
        uri = open_doc(client, tmp_path, text)
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"trusted": False}))
        with pytest.raises(Exception, match="not trusted"):
            await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="voiden.refreshSchema", arguments=[uri, "q"])
            )
        document = types.TextDocumentIdentifier(uri=uri)
        for line, character in ((3, 20), (10, 3)):
            result = await client.text_document_completion_async(
                types.CompletionParams(text_document=document, position=types.Position(line, character))
            )
            items = result.items if isinstance(result, types.CompletionList) else result or []
            assert "secret" not in {i.label for i in items}  # the @schema file was not read either
        actions = await client.text_document_code_action_async(
            types.CodeActionParams(
                text_document=document,
                range=types.Range(types.Position(3, 0), types.Position(3, 0)),
                context=types.CodeActionContext(diagnostics=[]),
            )
        )
        # the variables' sample is made without a schema; nothing asked for one
        assert all("secret" not in str(a.edit) for a in actions or [] if isinstance(a, types.CodeAction))
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody connected


def request(tmp_path: Path, schema: str) -> ResolvedRequest:
    return ResolvedRequest(
        name="q",
        protocol="graphql",
        target="http://127.0.0.1:9/graphql",
        metadata={"schema": [schema]},
        base_dir=tmp_path / "collection",
        root=tmp_path / "collection",
    )


@pytest.mark.parametrize(
    ("written", "words"),
    [
        ("../outside.graphql", "outside the collection"),
        ("/etc/passwd", "outside the collection"),
        ("./link.graphql", "outside the collection"),  # a symlink out of it
        ("./missing.graphql", "does not exist"),
        ("./broken.graphql", "does not build a schema: Unknown type 'Nope'"),
        ("./broken.json", "is not an introspection result"),
        ("./hostile.json", "is not JSON: maximum recursion depth"),
        ("./odd.json", "is not a usable introspection result"),
    ],
)
async def test_schema_files_are_vetted_and_bad_ones_are_words(tmp_path: Path, written: str, words: str) -> None:
    collection = tmp_path / "collection"
    collection.mkdir()
    (tmp_path / "outside.graphql").write_text("type Query { secret: String }\n")
    (collection / "link.graphql").symlink_to(tmp_path / "outside.graphql")
    (collection / "broken.graphql").write_text("type Query { a: Nope }\n")
    (collection / "broken.json").write_text('{"data": {"nothing": 1}}')
    # a type reference nested far deeper than the introspection query asks for, and a type of no known kind
    deep = '{"kind": "LIST", "ofType": ' * 5000 + '{"kind": "SCALAR", "name": "String"}' + "}" * 5000
    query = (
        '{"kind": "OBJECT", "name": "Query", "fields": [{"name": "a", "args": [], "type": '
        + deep
        + '}], "interfaces": []}'
    )
    hostile = (
        '{"__schema": {"queryType": {"name": "Query"}, "types": ['
        + query
        + ', {"kind": "WAT", "name": "Odd"}], "directives": []}}'
    )
    (collection / "hostile.json").write_text(hostile)
    shallow = '{"kind": "LIST", "ofType": ' * 300 + '{"kind": "SCALAR", "name": "String"}' + "}" * 300
    (collection / "odd.json").write_text(hostile.replace(deep, shallow))
    with pytest.raises(SchemaError, match=words):
        await GraphQLSchemas().schema(request(tmp_path, written))


def test_a_device_is_not_a_schema_file(tmp_path: Path) -> None:
    from voiden_lsp.schema.graphql import load_file

    with pytest.raises(SchemaError, match="not a regular file"):
        load_file(Path("/dev/zero"))


def test_a_hostile_document_does_not_hold_up_completion() -> None:
    from graphql import build_schema

    from voiden_lsp.schema.graphql import MAX_ASSISTED_TOKENS, describe

    schema = build_schema("type Query { a: String }")
    # Help stops at the token cap: a long but honest document still gets it, one token more gets none.
    honest = "{ " + "a " * (MAX_ASSISTED_TOKENS - 1)
    assert "a" in [s.label for s in suggestions(schema, honest, len(honest))]
    assert suggestions(schema, honest + "a ", len(honest) + 2) == []
    assert describe(schema, honest, len(honest) - 1) is not None
    assert describe(schema, honest + "a a ", len(honest) + 3) is None
    for text in ("{ " + "a(b: [" * 50_000, "{" * 200_000, '"' * 300_000, "{ a " * 100_000, "x" * 2_000_000):
        started = time.process_time()
        assert suggestions(schema, text, len(text)) == []
        describe(schema, text, len(text) - 1)
        # the cap bounds the work to ~0.1 s here; the bound leaves a slow CI machine ten times that
        assert time.process_time() - started < 2, text[:20]


def test_hostile_variable_values_get_a_verdict_in_bounded_work() -> None:
    from graphql import build_schema

    from voiden_lsp.schema.graphql import check_variables

    schema = build_schema("input N { next: N, v: Int } type Query { a(n: N, l: [[Int]]): String }")
    deep: dict[str, object] = {"v": 1}
    for _ in range(5000):
        deep = {"next": deep}
    wide = [[{"x": i} for i in range(100)] for _ in range(1000)]  # 100,000 wrong values
    started = time.process_time()
    found = check_variables(
        schema, {"n": "N", "l": "[[Int]]", "u": "Nope", "s": "N!"}, {"n": deep, "l": wide, "u": 1, "s": None}
    )
    assert time.process_time() - started < 5
    assert [f.name for f in found].count("l") == 20  # capped per variable
    assert any(f.name == "s" and "not to be None" in f.message for f in found)
    assert not any(f.name == "u" for f in found)  # an unknown type: left to the document's validation
