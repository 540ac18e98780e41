"""`create_server()`: the server with every feature registered."""

from __future__ import annotations

from typing import Any

from lsprotocol import types

from voiden_lsp.server.features import completion, diagnostics, hover, outline, sample_data, semantic, sessions
from voiden_lsp.server.server import VoidenServer


def create_server() -> VoidenServer:
    server = VoidenServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: VoidenServer, params: types.InitializeParams) -> None:
        ls.settings.update(params.initialization_options or {})

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: VoidenServer, params: types.DidChangeConfigurationParams) -> None:
        settings: Any = params.settings
        ls.settings.update(settings if isinstance(settings, dict) else {})
        diagnostics.republish_all(ls)

    for feature in (diagnostics, sessions, completion, hover, outline, semantic, sample_data):
        feature.register(server)
    return server
