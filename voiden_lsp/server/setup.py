"""`create_server()`: the server with every feature registered."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from typing import Any

from lsprotocol import types
from pygls.capabilities import get_capability

from voiden_lsp.server.features import completion, diagnostics, hover, outline, sample_data, semantic, sessions
from voiden_lsp.server.server import VoidenServer

log = logging.getLogger(__name__)
SHUTDOWN_WAIT_SECONDS = 0.5
"""How long `shutdown` waits for live sessions to end once cancelled."""
EXIT_GRACE_SECONDS = 0.5
"""After `exit`, the process ends within this, whatever is still running."""


def create_server() -> VoidenServer:
    server = VoidenServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: VoidenServer, params: types.InitializeParams) -> None:
        ls.settings.update(params.initialization_options or {})

    @server.feature(types.INITIALIZED)
    async def initialized(ls: VoidenServer, params: types.InitializedParams) -> None:
        """Pull the `voiden` settings section when the client offers `workspace/configuration`."""
        if not get_capability(ls.client_capabilities, "workspace.configuration", False):
            return
        try:
            items = [types.ConfigurationItem(section="voiden")]
            result = await asyncio.wait_for(ls.workspace_configuration_async(types.ConfigurationParams(items=items)), 5)
        except Exception:  # a client that cannot answer keeps the initialization options
            log.info("workspace/configuration unanswered")
            return
        if result and isinstance(result[0], dict):
            ls.settings.update(result[0])

    @server.feature(types.SHUTDOWN)
    async def shutdown(ls: VoidenServer, params: Any) -> None:
        """From here the server sends nothing more and starts no session; live ones are cancelled."""
        await ls.stop_everything(wait=SHUTDOWN_WAIT_SECONDS)

    @server.feature(types.EXIT)
    def exit(ls: VoidenServer, params: Any) -> None:
        """pygls exits by raising SystemExit in the event loop, which then waits for every task to finish
        cancelling (a WebSocket close handshake, a gRPC call): a timer makes sure the process is gone within
        a second whatever is still live."""
        code = 0 if ls.shutting_down else 1  # as LSP says: 0 only after a shutdown request
        ls.shutting_down = True
        for live in ls.sessions.values():
            live.session.cancel()
        threading.Timer(EXIT_GRACE_SECONDS, os._exit, args=(code,)).start()

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: VoidenServer, params: types.DidChangeConfigurationParams) -> None:
        settings: Any = params.settings
        ls.settings.update(settings if isinstance(settings, dict) else {})
        diagnostics.republish_all(ls)

    for feature in (diagnostics, sessions, completion, hover, outline, semantic, sample_data):
        feature.register(server)
    return server
