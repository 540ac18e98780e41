"""Every custom method, command and payload between voiden-lsp and its clients (mirrored in
editor-client/vscode/src/protocol.ts and documented in docs/lsp-extensions.md)."""

from __future__ import annotations

from typing import Any, Final

import attrs

#: Server -> client notification: `{"events": [Event, ...]}`, batched (at most every 30 ms or 500 events).
EVENTS: Final = "voiden/events"
#: Client -> server request: every session with its state and recent events (a panel that opens late).
SESSIONS: Final = "voiden/sessions"
#: Client -> server request: `{"uri"?: str}` -> the collection's environments (an environment picker).
ENVIRONMENTS: Final = "voiden/environments"

#: Client -> server request: `{"uri"?: str}` -> the documents whose requests have expectations (test items).
TESTS: Final = "voiden/tests"

CMD_RUN: Final = "voiden.run"
CMD_CONNECT: Final = "voiden.connect"
CMD_SEND: Final = "voiden.send"
CMD_CLOSE: Final = "voiden.close"
CMD_CANCEL: Final = "voiden.cancel"
CMD_REFRESH_SCHEMA: Final = "voiden.refreshSchema"
CMD_SELECT_ENV: Final = "voiden.selectEnv"
#: `[uri, request]`: run unattended and answer, at the end, with the verdicts (`passed`, `checks`...).
CMD_TEST: Final = "voiden.test"
#: `[uri, request, target]`: the request as a curl / httpie / grpcurl / websocat / http command, nothing sent:
#: `{"text": str, "notes": [str]}`; secrets as `${NAME}` (`{{NAME}}` in .http), never their values.
CMD_EXPORT: Final = "voiden.export"
#: A client-side command the code actions carry, with the arguments of `voiden.export`: the client asks the
#: server for `voiden.export` and puts the text on its clipboard (the server does not register it).
CMD_COPY_AS: Final = "voiden.copyAs"

#: Client -> server request: `{"uri", "request"}` -> HistoryResult, the request's kept runs, newest first.
HISTORY: Final = "voiden/history"
#: Client -> server request: `{"uri", "id"}` -> HistoryRecordResult: one kept run as a session and as text.
HISTORY_RECORD: Final = "voiden/historyRecord"
#: Client -> server request: `{"uri", "request", "older"?, "newer"?, "ignore"?}` -> CompareResult.
COMPARE: Final = "voiden/compare"
#: `[uri, request]`: the `History (n)` lens. A client of ours lists the runs itself (HISTORY); the server, for
#: any other client, writes the listing to a file and asks the client to show it.
CMD_HISTORY: Final = "voiden.history"
#: `[uri, request, older?, newer?]`: "Compare with the previous run". A client of ours opens its diff view on
#: COMPARE's texts; the server, for any other client, writes the unified diff to a file and shows it.
CMD_COMPARE: Final = "voiden.compare"

#: `[uri, {users?, duration?, yes?}]`: the `▶ Load test…` lens over a front matter with `load:`: `voiden load`
#: on the saved document as a session (answered like voiden.run); a client of ours asks for the numbers first.
CMD_LOAD: Final = "voiden.load"

FLUSH_SECONDS: Final = 0.03
FLUSH_EVENTS: Final = 500


@attrs.define
class EventsParams:
    events: list[dict[str, Any]]


@attrs.define
class SessionInfo:
    id: str
    uri: str
    request: str
    protocol: str
    state: str
    live: bool
    dropped: int
    """Events that fell out of the bounded log (the panel shows that some are missing)."""
    events: list[dict[str, Any]]
    blocks: list[BlockInfo] = attrs.field(factory=list)
    """The request's message blocks, for a composer that sends one (`voiden.send`)."""


@attrs.define
class BlockInfo:
    id: str
    label: str
    """The block's first line, shortened."""
    line: int


@attrs.define
class SessionsResult:
    sessions: list[SessionInfo]


@attrs.define
class StartResult:
    """What `voiden.run` / `voiden.connect` answer: the session to follow in `voiden/events`."""

    session: str
    request: str


@attrs.define
class EnvironmentsResult:
    environments: list[str]
    """The `voiden.toml` environments and the Voiden app's `.voiden/env-*.yaml` ones, in file order."""
    current: str | None
    """The one chosen with `voiden.selectEnv` or the `env` setting (None: the collection's default)."""
    default: str | None


@attrs.define
class HistoryEntry:
    id: str
    when: str
    """ISO 8601, UTC."""
    age: str
    by: str
    """`editor` or `cli`."""
    status: str
    duration: float | None
    """Milliseconds, to the end of the exchange."""
    size: str
    error: str | None


@attrs.define
class HistoryResult:
    runs: list[HistoryEntry]


@attrs.define
class HistoryRecordResult:
    session: SessionInfo
    """The run as a finished session (id `history:ID`), its events as kept."""
    text: str
    """The run as `voiden history show` prints it."""


@attrs.define
class CompareSide:
    id: str
    title: str
    text: str
    """The run as lines that compare by meaning: status, sorted headers, JSON with sorted keys."""


@attrs.define
class CompareResult:
    older: CompareSide
    newer: CompareSide
    same: bool
