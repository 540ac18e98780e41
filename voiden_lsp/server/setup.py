"""`create_server()`: the server with every feature registered."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types
from pygls.capabilities import get_capability

from voiden_lsp.server.features import completion, diagnostics, hover, outline, sample_data, semantic, sessions
from voiden_lsp.server.server import VoidenServer

log = logging.getLogger(__name__)


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

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: VoidenServer, params: types.DidChangeConfigurationParams) -> None:
        settings: Any = params.settings
        ls.settings.update(settings if isinstance(settings, dict) else {})
        diagnostics.republish_all(ls)

    for feature in (diagnostics, sessions, completion, hover, outline, semantic, sample_data):
        feature.register(server)
    return server
