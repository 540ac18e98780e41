"""`create_server()`: the server with every feature registered."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from lsprotocol import types
from pygls.capabilities import get_capability

from voiden_lsp.server.features import (
    completion,
    diagnostics,
    expectations,
    exports,
    history,
    hover,
    load,
    outline,
    sample_data,
    semantic,
    sessions,
)
from voiden_lsp.server.server import VoidenServer

log = logging.getLogger(__name__)
WATCHED = ["**/voiden.toml", "**/.env", "**/.env.*", "**/.voiden/*.yaml"]
"""The collection's files whose changes re-check open documents."""
SHUTDOWN_WAIT_SECONDS = 0.5
"""How long `shutdown` waits for live sessions to end once cancelled."""


COLLECTION_POLL_SECONDS = 2.0


async def _watch_collections(ls: VoidenServer) -> None:
    """Clients that do not watch files for the server (Neovim on Linux does not) still see diagnostics follow
    `voiden.toml`, `.env` and `.voiden/*.yaml`: every few seconds each open document's collection is looked
    at (a few stat calls; its cache follows the files' times) and a document whose collection changed is
    checked again."""
    while not ls.shutting_down:
        await asyncio.sleep(COLLECTION_POLL_SECONDS)
        for uri in list(ls.parsed):
            before = ls.collections.get(ls.collection_key(uri))
            try:
                after = ls.collection(uri)
            except Exception:
                continue
            if before is not None and before[1] is not after:
                diagnostics.schedule(ls, uri, debounce=False)


def create_server() -> VoidenServer:
    server = VoidenServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: VoidenServer, params: types.InitializeParams) -> None:
        ls.settings.update(params.initialization_options or {})

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def watched_files_changed(ls: VoidenServer, params: types.DidChangeWatchedFilesParams) -> None:
        """`voiden.toml`, `.env` or the app's environments changed: read the collection again (its cache
        follows the files' times) and check the open documents against it."""
        ls.collections.clear()
        diagnostics.republish_all(ls)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: VoidenServer, params: types.InitializedParams) -> None:
        """Watch the collection files where the client lets the server ask (Neovim); VS Code's extension
        watches them itself. Then pull the `voiden` settings section when the client offers it."""
        if get_capability(ls.client_capabilities, "workspace.did_change_watched_files.dynamic_registration", False):
            watchers = [types.FileSystemWatcher(glob_pattern=pattern) for pattern in WATCHED]
            registration = types.Registration(
                id="voiden-collection-files",
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
            )
            try:
                await asyncio.wait_for(
                    ls.client_register_capability_async(types.RegistrationParams(registrations=[registration])), 5
                )
            except Exception:
                log.info("the client did not register the file watchers")
        ls.watcher = asyncio.get_running_loop().create_task(_watch_collections(ls), name="voiden collections")
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
        """The process is gone within a second whatever is still live (see `VoidenServer.exit_soon`)."""
        ls.exit_soon(0 if ls.shutting_down else 1)  # as LSP says: 0 only after a shutdown request

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    def did_change_configuration(ls: VoidenServer, params: types.DidChangeConfigurationParams) -> None:
        settings: Any = params.settings
        ls.settings.update(settings if isinstance(settings, dict) else {})
        diagnostics.republish_all(ls)

    for feature in (
        diagnostics,
        sessions,
        expectations,
        completion,
        hover,
        outline,
        semantic,
        sample_data,
        exports,
        history,
        load,
    ):
        feature.register(server)
    return server
