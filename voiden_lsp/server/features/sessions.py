"""Code lenses over requests and message blocks, the commands they carry, and `voiden/sessions`."""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from typing import Any, TypeVar

import orjson
from lsprotocol import types

from voiden_lsp.document import Document, Request
from voiden_lsp.errors import VoidenError
from voiden_lsp.server import protocol
from voiden_lsp.server.features.grpc_support import cached_schema, resolve_address
from voiden_lsp.server.features.schemas import UNTRUSTED, fetch_schema_with_progress
from voiden_lsp.server.rpc import RawResult, UserError
from voiden_lsp.server.server import CachedLenses, LiveSession, VoidenServer, range_of
from voiden_lsp.templating import Scope, expand, looks_like_json

log = logging.getLogger(__name__)
T = TypeVar("T")


CommandError = UserError
"""A command the user can correct (stale URI, unknown session): answered as an LSP error in words."""


def is_live(ls: VoidenServer, uri: str, request: Request, scope: Scope | None = None) -> bool:
    """Whether a request opens a session that takes messages (Connect) rather than a one-shot (Send)."""
    if request.protocol in ("ws", "socketio"):
        return True
    if request.protocol == "graphql":  # over WebSocket: a connection that takes more operations
        return request.target is not None and request.target.text.strip().lower().startswith(("ws", "{{ws"))
    if request.protocol != "grpc":
        return False
    schema = cached_schema(request, scope or ls.scope(uri, request))
    if schema is not None and request.rpc is not None:
        try:
            return schema.method(request.rpc.text).client_streaming
        except VoidenError:
            pass
    return bool(request.messages)


def lenses(ls: VoidenServer, uri: str) -> list[types.CodeLens]:
    """Cached per document version and session states: editors ask again on every scroll."""
    return _cached_lenses(ls, uri).items


def lenses_json(ls: VoidenServer, uri: str) -> RawResult:
    """The lenses as the answer's JSON text, made once per document version and session states: a long
    document has a lens per request, and editors ask on every scroll and keystroke."""
    cached = _cached_lenses(ls, uri)
    if cached.answer is None:
        cached.answer = RawResult(orjson.dumps(ls.protocol._converter.unstructure(cached.items)).decode())
    return cached.answer


def _cached_lenses(ls: VoidenServer, uri: str) -> CachedLenses:
    doc = ls.document(uri)
    key = (ls.workspace.get_text_document(uri).version, ls.lens_generation, ls.schema_generation())
    cached = ls.lens_cache.get(uri)
    if cached is None or cached.key != key:
        cached = ls.lens_cache[uri] = CachedLenses(key, _lenses(ls, uri, doc))
    return cached


def _lenses(ls: VoidenServer, uri: str, doc: Document) -> list[types.CodeLens]:
    result: list[types.CodeLens] = [lens for source in ls.lens_sources for lens in source(uri, doc)]
    scope = ls.scope(uri, None)  # one scope for the document: addresses rarely use request attributes
    per_line = Counter(r.info_range.start.line for r in doc.requests)
    for request in doc.requests:
        where = range_of(request.info_range)
        live = ls.live_session(uri, request.name)
        args = [uri, request.name]
        if live is None:
            verb, command = (
                ("Connect", protocol.CMD_CONNECT) if is_live(ls, uri, request, scope) else ("Send", protocol.CMD_RUN)
            )
            # a `.void` linked file puts its requests on the link's line: each lens says which it sends
            title = f"▶ {verb} {request.name}" if per_line[request.info_range.start.line] > 1 else f"▶ {verb}"
            result.append(types.CodeLens(range=where, command=types.Command(title, command, arguments=args)))
            continue
        sid = live.session.id
        result.append(
            types.CodeLens(
                range=where, command=types.Command(f"● {live.session.state}", protocol.CMD_CANCEL, arguments=[sid])
            )
        )
        if live.session.transport is not None and live.session.transport.live:
            result.append(
                types.CodeLens(range=where, command=types.Command("Close", protocol.CMD_CLOSE, arguments=[sid]))
            )
        result.append(
            types.CodeLens(range=where, command=types.Command("Cancel", protocol.CMD_CANCEL, arguments=[sid]))
        )
        if live.session.state == "open":
            for block in request.messages:
                result.append(
                    types.CodeLens(
                        range=range_of(block.range),
                        command=types.Command("▶ Send message", protocol.CMD_SEND, arguments=[sid, uri, block.id]),
                    )
                )
    return result


#: What each lens command is called as a code action (clients without code lenses: Helix, Zed, Emacs).
ACTION_TITLES = {
    protocol.CMD_RUN: "Send",
    protocol.CMD_CONNECT: "Connect",
    protocol.CMD_SEND: "Send message",
    protocol.CMD_CLOSE: "Close",
    protocol.CMD_CANCEL: "Cancel",
    protocol.CMD_TEST: "Test",
}


def command_actions(ls: VoidenServer, uri: str, where: types.Range) -> list[types.Command]:
    """Every code lens command of the block under the cursor, as a code action: a request's `Send` /
    `Connect` / `Close` / `Cancel` anywhere in the request, a message block's `Send message` in the block, an
    expect block's `Test` in the block. Plain commands (LSP allows them beside code actions): every client
    runs them, and none mistakes their shape."""
    doc = ls.document(uri)
    line = where.start.line
    blocks = [(r.info_range, r.range, r.name) for r in doc.requests]
    blocks += [(b.info_range, b.range, b.request or "") for b in doc.expects]
    found: list[types.Command] = []
    for lens in lenses(ls, uri):
        command = lens.command
        if command is None or command.command not in ACTION_TITLES:
            continue
        start, end = lens.range.start.line, lens.range.end.line
        owner = next((b for b in blocks if b[0].start.line == start), None)
        if owner is not None:
            start, end = owner[1].start.line, owner[1].end.line
        if start <= line <= end:
            name = f" `{owner[2]}`" if owner is not None and owner[2] else ""
            title = f"{ACTION_TITLES[command.command]}{name}"
            found.append(types.Command(title, command.command, arguments=command.arguments))
    return found


def request_named(ls: VoidenServer, uri: Any, name: Any) -> Request:
    """The request `name` of the open document `uri`; a CommandError in words when there is none."""
    if not isinstance(uri, str) or not isinstance(name, str):
        raise CommandError("expected the arguments (uri, request name)")
    try:
        doc = ls.document(uri)
    except Exception:
        raise CommandError(f"no open document {uri}") from None
    request = doc.request(name)
    if request is None:
        known = ", ".join(r.name for r in doc.requests) or "none"
        raise CommandError(f"no request `{name}` in {uri} (requests: {known})")
    return request


def _session(ls: VoidenServer, sid: Any) -> LiveSession:
    live = ls.sessions.get(sid) if isinstance(sid, str) else None
    if live is None:
        raise CommandError(f"no session `{sid}`: it may have ended, or the server restarted")
    return live


def require_trust(ls: VoidenServer) -> None:
    """Every command that sends, connects or reads a schema starts here."""
    if ls.shutting_down:
        raise CommandError("the server is shutting down: it starts no session")
    if not ls.settings.trusted:
        raise CommandError(UNTRUSTED)


async def start(ls: VoidenServer, uri: Any, name: Any, *, unattended: bool = False) -> protocol.StartResult:
    """Run a request as a session whose events stream to the client; answers once it has started. An
    `unattended` run (a test) sends its message blocks itself and closes a stream once it is judged."""
    require_trust(ls)
    request = request_named(ls, uri, name)
    ls.run_begun(uri, ls.document(uri), request)
    ls.release_finished(uri, starting=True)
    runner = ls.runner(uri)
    session = runner.session(request)
    session.max_payload = ls.settings.max_payload
    live = LiveSession(session, uri, request.name, request.protocol)
    ls.sessions[session.id] = live

    async def drive() -> None:
        try:
            await runner.run_session(session, request, send_messages=unattended, unattended=unattended)
        finally:
            ls.run_ended(live, request)
            ls.batcher.flush()
            ls.release_finished(live.uri)
            ls.session_changed()
            if request.protocol == "grpc":
                ls.recheck(None)  # the schema may be known now

    live.task = asyncio.get_running_loop().create_task(drive(), name=f"voiden {session.id}")
    ls.session_changed()
    return protocol.StartResult(session=session.id, request=request.name)


def register(server: VoidenServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    async def code_lens(ls: VoidenServer, params: types.CodeLensParams) -> list[types.CodeLens] | RawResult:
        try:
            await ls.document_async(params.text_document.uri)
            return lenses_json(ls, params.text_document.uri)
        except Exception:
            log.exception("code lens failed")
            return []

    @server.command(protocol.CMD_RUN)
    async def run(ls: VoidenServer, uri: str, name: str) -> protocol.StartResult:
        return await start(ls, uri, name)

    @server.command(protocol.CMD_CONNECT)
    async def connect(ls: VoidenServer, uri: str, name: str) -> protocol.StartResult:
        return await start(ls, uri, name)

    @server.command(protocol.CMD_SEND)
    async def send(ls: VoidenServer, sid: str, uri: str, block_id: str | None, *typed: str) -> dict[str, Any]:
        """Send a message block, or (block id null) a typed message, with its templates expanded."""
        require_trust(ls)
        live = _session(ls, sid)
        doc = ls.document(uri)
        request = doc.request(live.request)
        if request is None:
            raise CommandError(f"no request `{live.request}` in {uri}")
        text = typed[0] if typed else None
        if not block_id and text is not None:
            try:
                rendered = expand(text, ls.scope(uri, request), json_mode=looks_like_json(text))
                await live.session.send(rendered)
            except VoidenError as exc:
                raise CommandError(exc.message) from None
            return {"session": sid, "sent": live.session.sent}
        block = doc.message(block_id or "")
        if block is None:
            raise CommandError(f"no message block `{block_id}` in {uri}")
        if not await ls.runner(uri).send_message(live.session, request, block):
            raise CommandError(f"message `{block_id}` was not sent: see the session's error event")
        return {"session": sid, "sent": live.session.sent}

    @server.command(protocol.CMD_CLOSE)
    async def close(ls: VoidenServer, sid: str) -> dict[str, Any]:
        live = _session(ls, sid)
        await live.session.close()
        return {"session": sid}

    @server.command(protocol.CMD_CANCEL)
    async def cancel(ls: VoidenServer, sid: str) -> dict[str, Any]:
        live = _session(ls, sid)
        live.session.cancel()
        return {"session": sid}

    @server.command(protocol.CMD_REFRESH_SCHEMA)
    async def refresh_schema(ls: VoidenServer, uri: str, name: str) -> dict[str, Any]:
        require_trust(ls)
        request = request_named(ls, uri, name)
        if request.protocol == "graphql":
            return await _refresh_graphql_schema(ls, uri, request)
        if request.protocol == "mcp":
            return await _refresh_mcp_catalog(ls, uri, request)
        found = resolve_address(request, ls.scope(uri, request))
        if found is None:
            raise CommandError(f"`{name}` is not a gRPC request with a usable address")
        from voiden_lsp.transports.grpc_reflection import SCHEMAS

        SCHEMAS.forget(found[1].address)
        try:
            schema = await fetch_schema_with_progress(ls, *found)
        except VoidenError as exc:
            raise CommandError(exc.message) from None
        ls.recheck(None)
        return {"services": schema.services()}

    @server.command(protocol.CMD_SELECT_ENV)
    def select_env(ls: VoidenServer, *args: Any) -> dict[str, Any]:
        """`[name]`, or `[]` / `[null]` for the collection's default."""
        env = args[0] if args else None
        ls.settings.env = str(env) if env else None
        ls.recheck(None)
        return {"env": ls.settings.env}

    @server.feature(protocol.ENVIRONMENTS)
    def environments(ls: VoidenServer, params: Any) -> protocol.EnvironmentsResult:
        uri = _param(params, "uri")
        if not isinstance(uri, str) or not uri:
            root = ls.workspace_root()
            uri = (root / "voiden.toml").as_uri() if root else ""
        collection = ls.collection(uri)
        return protocol.EnvironmentsResult(
            environments=list(collection.environments), current=ls.settings.env, default=collection.default_env
        )

    @server.feature(protocol.SESSIONS)
    def sessions(ls: VoidenServer, params: Any) -> protocol.SessionsResult:
        """Every session (or `{"session": id}` only), with its log unless `{"events": false}`."""
        wanted = _param(params, "session")
        with_events = _param(params, "events") is not False
        infos = []
        for live in ls.sessions.values():
            if wanted is not None and live.session.id != wanted:
                continue
            info = live.info(with_events=with_events)
            info.blocks = _blocks(ls, live.uri, live.request)
            infos.append(info)
        return protocol.SessionsResult(sessions=infos)


async def _refresh_graphql_schema(ls: VoidenServer, uri: str, request: Request) -> dict[str, Any]:
    from voiden_lsp.server.features.graphql_support import fetch_graphql_schema, resolve_endpoint
    from voiden_lsp.transports.graphql_schema import SCHEMAS

    resolved = resolve_endpoint(request, ls.scope(uri, request))
    if resolved is None:
        raise CommandError(f"`{request.name}` is not a GraphQL request with a usable URL")
    SCHEMAS.forget(resolved.target if not resolved.meta("schema") else None)
    try:
        schema = await fetch_graphql_schema(ls, request, uri)
    except VoidenError as exc:
        raise CommandError(exc.message) from None
    ls.recheck(None)
    roots = [t.name for t in (schema.query_type, schema.mutation_type, schema.subscription_type) if t is not None]
    return {"types": roots}


async def _refresh_mcp_catalog(ls: VoidenServer, uri: str, request: Request) -> dict[str, Any]:
    from voiden_lsp.server.features.mcp_support import fetch_catalog, resolve_server
    from voiden_lsp.transports.mcp import CATALOGS

    resolved = resolve_server(request, ls.scope(uri, request))
    if resolved is None:
        raise CommandError(f"`{request.name}` is not an MCP request with a usable URL")
    CATALOGS.forget(resolved.target)
    try:
        catalog = await fetch_catalog(ls, request, uri)
    except VoidenError as exc:
        raise CommandError(exc.message) from None
    ls.recheck(None)
    return {"tools": list(catalog.tools), "prompts": list(catalog.prompts), "resources": list(catalog.resources)}


def _param(params: Any, name: str) -> Any:
    return params.get(name) if isinstance(params, dict) else getattr(params, name, None)


def _blocks(ls: VoidenServer, uri: str, request: str) -> list[protocol.BlockInfo]:
    """The message blocks of a request as the document reads now (stale URIs give none)."""
    try:
        owner = ls.document(uri).request(request)
    except Exception:  # a closed document has no blocks to offer
        return []
    blocks = []
    for block in owner.messages if owner is not None else []:
        first = next((line.strip() for line in block.body.text.splitlines() if line.strip()), "(empty)")
        label = first if len(first) <= 60 else first[:59] + "…"
        blocks.append(protocol.BlockInfo(id=block.id, label=label, line=block.range.start.line))
    return blocks
