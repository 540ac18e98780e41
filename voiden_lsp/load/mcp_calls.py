"""The load engine's MCP calls (imported only by `voiden_lsp.load.user`, in the engine's gevent-patched process):
Streamable HTTP on `requests`, the handshake once per user and server in either revision, then each call as
the request's row."""

from __future__ import annotations

import json
import time
from typing import Any

from voiden_lsp.document import Request
from voiden_lsp.events import CLOSED, RECEIVED, Event
from voiden_lsp.load.verdicts import Shared, first_failure, new_judge
from voiden_lsp.templating import Scope
from voiden_lsp.transports.sse import SseDecoder


class McpCalls:
    shared: Shared
    mcp_sessions: dict[str, tuple[str, str | None]]
    mcp_ids: int
    mcp_last_session: str | None

    def mcp(self, request: Request, scope: Scope, resolved: Any, started: float) -> None:
        """An MCP operation over Streamable HTTP on Locust's client: the handshake once per user and server
        (2026-07-28's `server/discover`, else 2025-11-25's `initialize` and its session), then the call as
        the request's row, its result judged as the body."""
        from voiden_lsp.transports import mcp as wire

        failure: str | None = None
        result: Any = None
        try:
            operation, params = wire.operation_params(resolved.rpc, resolved.body)
            version, session = self.mcp_handshake(resolved, wire)
            if operation in ("tools/call", "prompts/get"):
                params = {**params, "_meta": {"progressToken": 1}}
            answer = self.mcp_post(resolved, wire, operation, params, version, session)
            if "error" in answer:
                failure = wire.error_text(answer["error"])
            result = answer.get("result", answer.get("error"))
            if isinstance(result, dict) and result.get("isError") is True:
                failure = wire.tool_error_text(result)
        except Exception as exc:  # a refusal in words (the transport's own), a reset, a timeout
            failure = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        elapsed = (time.perf_counter() - started) * 1000
        judged = new_judge(request, scope, self.shared.fixed, "mcp", opened=False)
        if result is not None:
            data = {"jsonrpc": "2.0", "id": 2, "result": result}
            judged.feed(Event("load", request.name, 1, elapsed, RECEIVED, {"data": data, "event": "result"}))
        judged.feed(Event("load", request.name, 2, elapsed, CLOSED, {}))
        failed = first_failure(judged)
        about = any(e.subject.path[:1] in (("isError",), ("code",), ("message",)) for e in request.expectations)
        if failure is not None and about and result is not None:
            failure = None  # an expectation is about the error: it judges it
        if failure is None:
            failure = failed
        self.shared.report("MCP", request.name, elapsed, len(json.dumps(result)) if result is not None else 0, failure)

    def mcp_handshake(self, resolved: Any, wire: Any) -> tuple[str, str | None]:
        known = self.mcp_sessions.get(resolved.target)
        if known is not None:
            return known
        wanted = resolved.meta("mcp-version") or "auto"
        version: str | None = None
        if wanted in ("auto", wire.MODERN):
            found = self.mcp_post(resolved, wire, "server/discover", {}, wire.MODERN, None, quiet=True)
            supported = (found.get("result") or {}).get("supportedVersions") or [] if found else []
            if wire.MODERN in supported:
                version = wire.MODERN
            elif wanted == wire.MODERN:
                raise wire.McpError(f"the server does not speak MCP {wire.MODERN}")
        session: str | None = None
        if version is None:
            params = {"protocolVersion": wire.HANDSHAKE, "capabilities": {}, "clientInfo": wire.CLIENT_INFO}
            answer = self.mcp_post(resolved, wire, "initialize", params, None, None)
            if "error" in answer:
                raise wire.McpError("the server refused to initialize: " + wire.error_text(answer["error"]))
            version = str((answer.get("result") or {}).get("protocolVersion") or wire.HANDSHAKE)
            session = self.mcp_last_session
            note = json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"})
            headers = self.mcp_headers(resolved, version, session, "notifications/initialized", None)
            self.shared.http.post(resolved.target, data=note, headers=headers, timeout=resolved.timeout or 30)
        self.mcp_sessions[resolved.target] = (version, session)
        return version, session

    def mcp_headers(
        self, resolved: Any, version: str | None, session: str | None, method: str, name: Any
    ) -> dict[str, str]:
        from voiden_lsp.transports.mcp import headers_of

        return dict(headers_of(resolved.headers, version, method, str(name) if name else None, session))

    def mcp_post(
        self,
        resolved: Any,
        wire: Any,
        method: str,
        params: dict[str, Any],
        version: str | None,
        session: str | None,
        *,
        quiet: bool = False,
    ) -> dict[str, Any]:
        """One JSON-RPC request; its response (from a JSON body or an event stream)."""
        self.mcp_ids += 1
        message = wire.message_of(self.mcp_ids, method, params, version, log_level=None)  # no log traffic
        headers = self.mcp_headers(resolved, version, session, method, params.get("name") or params.get("uri"))
        answer = self.shared.http.post(  # outside Locust's stats: the call is reported once, by `mcp`
            resolved.target, data=json.dumps(message), headers=headers, timeout=resolved.timeout or 30
        )
        content = answer.content
        if method == "initialize":
            self.mcp_last_session = answer.headers.get("mcp-session-id")
        if answer.status_code >= 400:
            if quiet:
                return {}
            raise wire.McpError(f"the server answered {method} with HTTP {answer.status_code}")
        text = content.decode(errors="replace")
        if "text/event-stream" in (answer.headers.get("content-type") or ""):
            decoder = SseDecoder()
            for line in [*text.splitlines(), ""]:  # the stream's end ends its last event
                event = decoder.feed(line)
                if event is not None and event.data.strip():
                    found = json.loads(event.data)
                    if isinstance(found, dict) and found.get("id") == self.mcp_ids:
                        return found
            raise wire.McpError(f"the server's stream ended without an answer to {method}")
        found = json.loads(text) if text.strip() else {}
        return found if isinstance(found, dict) else {}
