"""Running the requests of one document: resolve, send, and carry responses to later requests."""

from __future__ import annotations

from collections.abc import Mapping
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

from voiden_lsp import logmask
from voiden_lsp.document import Document, MessageBlock, Request
from voiden_lsp.errors import TemplateError, VoidenError
from voiden_lsp.sessions.session import Session, Sink
from voiden_lsp.templating import (
    Collection,
    ResolvedRequest,
    Response,
    Scope,
    basic_credential_secrets,
    captured,
    render_message,
    render_request,
    secret_name,
)
from voiden_lsp.transports import transport_for


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
    ) -> None:
        self.doc = doc
        self.path = path
        self.collection = collection
        self.env = env
        self.overrides = dict(overrides or {})
        self.sinks = list(sinks or [])
        self.process_env = process_env
        self.responses: dict[str, Response] = {}
        self.runtime: dict[str, Any] = {} if runtime is None else runtime
        """`process.NAME` values captured from responses (a Voiden app's `runtime-variables`), kept in the
        mapping given (the editor's, for its whole session)."""
        self.cookies = CookieJar() if cookies is None else cookies
        """What HTTP responses set, sent on later requests (`@no-cookie-jar` opts a request out)."""
        self.secrets = collection.secrets
        logmask.remember(self.secrets)

    def scope(self, request: Request | None) -> Scope:
        return Scope.for_request(
            self.doc,
            request,
            self.collection,
            env=self.env,
            overrides=self.overrides,
            responses=self.responses,
            process_env=self.process_env,
            base_dir=self.path.parent if self.path else None,
            runtime=self.runtime,
        )

    def session(self, request: Request) -> Session:
        """A session ready to run `request`; one that cannot be sent carries the reason as an `error`."""
        session = Session(request.name, None, sinks=self.sinks, secrets=lambda: self.secrets)
        blocking = [p for p in self.doc.problems if p.severity == "error" and request.range.contains(p.range.start)]
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

    async def run_session(self, session: Session, request: Request, *, send_messages: bool = True) -> None:
        """Drive a prepared session to its end; the editor passes `send_messages=False` and sends blocks
        when the user asks."""
        task = session.start()
        if send_messages and await session.until_ready() and session.transport is not None and session.transport.live:
            await self.send_messages(session, request)
            await session.end_input()
        await task
        if session.transport is not None and session.transport.response is not None:
            self.responses[request.name] = session.transport.response
            if request.captures:
                self.capture(session, request, session.transport.request, session.transport.response)

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
