"""A request of a runner's document as a command (`voiden export`, the editor's "Copy as curl"): resolved in
the runner's scope (its environment, variables and the responses it holds), nothing sent."""

from __future__ import annotations

from voiden_lsp.document import Request
from voiden_lsp.errors import VoidenError
from voiden_lsp.formats.export import Exported, ExportError, Secrets, export_request
from voiden_lsp.sessions.runner import Runner
from voiden_lsp.templating import iter_templates, render_message, render_request


def export(runner: Runner, request: Request, to: str, *, reveal: bool = False) -> Exported:
    """Raises ExportError (or VoidenError) in words when the request cannot be written for `to`."""
    blocking = [p for p in runner.doc.problems if p.severity == "error" and request.range.contains(p.range.start)]
    if blocking:
        raise ExportError(blocking[0].message)
    lines = runner.doc.text.splitlines()[request.range.start.line : request.range.end.line + 1]
    texts = ["\n".join(lines)] + [block.body.text for block in request.messages]
    scope = runner.scope(request)
    try:
        resolved = render_request(request, scope)
        messages = [render_message(block, scope, request.protocol) for block in request.messages]
    except VoidenError:
        reads = [t.expr for text in texts for t in iter_templates(text) if ".response." in t.expr]
        if reads and not runner.responses:
            raise ExportError(
                f"it reads another request's response ({{{{{reads[0]}}}}}), and export sends nothing: "
                "run that request first, or write the value into the request"
            ) from None
        raise
    named = {**runner.collection.private, **runner.collection.dotenv}
    secrets = Secrets({value: name for name, value in named.items()}, reveal=reveal)
    fresh = list(dict.fromkeys(t.expr for text in texts for t in iter_templates(text) if t.expr.startswith("$")))
    return export_request(resolved, to, secrets, messages=messages, fresh=fresh)
