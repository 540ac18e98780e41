"""Running the requests of one document: resolve, send, and carry responses to later requests."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from voiden_lsp.document import Document, Expectation, MessageBlock, Request

if TYPE_CHECKING:
    from http.cookiejar import CookieJar

    from voiden_lsp.sessions.history import History
from voiden_lsp.document.expect_values import expected_value
from voiden_lsp.document.expect_words import ORDERING
from voiden_lsp.errors import TemplateError, VoidenError
from voiden_lsp.events import CHECK, CLOSED, ERROR, Event
from voiden_lsp.judge import MISSING, Judge, Snapshot
from voiden_lsp.sessions.patterns import PatternWorker, shared_worker
from voiden_lsp.sessions.session import Session, Sink
from voiden_lsp.sessions.snapshots import Snapshots, masked_value
from voiden_lsp.templating import (
    Collection,
    ResolvedRequest,
    Response,
    Scope,
    basic_credential_secrets,
    captured,
    evaluate,
    expand,
    iter_templates,
    logmask,
    render_message,
    render_request,
    secret_name,
    to_text,
)
from voiden_lsp.transports import transport_for

DEFAULT_WAIT = 30.0
"""Seconds an expectation that waits for a stream may wait when the request sets no `@timeout`."""


class Runner:
    """One document's runs. Responses are kept per request name for `{{NAME.response...}}` references."""

    def __init__(
        self,
        doc: Document,
        path: Path | None,
        collection: Collection,
        *,
        env: str | None = None,
        overrides: Mapping[str, Any] | None = None,
        sinks: list[Sink] | None = None,
        process_env: Mapping[str, str] | None = None,
        cookies: CookieJar | None = None,
        runtime: dict[str, Any] | None = None,
        history: History | None = None,
        update_snapshots: bool = False,
        write_snapshots: bool = True,
    ) -> None:
        self.doc = doc
        self.update_snapshots = update_snapshots
        """`--update-snapshots`: each `matches snapshot` takes this run's value."""
        self._snapshots: Snapshots | None = None
        self.write_snapshots = write_snapshots
        """False for a caller that may change no file (an agent): a snapshot not taken yet fails."""
        self.history = history
        """Where each exchange is kept (FORMAT.md section 13); None keeps nothing."""
        self.path = path
        self.collection = collection
        self.env = env
        self.overrides = dict(overrides or {})
        self.sinks = list(sinks or [])
        self.process_env = process_env
        self.responses: dict[str, Response] = {}
        self.failed: dict[str, str] = {}
        """Requests whose last run failed without a response, with the first error (cleared by a response)."""
        self.runtime: dict[str, Any] = {} if runtime is None else runtime
        """`process.NAME` values captured from responses (a Voiden app's `runtime-variables`), kept in the
        mapping given (the editor's, for its whole session)."""
        self._cookies = cookies
        """What HTTP responses set, sent on later requests (`@no-cookie-jar` opts a request out)."""
        self.secrets = collection.secrets
        logmask.remember(self.secrets)
        self.patterns: PatternWorker = shared_worker()

    @property
    def cookies(self) -> CookieJar:
        """The run's cookie jar, made when an HTTP-based request first needs it (http.cookiejar takes 18 ms
        to import, a tenth of a streaming run's start)."""
        if self._cookies is None:
            from http.cookiejar import CookieJar

            self._cookies = CookieJar()
        return self._cookies

    def scope(self, request: Request | None) -> Scope:
        return Scope.for_request(
            self.doc,
            request,
            self.collection,
            env=self.env,
            overrides=self.overrides,
            responses=self.responses,
            failed=self.failed,
            process_env=self.process_env,
            base_dir=self.path.parent if self.path else None,
            runtime=self.runtime,
        )

    def session(self, request: Request) -> Session:
        """A session ready to run `request`; one that cannot be sent carries the reason as an `error`."""
        session = Session(request.name, None, sinks=self.sinks, secrets=lambda: self.secrets)
        blocking = [
            p
            for p in self.doc.problems
            if p.severity == "error" and p.code != "bad-expectation" and request.range.contains(p.range.start)
        ]  # a bad expectation fails as a `check`; the request is still sent and its other lines judged
        if blocking:
            session.fail(f"`{request.name}` cannot be sent: {blocking[0].message}", blocking[0].range)
            return session
        try:
            resolved = render_request(request, self.scope(request))
            for name, value in resolved.headers:
                if name.lower() in ("authorization", "proxy-authorization"):
                    self.secrets |= basic_credential_secrets(value, self.secrets)
            logmask.remember(self.secrets)
            session.transport = transport_for(resolved)
            if resolved.protocol in ("http", "sse", "graphql"):  # the transports on httpx keep cookies
                session.transport.cookies = self.cookies
        except VoidenError as exc:
            session.fail(exc.message, exc.range)
        return session

    async def run(self, request: Request) -> Session:
        """Run a request to its end. A live call also gets its message blocks, in order (a block with
        `wait=N` first waits for N more messages from the server), then ends its input."""
        session = self.session(request)
        await self.run_session(session, request)
        return session

    async def run_session(
        self,
        session: Session,
        request: Request,
        *,
        send_messages: bool = True,
        judge: bool = True,
        unattended: bool | None = None,
    ) -> None:
        """Drive a prepared session to its end, judging its expectations on the way; the editor passes
        `send_messages=False` and sends blocks when the user asks. An `unattended` run (default: one that
        sends its own messages) closes a stream once its expectations are decided."""
        unattended = send_messages if unattended is None else unattended
        clock = self.judge(session, request, closes=unattended) if judge and request.expects else None
        task = session.start()
        if send_messages and await session.until_ready() and session.transport is not None and session.transport.live:
            await self.send_messages(session, request)
            await session.end_input()
        await task
        if clock is not None:
            clock.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await clock
        if session.transport is not None and session.transport.response is not None:
            self.responses[request.name] = session.transport.response
            self.failed.pop(request.name, None)
            if request.captures:
                self.capture(session, request, session.transport.request, session.transport.response)
        else:
            error = next((e.fields.get("message") for e in session.log if e.kind == ERROR), None)
            if error is not None:
                text = str(error)
                self.failed[request.name] = text if len(text) <= 160 else text[:159] + "…"
        self.keep(session, request)

    def keep(self, session: Session, request: Request) -> None:
        """The exchange into the history, unless there is none or the request says `@no-history`."""
        if self.history is None or self.path is None or any(m.key == "no-history" for m in request.metadata):
            return
        transport = session.transport
        self.history.record(
            self.path,
            request.name,
            request=transport.request if transport is not None else None,
            response=transport.response if transport is not None else None,
            events=list(session.log),
            secrets=self.secrets,
        )

    def judge(self, session: Session, request: Request, *, closes: bool = True) -> asyncio.Task[None] | None:
        """Judges `request`'s expectations on `session`'s events: each decision a `check` event, the end
        judged once the session ends. With `closes`, a live or streaming session is closed as soon as every
        expectation that waits is decided (or its deadline passed). The task returned keeps the time."""
        scope = self.scope(request)
        values = [
            (e, self.snapshot(request, e) if e.snapshot else self.expected(e, scope)) for e in request.expectations
        ]
        bad = [b for block in request.expects for b in block.bad]
        judge = Judge(values, bad, protocol=request.protocol, search=self.patterns.search)
        for event in list(session.log):  # what came before the judge: an `error` that stops the request
            judge.feed(event)

        def closing() -> bool:  # known once the transport knows what it talks to (a gRPC method's kind)
            return closes and session.transport is not None and session.transport.streams and judge.waits_at_all

        set_timeout = session.transport.request.timeout if session.transport is not None else None
        timeout = set_timeout or DEFAULT_WAIT
        limit = timeout * 1000

        stopping: list[asyncio.Task[None]] = []  # the stop's task, kept while it runs

        def stop(reason: str) -> None:
            task = session.stop_soon(reason)
            if task is not None:
                stopping.append(task)

        def watch(event: Event) -> None:
            if event.kind == CHECK:
                return
            for verdict in judge.feed(event):
                session.emit(CHECK, verdict.fields())
            if event.kind == CLOSED:
                return
            if not judge.waiting and closing():
                stop("expectations decided")

        def ended() -> None:
            for verdict in [*judge.start(), *judge.finish()]:
                session.emit(CHECK, verdict.fields())
            if judge.snapshots and self._snapshots is not None:
                self._snapshots.save(request.name, {e.subject_text: value for e, value in judge.snapshots})
                if self._snapshots.problem:
                    session.fail(self._snapshots.problem)
                    self._snapshots.problem = None

        session.watchers.append(watch)
        session.on_end.append(ended)
        if not judge.waits_at_all:
            return None

        async def keep_time() -> None:
            while not session.done:
                deadline = judge.next_deadline()
                wake = min(limit, deadline if deadline is not None else limit)
                await asyncio.sleep(min(max(wake - session.now, 0) / 1000 + 0.001, 0.25))
                if session.done:
                    return
                for verdict in judge.tick(session.now):
                    session.emit(CHECK, verdict.fields())
                if not closing():
                    continue
                if not judge.waiting:
                    stop("expectations decided")
                    return
                if session.now >= limit:
                    stop(f"expectations still waiting after {timeout:g}s" + (" (@timeout)" if set_timeout else ""))
                    return

        return asyncio.get_running_loop().create_task(keep_time(), name=f"voiden judge {session.id}")

    def snapshot(self, request: Request, expectation: Expectation) -> Snapshot | ValueError:
        """The expected value of a `matches snapshot` line: what `__snapshots__/` holds for it."""
        if self.path is None:
            return ValueError("a snapshot is kept beside its document: save the document to a file first")
        if self._snapshots is None:
            self._snapshots = Snapshots(self.path, update=self.update_snapshots)
        stored = self._snapshots.stored(request.name, expectation.subject_text)
        if not self.write_snapshots and (stored is MISSING or self.update_snapshots):
            return ValueError("no snapshot taken yet: `voiden test` takes it (this run writes no file)")
        return Snapshot(stored, self.update_snapshots, lambda value: masked_value(value, self.secrets))

    @staticmethod
    def failure(session: Session, request: Request) -> str | None:
        """Why a finished run of `request` failed, or None when it passed: every expectation met, and no
        `error` event unless an expectation is about the error (`error contains refused`)."""
        if session.checks_failed:
            return f"{session.checks_failed} of {session.checks} expectations failed"
        expects_error = any(e.subject.kind == "error" for e in request.expectations)
        if session.failed and not expects_error:
            errors = [e for e in session.log if e.kind == ERROR]
            # a GraphQL `errors` array (under HTTP 200, or in a `next`) that an expectation is about is judged by it
            about_errors = any(e.subject.path[:1] == ("errors",) for e in request.expectations)
            if about_errors and errors and all(e.fields.get("graphql") for e in errors):
                return None
            # an MCP tool's `isError`, or a JSON-RPC error, that an expectation is about is judged by it
            about_mcp = any(
                e.subject.kind == "body" and e.subject.path[:1] in (("isError",), ("code",), ("message",))
                for e in request.expectations
            )
            if about_mcp and errors and all(e.fields.get("mcp") for e in errors):
                return None
            return str(errors[0].fields.get("message", "failed")) if errors else "failed"
        return None

    @staticmethod
    def expected(expectation: Expectation, scope: Scope) -> Any:
        """An expectation's EXPECTED with its templates expanded, read; a ValueError says why it has none.
        A whole-template value (`{{count}}`) is the variable's value itself, whatever its type."""
        text = expectation.expected
        if text is None:
            return None
        try:
            stripped = text.strip()
            templates = list(iter_templates(stripped))
            if len(templates) == 1 and templates[0].start == 0 and templates[0].end == len(stripped):
                value = evaluate(templates[0].expr, scope)
                typed = expectation.subject.kind in ("time", "size") or expectation.operator in (
                    *ORDERING,
                    "matches",
                    "type-is",
                )
                return expected_value(to_text(value), expectation.subject, expectation.operator) if typed else value
            expanded = expand(stripped, scope, json_mode=stripped.startswith(('"', "[", "{")))
            return expected_value(expanded, expectation.subject, expectation.operator)
        except VoidenError as exc:
            return ValueError(exc.message)
        except ValueError as exc:
            return exc

    def capture(self, session: Session, request: Request, sent: ResolvedRequest, response: Response) -> None:
        """Keeps each capture's value as `process.NAME`; one that finds nothing is an `error` event."""
        for capture in request.captures:
            try:
                value = captured(capture.source, sent, response)
            except TemplateError as exc:
                session.fail(f"runtime variable `{capture.name}`: {exc.message}", capture.range)
                continue
            self.runtime[f"process.{capture.name}"] = value
            if secret_name(capture.name) and isinstance(value, str) and value:
                self.secrets |= {value}
                logmask.remember(self.secrets)

    async def send_messages(self, session: Session, request: Request) -> None:
        """`wait=N` counts server messages since the previous send (the body is sent on connect)."""
        baseline = 0
        for block in request.messages:
            target = baseline + block.wait
            if not await session.until(lambda target=target: session.received >= target):  # type: ignore[misc]
                return
            await self.send_message(session, request, block)
            baseline = session.received

    async def send_message(self, session: Session, request: Request, block: MessageBlock) -> bool:
        """Render a message block (fresh templates each send) and send it; a failure is an `error` event."""
        try:
            text = render_message(block, self.scope(request), request.protocol)
            before = session.sent
            await session.send(text, event=block.attributes.get("event"))
            await session.until(lambda: session.sent > before)  # keep events in the order things happened
        except VoidenError as exc:
            session.fail(f"message `{block.id}`: {exc.message}", exc.range or block.range)
            return False
        return True
