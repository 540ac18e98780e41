"""Diagnostics as the user types: parse problems, templates, JSON, and the cached gRPC schema."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Generator

from lsprotocol import types

from voiden_lsp.document import Document, Problem, Request, Span, split_lines
from voiden_lsp.errors import SchemaError
from voiden_lsp.server.features import expectations, graphql_support, mcp_support
from voiden_lsp.server.features.grpc_support import cached_schema, check_json
from voiden_lsp.server.server import Checked, VoidenServer, range_of
from voiden_lsp.templating import Scope, iter_templates, looks_like_json, problem_of

log = logging.getLogger(__name__)
DEBOUNCE_SECONDS = 0.03
_SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}


def to_diagnostic(problem: Problem) -> types.Diagnostic:
    return types.Diagnostic(
        range=range_of(problem.range),
        message=problem.message,
        severity=_SEVERITY[problem.severity],
        source="voiden",
        code=problem.code or None,
    )


def problems(doc: Document, scopes: dict[str, Scope], checked: Checked | None = None) -> list[Problem]:
    """Everything wrong with the document that can be known without sending anything."""
    found: list[Problem] = []
    steps = _check(doc, scopes, checked, found)
    answer: list[Problem] | None = None
    while True:
        try:
            step = steps.send(answer)
        except StopIteration:
            return found
        answer = _request_problems(*step) if step is not None else None


CHECK_SLICE_SECONDS = 0.0005
"""The event loop checks a document in slices of this long, answering what came meanwhile between them."""
LARGE_REQUEST = 16_000
"""A request with more text than this (a pasted 4 MB body) is checked in a worker thread: on the loop, its one
check would hold every request for as long as it takes."""


async def problems_on_the_loop(
    doc: Document, scopes: dict[str, Scope], checked: Checked | None = None
) -> list[Problem]:
    """`problems`, on the event loop in slices: a completion or hover that comes during a long document's
    first check waits one slice at most. (In a worker thread, the check held the GIL against them in
    switch-interval turns, and a completion during it took twice or three times as long.) A large request is
    checked in a worker thread, as the whole document was before."""
    found: list[Problem] = []
    steps = _check(doc, scopes, checked, found)
    answer: list[Problem] | None = None
    deadline = time.perf_counter() + CHECK_SLICE_SECONDS
    while True:
        try:
            step = steps.send(answer)
        except StopIteration:
            return found
        if step is None:
            answer = None
        elif _size(step[0]) > LARGE_REQUEST:
            answer = await asyncio.to_thread(_request_problems, *step)
        else:
            answer = _request_problems(*step)
        if time.perf_counter() >= deadline:
            await asyncio.sleep(0)
            deadline = time.perf_counter() + CHECK_SLICE_SECONDS


def _size(request: Request) -> int:
    spans = [request.body, request.variables, *(m.body for m in request.messages), *(h.value for h in request.headers)]
    return sum(len(span.text) for span in spans if span is not None)


def _check(
    doc: Document, scopes: dict[str, Scope], checked: Checked | None, found: list[Problem]
) -> Generator[tuple[Request, Scope] | None, list[Problem] | None, None]:
    """Adds the document's problems to `found`. For each request whose problems are not known from the last
    check it yields (request, scope) and takes that request's problems back; after each request it yields
    None (a place to pause)."""
    found += doc.problems
    lines = split_lines(doc.text)
    scope_keys: dict[int, str] = {}
    fresh: dict[tuple[object, ...], list[Problem]] = {}
    schemas = VoidenServer.schema_generation()
    for request in doc.requests:
        scope = scopes[request.name]
        if id(scope) not in scope_keys:
            scope_keys[id(scope)] = repr((scope.layers, scope.locale, sorted(scope.process_env)))
        first = request.range.start.line
        key = (
            _source(request, lines),
            scope_keys[id(scope)],
            schemas if request.protocol in ("grpc", "graphql", "mcp") else 0,
        )
        kept = checked.found.get(key) if checked is not None else None
        if kept is None:
            answer = yield request, scope
            kept = [p.moved(-first) for p in answer or []]
        fresh[key] = kept
        found += [p.moved(first) for p in kept]
        yield None
    if checked is not None:
        checked.found = fresh


def _source(request: Request, lines: list[str]) -> tuple[object, ...]:
    """The request's lines and its message blocks' (with where they are from the request's first line)."""
    first = request.range.start.line
    blocks = tuple(
        (m.range.start.line - first, "\n".join(lines[m.range.start.line : m.range.end.line + 1]))
        for m in request.messages
    )
    if request.variables is not None:  # below the request, like a message block
        variables = request.variables.range
        blocks += ((variables.start.line - first, "\n".join(lines[variables.start.line : variables.end.line + 1])),)
    return "\n".join(lines[first : request.range.end.line + 1]), blocks


def _request_problems(request: Request, scope: Scope) -> list[Problem]:
    found: list[Problem] = []
    spans = [request.target, request.rpc, request.body, *(h.value for h in request.headers)]
    spans += [m.body for m in request.messages]
    if request.protocol == "graphql":
        spans.append(request.variables)
    for span in spans:
        if span is not None:
            found += _template_problems(span, scope)
    if request.protocol == "graphql":
        return found + graphql_support.problems(request, scope)
    if request.protocol == "mcp":
        found += mcp_support.problems(request, scope)
    return found + _json_problems(request, scope)


MAX_TEMPLATE_PROBLEMS = 50
"""Per piece of a request: a pasted line of ten thousand `{{` is not ten thousand diagnostics."""


def _template_problems(span: Span, scope: Scope) -> list[Problem]:
    result: list[Problem] = []
    for template in iter_templates(span.text):
        if len(result) == MAX_TEMPLATE_PROBLEMS:
            result.append(
                Problem(
                    f"more template problems here: only the first {MAX_TEMPLATE_PROBLEMS} are shown",
                    span.range_at(template.start, template.end),
                    "info",
                    code="template",
                )
            )
            break
        if not template.closed:
            result.append(
                Problem(
                    "`{{` is never closed: end it with `}}`",
                    span.range_at(template.start, template.end),
                    code="template",
                )
            )
            continue
        message = problem_of(template.expr, scope)
        if message is not None:
            result.append(Problem(message, span.range_at(template.start, template.end), code="template"))
    return result


def _json_problems(request: Request, scope: Scope) -> list[Problem]:
    schema = cached_schema(request, scope) if request.protocol == "grpc" else None
    method = None
    result: list[Problem] = []
    if schema is not None and request.rpc is not None:
        try:
            method = schema.method(request.rpc.text)
        except SchemaError as exc:
            result.append(Problem(exc.message, request.rpc.range, code="grpc-method"))
    if method is not None and not method.client_streaming:
        for block in request.messages:
            result.append(
                Problem(
                    f"`{method.name}` is a {method.kind} call: it takes one message (the body); "
                    "message blocks need a client- or bidirectional-streaming method",
                    block.range,
                    code="grpc-kind",
                )
            )
    bodies = [request.body, *(m.body for m in request.messages if not m.binary)]
    for span in bodies:
        if span is None or not span.text.strip() or span.text.lstrip().startswith("< "):
            continue
        if request.protocol not in ("grpc", "mcp"):
            content_type = next((h.value.text for h in request.headers if h.name.lower() == "content-type"), "")
            if not (looks_like_json(span.text) or "json" in content_type.lower()):
                continue
        for issue in check_json(span.text, schema, method.input if method else None):
            result.append(Problem(issue.message, span.range_at(issue.start, issue.end), code="json"))
    return result


async def publish(ls: VoidenServer, uri: str, *, debounce: bool) -> None:
    """Parse and check off the event loop; drop the result if the document changed meanwhile."""
    try:
        if debounce:
            await asyncio.sleep(DEBOUNCE_SECONDS)
        version = ls.workspace.get_text_document(uri).version
        doc = await ls.document_async(uri)
        base = ls.scope(uri, None)
        scopes = {r.name: ls.scope(uri, r) if _own_scope(r) else base for r in doc.requests}
        checked = ls.checked.setdefault(uri, Checked())
        found = await problems_on_the_loop(doc, scopes, checked)
        if ls.workspace.get_text_document(uri).version != version:
            return
        found += expectations.problems(ls, uri, doc)  # the last run's failed expectations
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[to_diagnostic(p) for p in found], version=version)
        )
    except asyncio.CancelledError:
        raise
    except Exception:
        log.exception("diagnostics of %s failed", uri)


def _own_scope(request: Request) -> bool:
    """A request with attributes or `@locale` has variables of its own; the others share the document's."""
    return bool(set(request.attributes) - {"name"}) or request.has_meta("locale")


def schedule(ls: VoidenServer, uri: str, *, debounce: bool = True) -> None:
    previous = ls.diagnostic_tasks.pop(uri, None)
    if previous is not None:
        previous.cancel()
    ls.diagnostic_tasks[uri] = asyncio.get_running_loop().create_task(publish(ls, uri, debounce=debounce))


def register(server: VoidenServer) -> None:
    def recheck(uri: str | None) -> None:
        if uri is None:
            republish_all(server)
        else:
            schedule(server, uri, debounce=False)

    server.recheck.connect(recheck)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: VoidenServer, params: types.DidOpenTextDocumentParams) -> None:
        schedule(ls, params.text_document.uri, debounce=False)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: VoidenServer, params: types.DidChangeTextDocumentParams) -> None:
        schedule(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: VoidenServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        task = ls.diagnostic_tasks.pop(uri, None)
        if task is not None:
            task.cancel()
        ls.parsed.pop(uri, None)
        ls.checked.pop(uri, None)
        ls.lens_cache.pop(uri, None)
        ls.expect_results.pop(uri, None)
        ls.text_document_publish_diagnostics(types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))


def republish_all(ls: VoidenServer) -> None:
    """After a schema arrives or the environment changes: check every open document again."""
    for uri in list(ls.parsed):
        schedule(ls, uri, debounce=False)
