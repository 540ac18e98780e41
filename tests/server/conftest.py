"""An end-to-end language-server client (pytest-lsp), run once as VS Code and once as Neovim."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from typing import Any

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities


class Recorder:
    """The `voiden/events` batches the server sent, flattened."""

    def __init__(self) -> None:
        self.events: list[Any] = []
        self.batches = 0
        self.registrations: list[str] = []


@pytest_lsp.fixture(
    params=["visual_studio_code", "neovim"],
    config=ClientServerConfig(server_command=[sys.executable, "-m", "voiden_lsp.server"]),
)
async def client(request: pytest.FixtureRequest, lsp_client: LanguageClient) -> AsyncIterator[None]:
    recorder = Recorder()
    lsp_client.recorder = recorder  # type: ignore[attr-defined]

    @lsp_client.feature("voiden/events")
    def on_events(params: Any) -> None:
        recorder.batches += 1
        recorder.events.extend(params.events)

    @lsp_client.feature(types.WORKSPACE_CODE_LENS_REFRESH)
    def on_refresh(params: Any) -> None:
        return None

    @lsp_client.feature(types.CLIENT_REGISTER_CAPABILITY)
    def on_register(params: Any) -> None:  # as the editors do: the file watchers are accepted
        recorder.registrations.extend(r.method for r in params.registrations)

    await lsp_client.initialize_session(
        types.InitializeParams(capabilities=client_capabilities(request.param), initialization_options={"voiden": {}})
    )
    yield
    await lsp_client.shutdown_session()
