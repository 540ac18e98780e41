"""Schemas read for the editor (gRPC reflection or `@proto`, GraphQL introspection or `@schema`): with work-done
progress, never in an untrusted workspace, and the open documents checked again once one arrives."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable
from typing import Any, TypeVar

from lsprotocol import types

from voiden_lsp.errors import SchemaError
from voiden_lsp.server.server import VoidenServer

T = TypeVar("T")
UNTRUSTED = "this workspace is not trusted: voiden sends nothing from it and reads no gRPC schema"


async def fetch_schema_with_progress(ls: VoidenServer, resolved: Any, target: Any) -> Any:
    """Fetch (or reuse) a schema, with work-done progress when the client supports it. Reflection connects
    and `@proto` runs protoc: never in an untrusted workspace, whichever feature asks."""

    if not ls.settings.trusted:
        raise SchemaError(UNTRUSTED)

    from voiden_lsp.transports.grpc_reflection import SCHEMAS

    cached = SCHEMAS.cached(resolved, target)
    if cached is not None:
        return cached
    return await read_schema_with_progress(ls, target.address, SCHEMAS.schema(resolved, target))


async def read_schema_with_progress(ls: VoidenServer, where: str, reading: Awaitable[T]) -> T:
    """Await a schema being read (gRPC or GraphQL), with work-done progress when the client supports it; then
    re-check the open documents against it."""
    from pygls.capabilities import get_capability

    token = f"voiden-schema-{uuid.uuid4().hex[:12]}"
    progress = get_capability(ls.client_capabilities, "window.work_done_progress", False)
    if progress:
        await ls.work_done_progress.create_async(token)
        ls.work_done_progress.begin(token, types.WorkDoneProgressBegin(title=f"Reading the schema of {where}"))
    try:
        schema = await reading
    finally:
        if progress:
            ls.work_done_progress.end(token, types.WorkDoneProgressEnd())
    ls.recheck(None)  # a schema arrived (by completion, hover, an action): check against it now
    return schema
