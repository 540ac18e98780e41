"""The language server's state: parsed documents, collections, live sessions and the event batcher."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.cookiejar import CookieJar
from pathlib import Path
from typing import TYPE_CHECKING, Any, Generic, ParamSpec
from urllib.parse import unquote, urlparse

from lsprotocol import types
from pygls.capabilities import get_capability
from pygls.io_ import StdinAsyncReader, StdoutWriter, run_async
from pygls.lsp.server import LanguageServer

from voiden_lsp import __version__
from voiden_lsp.document import Document, Problem, Request
from voiden_lsp.errors import VoidenError
from voiden_lsp.events import CLOSED, ERROR, OPEN, Event
from voiden_lsp.formats import parse_document
from voiden_lsp.server import protocol as ext
from voiden_lsp.server.rpc import LoopReader, RawResult, VoidenProtocol
from voiden_lsp.sessions import Runner, Session
from voiden_lsp.templating import (
    APP_FOLDER,
    CONFIG_FILE,
    DOTENV_FILE,
    Collection,
    Response,
    Scope,
    find_root,
    void_context,
)

if TYPE_CHECKING:
    from voiden_lsp.sessions.history import History

log = logging.getLogger(__name__)
KEEP_FINISHED = 5
"""Finished sessions kept per document (their event logs with them)."""
KEEP_FINISHED_ALL = 50


@dataclass
class Settings:
    """From `initializationOptions` and `workspace/configuration` (VS Code nests them under `voiden`)."""

    env: str | None = None
    timeout: float | None = None
    max_payload: int = 64 * 1024
    trusted: bool = True

    def update(self, values: Any) -> None:
        if not isinstance(values, dict):
            return
        values = values.get("voiden", values) if isinstance(values.get("voiden"), dict) else values
        if "env" in values or "environment" in values:
            env = values.get("env", values.get("environment"))
            self.env = str(env) if env else None
        if isinstance(values.get("timeout"), int | float):
            self.timeout = float(values["timeout"])
        size = values.get("maxPayload", values.get("max_payload"))
        if isinstance(size, int) and size > 0:
            self.max_payload = size
        if isinstance(values.get("trusted"), bool):
            self.trusted = values["trusted"]


@dataclass
class LiveSession:
    session: Session
    uri: str
    request: str
    protocol: str
    task: asyncio.Task[None] | None = None

    def info(self, with_events: bool = True) -> ext.SessionInfo:
        transport = self.session.transport
        return ext.SessionInfo(
            id=self.session.id,
            uri=self.uri,
            request=self.request,
            protocol=self.protocol,
            state=self.session.state,
            live=bool(transport is not None and transport.live),
            dropped=self.session.dropped,
            events=[e.to_json() for e in self.session.log] if with_events else [],
        )


@dataclass
class EventBatcher:
    """Events travel to the client in batches: at most every 30 ms or every 500 events."""

    server: VoidenServer
    pending: list[str] = field(default_factory=list)
    """Events as JSON text, each serialised once (`Event.json_line`, shared with `voiden run --json`)."""
    handle: asyncio.TimerHandle | None = None

    def __call__(self, event: Event) -> None:
        self.pending.append(event.json_line())
        if event.kind in (OPEN, CLOSED, ERROR):  # the session's state changed: so do its code lenses
            self.server.session_changed()
        if len(self.pending) >= ext.FLUSH_EVENTS:
            self.flush()
        elif self.handle is None:
            self.handle = asyncio.get_running_loop().call_later(ext.FLUSH_SECONDS, self.flush)

    def flush(self) -> None:
        if self.handle is not None:
            self.handle.cancel()
            self.handle = None
        if self.server.shutting_down:  # the client is gone or going: what is pending is dropped, never sent
            self.pending.clear()
            return
        if self.pending:
            events, self.pending = self.pending, []
            protocol = self.server.protocol
            assert isinstance(protocol, VoidenProtocol)
            protocol.notify_json(ext.EVENTS, '{"events":[' + ",".join(events) + "]}")


EXIT_GRACE_SECONDS = 0.5
"""After `exit` (or the end of input), the process ends within this, whatever is still running."""


P = ParamSpec("P")


class Signal(Generic[P]):
    """News one feature gives and others act on (a run began, a document wants checking): the features reach
    each other through the server's signals, never by importing each other. Handlers run in the order they
    connected; a handler's fault is logged and does not stop the others."""

    def __init__(self) -> None:
        self.handlers: list[Callable[P, object]] = []

    def connect(self, handler: Callable[P, object]) -> None:
        self.handlers.append(handler)

    def __call__(self, *args: P.args, **kwargs: P.kwargs) -> None:
        for handler in self.handlers:
            try:
                handler(*args, **kwargs)
            except Exception:
                log.exception("a handler of %s failed", getattr(handler, "__qualname__", handler))


@dataclass
class CachedLenses:
    """A document's code lenses for one version and session state (`key`), and their answer as JSON text once
    a client has asked for it (features/sessions.py)."""

    key: tuple[Any, ...]
    items: list[types.CodeLens]
    answer: RawResult | None = None


@dataclass
class Checked:
    """What each request's check found last time (ranges from the request's first line), by everything the
    check depends on: an edit re-checks the requests it touched, and all of them when variables or a schema
    change."""

    found: dict[tuple[object, ...], list[Problem]] = field(default_factory=dict)


class VoidenServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("voiden-lsp", __version__, protocol_cls=VoidenProtocol)
        self.settings = Settings()
        self.parsed: dict[str, tuple[int | None, Document]] = {}
        self.parsing: dict[str, tuple[int | None, asyncio.Future[Document]]] = {}
        """Parses under way in worker threads, per document (see `document_async`)."""
        self.collections: dict[Path | None, tuple[tuple[object, ...], Collection]] = {}
        self.responses: dict[str, dict[str, Response]] = {}
        self.cookies = CookieJar()
        """One cookie jar for the editor's session, as a browser keeps one: log in, then call."""
        self.runtime: dict[str, Any] = {}
        """`process.NAME` values captured by runs (the Voiden app's `runtime-variables`)."""
        self.sessions: dict[str, LiveSession] = {}
        self.batcher = EventBatcher(self)
        self.diagnostic_tasks: dict[str, asyncio.Task[None]] = {}
        self.checked: dict[str, Checked] = {}
        """Per document, what its last check found."""
        self.lens_cache: dict[str, CachedLenses] = {}
        self.expect_results: dict[str, dict[str, Any]] = {}
        """Per document and request, the last judged run (features/expectations.py)."""
        self.lens_generation = 0
        """Bumped whenever a session changes state, so cached code lenses are recomputed."""
        self.recheck: Signal[[str | None]] = Signal()
        """Check a document again now (all open ones for None): a schema arrived, the environment changed, a
        run's verdicts came. features/diagnostics acts on it."""
        self.run_begun: Signal[[str, Document, Request]] = Signal()
        """A request starts running (uri, document, request): features/expectations clears its old verdicts."""
        self.run_ended: Signal[[LiveSession, Request]] = Signal()
        """A run ended, its events all in its session's log: features/expectations judges it."""
        self.lens_sources: list[Callable[[str, Document], list[types.CodeLens]]] = []
        """More code lenses for a document, before the Send / Connect ones (features/expectations' tallies)."""
        self.watcher: asyncio.Task[None] | None = None
        """Looks at the open documents' collection files (see setup._watch_collections)."""
        self.shutting_down = False
        self._exit_timer: threading.Timer | None = None
        """Set by `shutdown` (or `exit`): nothing more is sent to the client and no session starts."""

    # -- documents -----------------------------------------------------------------------------

    def document(self, uri: str) -> Document:
        """The parsed document at `uri` (cached per version)."""
        text_document = self.workspace.get_text_document(uri)
        cached = self.parsed.get(uri)
        if cached is not None and cached[0] == text_document.version and cached[0] is not None:
            return cached[1]
        doc = self.parse(uri, text_document.source)
        self.parsed[uri] = (text_document.version, doc)
        return doc

    async def document_async(self, uri: str) -> Document:
        """The parsed document, parsed off the event loop when it is not cached yet: a huge document keeps
        the server answering while it is read. Concurrent callers share one parse per version."""
        text_document = self.workspace.get_text_document(uri)
        version = text_document.version
        cached = self.parsed.get(uri)
        if cached is not None and cached[0] == version and version is not None:
            return cached[1]
        pending = self.parsing.get(uri)
        if pending is None or pending[0] != version:
            source = text_document.source
            future = asyncio.ensure_future(asyncio.to_thread(self.parse, uri, source))
            pending = (version, future)
            self.parsing[uri] = pending
        doc = await asyncio.shield(pending[1])
        if self.parsing.get(uri) is pending:
            del self.parsing[uri]
        if self.workspace.get_text_document(uri).version == version:
            self.remember(uri, version, doc)
        return doc

    def parse(self, uri: str, text: str) -> Document:
        """`text` as the document at `uri`: a `.void` one reads its collection's linked files and inheritance."""
        path = self.path_of(uri)
        if path is None or not uri.endswith(".void"):
            return parse_document(text, uri)
        return parse_document(text, uri, *void_context(path, self.workspace_root()))

    def remember(self, uri: str, version: int | None, doc: Document) -> None:
        self.parsed[uri] = (version, doc)

    @staticmethod
    def path_of(uri: str) -> Path | None:
        parts = urlparse(uri)
        return Path(unquote(parts.path)) if parts.scheme == "file" else None

    def workspace_root(self) -> Path | None:
        root = self.workspace.root_path
        return Path(root) if root else None

    def history(self, collection: Collection, path: Path | None) -> History | None:
        """Where the editor's exchanges are kept: nowhere for an untrusted workspace or an unsaved document."""
        if not self.settings.trusted or path is None:
            return None
        from voiden_lsp.sessions.history import History

        return History(collection.root or path.parent, by="editor")

    def collection(self, uri: str) -> Collection:
        """The document's collection, cached per folder and read again when voiden.toml or .env change."""
        path = self.path_of(uri)
        folder = self.collection_key(uri)
        root = find_root(path, self.workspace_root())
        stamp: tuple[object, ...] = ()
        if root is not None:
            app_files = sorted((root / APP_FOLDER).glob("env-*.yaml"))  # every profile's
            stamp = tuple((str(p), _mtime(p)) for p in [root / CONFIG_FILE, root / DOTENV_FILE, *app_files])
        cached = self.collections.get(folder)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            collection = Collection.load(path, self.workspace_root())
        except VoidenError as exc:
            log.warning("collection of %s: %s", uri, exc.message)
            collection = Collection()
        self.collections[folder] = (stamp, collection)
        return collection

    def collection_key(self, uri: str) -> Path | None:
        """Collections are cached per document folder."""
        path = self.path_of(uri)
        return path.parent if path else None

    def runner(self, uri: str) -> Runner:
        doc = self.document(uri)
        path = self.path_of(uri)
        collection = self.collection(uri)
        runner = Runner(
            doc,
            path,
            collection,
            env=self.settings.env,
            sinks=[self.batcher],
            cookies=self.cookies,
            runtime=self.runtime,  # the app's runtime variables are the project's, kept across runs
            history=self.history(collection, path),
        )
        runner.responses = self.responses.setdefault(uri, {})
        return runner

    def scope(self, uri: str, request: Request | None) -> Scope:
        try:
            return self.runner(uri).scope(request)
        except VoidenError:
            path = self.path_of(uri)
            return Scope(layers=[], base_dir=path.parent if path else None)

    # -- sessions ------------------------------------------------------------------------------

    def live_session(self, uri: str, request: str) -> LiveSession | None:
        """The newest session of a request, if it has not ended."""
        for live in reversed(list(self.sessions.values())):
            if live.uri == uri and live.request == request and not live.session.done:
                return live
        return None

    def release_finished(self, uri: str, *, starting: bool = False) -> None:
        """Finished sessions keep their logs for the panel and `voiden/sessions`, but only the newest
        KEEP_FINISHED of each document and KEEP_FINISHED_ALL in all: an editor that runs all day does not
        grow with every stream it ever read. `starting`: a new session of the document is about to start,
        so one fewer is kept, and the oldest log goes before the new one fills (the peak stays the same)."""
        keep = KEEP_FINISHED - 1 if starting else KEEP_FINISHED
        finished = [sid for sid, live in self.sessions.items() if live.session.done]
        mine = [sid for sid in finished if self.sessions[sid].uri == uri]
        for sid in (
            mine[: max(0, len(mine) - keep)]
            + [s for s in finished if s not in mine][: max(0, len(finished) - KEEP_FINISHED_ALL)]
        ):
            self.sessions.pop(sid, None)

    @staticmethod
    def schema_generation() -> int:
        """Changes when a schema arrives or is forgotten (code lenses and checks depend on schemas); the gRPC
        modules stay unloaded until used."""
        import sys

        module = sys.modules.get("voiden_lsp.transports.grpc_reflection")
        graphql = sys.modules.get("voiden_lsp.transports.graphql_schema")
        mcp = sys.modules.get("voiden_lsp.transports.mcp")
        return (
            (module.SCHEMAS.generation if module is not None else 0)
            + (graphql.SCHEMAS.generation if graphql is not None else 0)
            + (mcp.CATALOGS.generation if mcp is not None else 0)
        )

    async def stop_everything(self, wait: float) -> None:
        """`shutdown`: cancel every live session and check, wait up to `wait` seconds for them to end."""
        for task in self.diagnostic_tasks.values():
            task.cancel()
        tasks = self.cancel_sessions()
        if tasks:
            await asyncio.wait(tasks, timeout=wait)

    def cancel_sessions(self) -> list[asyncio.Task[None]]:
        """From now on nothing is sent to the client and no session starts; every live session is cancelled.
        The tasks still running, for a caller that can wait for them."""
        self.shutting_down = True
        tasks = [live.task for live in self.sessions.values() if live.task is not None and not live.task.done()]
        for live in self.sessions.values():
            live.session.cancel()
        return tasks

    def exit_soon(self, code: int) -> None:
        """Cancel every live session and end the process within EXIT_GRACE_SECONDS whatever is still running
        (pygls's own exit waits for every task to finish cancelling: a WebSocket close handshake, a gRPC call).
        The first caller's code stands."""
        self.cancel_sessions()
        if self._exit_timer is None:
            self._exit_timer = threading.Timer(EXIT_GRACE_SECONDS, os._exit, args=(code,))
            self._exit_timer.start()

    def _start_io_async(self, stdin: Any | None = None, stdout: Any | None = None) -> None:
        """pygls's own, but with standard input read by the event loop (`rpc.LoopReader`)."""
        self._stop_event = stop = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        source = stdin or sys.stdin.buffer

        async def serve() -> None:
            reader = await LoopReader.of(source) or StdinAsyncReader(source, self.thread_pool)
            await run_async(
                stop_event=stop,
                reader=reader,
                protocol=self.protocol,
                logger=log,
                error_handler=self.report_server_error,
            )

        try:
            asyncio.run(serve())
        except BrokenPipeError:
            log.error("the client is gone: the server ends")
        except (KeyboardInterrupt, SystemExit):
            pass
        finally:
            self.shutdown()

    def shutdown(self) -> None:
        """After `exit`, and at the end of input (an editor that quits without `shutdown`, as Neovim does): the
        process ends within half a second either way."""
        self.exit_soon(0)
        super().shutdown()  # type: ignore[no-untyped-call]

    def report_server_error(self, error: Exception, source: Any) -> None:
        """After shutdown the client is gone: an error about a failed send must not try to send again."""
        if self.shutting_down:
            log.debug("after shutdown: %s", error)
            return
        super().report_server_error(error, source)

    def show_documents(self) -> bool:
        """Whether the client opens a document the server names (`window/showDocument`)."""
        return bool(get_capability(self.client_capabilities, "window.show_document.support", False))

    def session_changed(self) -> None:
        """Sessions changed state: the code lenses show it."""
        if self.shutting_down:
            return
        self.lens_generation += 1
        if get_capability(self.client_capabilities, "workspace.code_lens.refresh_support", False):
            self.workspace_code_lens_refresh(None)


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0


def range_of(r: Any) -> types.Range:
    return types.Range(
        start=types.Position(r.start.line, r.start.character), end=types.Position(r.end.line, r.end.character)
    )
