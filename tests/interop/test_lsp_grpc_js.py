"""The language server's completion, hover and diagnostics from a grpc-js server's reflection (whose
descriptors are mended), driven as VS Code and as Neovim drive it."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.interop.conftest import Reference
from tests.server.conftest import client  # noqa: F401  (the pytest-lsp client, as VS Code and as Neovim)
from tests.server.test_lsp import open_doc, until


def labels(result: types.CompletionList | list[types.CompletionItem] | None) -> set[str]:
    return {item.label for item in (result.items if isinstance(result, types.CompletionList) else result or [])}


async def test_completion_hover_and_diagnostics(client: LanguageClient, grpc_js: Reference, tmp_path: Path) -> None:  # noqa: F811
    text = (
        f"# Pick\n\n```grpc name=pick\ngrpc://{grpc_js.address} \n```\n\n"
        f"# Add\n\n```grpc name=add\ngrpc://{grpc_js.address} interop.v1.Catalog/AddItems\n\n"
        '{"name": "x", "kind": "BOOK", "stokc": {}}\n```\n'
    )
    uri = open_doc(client, tmp_path, text)
    document = types.TextDocumentIdentifier(uri=uri)
    line = f"grpc://{grpc_js.address} "
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=document, position=types.Position(3, len(line)))
    )
    assert {f"interop.v1.Catalog/{m}" for m in ("GetItem", "ListItems", "AddItems", "Chat")} <= labels(result)
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=document, position=types.Position(11, 1))
    )
    assert {"id", "name", "kind", "tags", "stock", "price", "free", "created", "note", "size", "extra"} <= labels(
        result
    )
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=document, position=types.Position(9, len(line) + 14))
    )
    assert hover is not None and "rpc AddItems(stream interop.v1.Item) returns (interop.v1.AddSummary)" in str(
        hover.contents
    )
    await until(lambda: any("no field `stokc`" in d.message for d in client.diagnostics.get(uri, [])))
    assert any("did you mean `stock`" in d.message for d in client.diagnostics[uri])


async def test_the_same_on_a_connect_request(
    client: LanguageClient,  # noqa: F811
    connect_node: Reference,
    catalog_protoset: Path,
    tmp_path: Path,
) -> None:
    """A Connect request (an http:// address, `@protocol`) completes, hovers and is checked from its schema
    as a gRPC request is."""
    base = f"http://127.0.0.1:{connect_node.port}"
    text = (
        f"# Pick\n\n```grpc name=pick\n@protoset {catalog_protoset}\n{base} \n```\n\n"
        f"# Add\n\n```grpc name=add\n@protocol connect\n@protoset {catalog_protoset}\n"
        f"{base} interop.v1.Catalog/AddItems\n\n"
        '{"name": "x", "kind": "BOOK", "stokc": {}}\n```\n'
    )
    uri = open_doc(client, tmp_path, text)
    assert not [d for d in client.diagnostics.get(uri, []) if "protocol" in d.message or "address" in d.message]
    document = types.TextDocumentIdentifier(uri=uri)
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=document, position=types.Position(4, len(base) + 1))
    )
    assert {f"interop.v1.Catalog/{m}" for m in ("GetItem", "ListItems", "AddItems", "Chat")} <= labels(result)
    result = await client.text_document_completion_async(
        types.CompletionParams(text_document=document, position=types.Position(14, 1))
    )
    assert {"id", "name", "kind", "stock", "price"} <= labels(result)
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=document, position=types.Position(12, len(base) + 14))
    )
    assert hover is not None and "rpc AddItems(stream interop.v1.Item) returns (interop.v1.AddSummary)" in str(
        hover.contents
    )
    await until(lambda: any("no field `stokc`" in d.message for d in client.diagnostics.get(uri, [])))
