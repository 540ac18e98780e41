"""The language server's MCP features from a live catalog (the official Python SDK's MCPServer): tool, prompt
and resource names after the operation, argument keys and enum values from a tool's `inputSchema`, arguments
that break the schema as diagnostics (jsonschema's validator), and "Fill with sample data", as VS Code and as
Neovim drive it."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.interop.conftest import Reference
from tests.interop.test_lsp_graphql import at, complete
from tests.interop.test_lsp_grpc_js import labels
from tests.server.conftest import client  # noqa: F401  (the pytest-lsp client, as VS Code and as Neovim)
from tests.server.test_lsp import open_doc, until


async def test_names_arguments_checks_and_sample_data_from_the_server(
    client: LanguageClient,  # noqa: F811
    mcp_sdk: Reference,
    tmp_path: Path,
) -> None:
    url = f"http://{mcp_sdk.address}/mcp"
    text = (
        f"```mcp name=forecast\n{url} tools/call forecast\n\n"
        '{"city": "Oslo", "days": "three", "unit": "K"}\n```\n\n'
        f"```mcp name=typing\n{url} tools/call forecast\n\n"
        '{"city": "{{$faker.city}}", "u"}\n```\n\n'
        f"```mcp name=pick\n{url} tools/call \n```\n\n"
        f"```mcp name=greet\n{url} prompts/get greet\n```\n\n"
        f"```mcp name=typo\n{url} tools/call forcast\n```\n\n"
        f"```mcp name=read\n{url} resources/read \n```\n"
    )
    uri = open_doc(client, tmp_path, text)
    # the server's tools after `tools/call `, with their descriptions
    items = await complete(client, uri, at(text, "tools/call "))
    assert {"add", "forecast", "fail"} <= labels(items)
    assert any(i.label == "forecast" and "progress" in (i.detail or "") for i in items)
    assert {"config://app", "users://{user_id}/profile"} <= labels(
        await complete(client, uri, at(text, "resources/read "))
    )
    # argument keys (required first) and an enum's values
    keys = await complete(client, uri, at(text, '"u'))
    assert {"city", "days", "unit"} <= labels(keys)
    values = await complete(client, uri, at(text, '"unit": '))
    assert labels(values) == {'"C"', '"F"'}
    # the arguments against the tool's schema: `days` is no integer, `K` no unit; an unknown tool is named
    await until(lambda: len([d for d in client.diagnostics.get(uri, []) if d.code == "mcp-arguments"]) >= 2)
    messages = [d.message for d in client.diagnostics[uri] if d.code in ("mcp-arguments", "mcp-name")]
    assert any("days" in m and "integer" in m for m in messages), messages
    assert any("unit" in m and "'K' is not one of" in m for m in messages), messages
    assert any("no tool `forcast`" in m and "`forecast`" in m for m in messages), messages
    # "Fill with sample data": the prompt's arguments from its schema
    actions = await client.text_document_code_action_async(
        types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri=uri),
            range=types.Range(at(text, "prompts/get gr"), at(text, "prompts/get gr")),
            context=types.CodeActionContext(diagnostics=[]),
        )
    )
    fill = next(a for a in actions or [] if isinstance(a, types.CodeAction) and a.title.startswith("Fill with sample"))
    assert fill.title.endswith("(arguments of greet)")
    edit = fill.edit.changes[uri][0]  # type: ignore[union-attr, index]
    assert '"name": "{{$faker' in edit.new_text, edit.new_text
