"""The editor's "Load test...": a `▶ Load test…` lens over a front matter with `load:`, and `voiden.load`, which
runs `voiden load` on the saved document as a session (transports/load.py) whose stats stream to the panel.
A client of ours asks for users and duration first and confirms a host away from this machine; the lens
carries what it needs to: the hosts, and the front matter's numbers."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from voiden_lsp.document import Document
from voiden_lsp.load.plan import hosts
from voiden_lsp.server import protocol
from voiden_lsp.server.features.sessions import CommandError, require_trust
from voiden_lsp.server.server import LiveSession, VoidenServer, range_of
from voiden_lsp.sessions.session import Session
from voiden_lsp.templating import ResolvedRequest

NAME = "load test"


def lenses(ls: VoidenServer, uri: str, doc: Document) -> list[types.CodeLens]:
    front = doc.front_matter
    if front is None or not isinstance(front.data.get("load"), dict) or ls.path_of(uri) is None:
        return []
    settings = front.data["load"]
    details = {
        "users": settings.get("users"),
        "duration": settings.get("duration"),
        "hosts": sorted(hosts(doc.requests, lambda request: ls.scope(uri, request))),
    }
    title = "▶ Load test…"
    command = types.Command(title, protocol.CMD_LOAD, arguments=[uri, details])
    return [types.CodeLens(range=range_of(front.range), command=command)]


def register(server: VoidenServer) -> None:
    server.lens_sources.append(lambda uri, doc: lenses(server, uri, doc))

    @server.command(protocol.CMD_LOAD)
    async def load(ls: VoidenServer, uri: str, options: Any = None) -> protocol.StartResult:
        """`[uri, {users?, duration?, yes?}]`: the document's load run, its stats as events."""
        require_trust(ls)
        path = ls.path_of(uri)
        if path is None or not path.is_file():
            raise CommandError("save the document first: a load run reads it from its file")
        given = options if isinstance(options, dict) else {}
        resolved = ResolvedRequest(name=NAME, protocol="load", target=str(path))
        for key in ("users", "duration", "spawn-rate"):
            value = given.get(key)
            if value is not None and str(value).strip():
                text = str(value).strip()
                if len(text) > 12 or not all(c.isalnum() or c == "." for c in text):
                    raise CommandError(f"`{key}` is a number (users) or a duration (30s): not `{text[:20]}`")
                resolved.metadata[key] = [text]
        if given.get("yes") is True:
            resolved.metadata["yes"] = ["true"]
        if ls.settings.env:
            resolved.metadata["env"] = [ls.settings.env]
        from voiden_lsp.transports.load import LoadTransport

        session = Session(NAME, None, sinks=[ls.batcher], secrets=lambda: ls.collection(uri).secrets)
        session.transport = LoadTransport(resolved)
        live = LiveSession(session, uri, NAME, "load")
        ls.sessions[session.id] = live

        async def drive() -> None:
            try:
                await session.run()
            finally:
                ls.batcher.flush()
                ls.release_finished(uri)
                ls.session_changed()

        import asyncio

        live.task = asyncio.get_running_loop().create_task(drive(), name=f"voiden {session.id}")
        ls.session_changed()
        return protocol.StartResult(session=session.id, request=NAME)
