"""The one writer of `.voiden` text: a `Request` as a fenced block, and a `.void` document converted whole.
`voiden convert` uses it today, and every importer will."""

from __future__ import annotations

from voiden_lsp.document.model import Request
from voiden_lsp.formats.building import Imported, unique_name
from voiden_lsp.formats.void import LoadFile, VoidReader


def convert_void(
    text: str, load: LoadFile | None = None, inherited: list[str] | None = None, root: str = ".", path: str = ""
) -> str:
    """The equivalent `.voiden` document: each request's void blocks become one request block where the
    first of them stood (the requests of a linked file, one after the other where the link stood); prose,
    headings and other blocks are kept as they are."""
    reader = VoidReader(text, load, inherited, root, frozenset({path} - {""}))
    doc = reader.read()
    lines = text.split("\n")
    replace: dict[int, list[str]] = {}
    skip: set[int] = set()
    for request in doc.requests:
        ranges = sorted(reader.block_ranges.get(request.name, []), key=lambda r: r.start.line)
        if not ranges:
            continue
        if request.subscribe_over_websocket:
            replace.setdefault(ranges[0].start.line, []).append(
                "> A subscription: the app sends it over WebSocket. Give this request the `ws://` or `wss://` URL of "
                "the same endpoint."
            )
        replace.setdefault(ranges[0].start.line, []).append(render_request(request))
        if request.expects:  # the assertions-table, as an expect block; a row it cannot read, as a comment
            rows = [e.text for e in request.expectations]
            rows += [f"# {b.message}" for block in request.expects for b in block.bad]
            replace[ranges[0].start.line].append("```expect\n" + "\n".join(rows) + "\n```")
        for where in ranges:
            skip.update(range(where.start.line, where.end.line + 1))
    out: list[str] = []
    for index, line in enumerate(lines):
        if index in replace:
            out.append("\n\n".join(replace[index]))
        elif index not in skip:
            out.append("" if line.strip() == "%%EMPTY_LINE%%" else line)
    return "\n".join(out)


def render_request(request: Request) -> str:
    """A request as a `.voiden` fenced block."""
    target = request.target.text if request.target else ""
    if request.protocol in ("grpc", "mcp"):
        line = f"{target} {request.rpc.text if request.rpc else ''}".rstrip()
    elif request.protocol == "http" or (request.protocol == "graphql" and not target.startswith("ws")):
        line = f"{request.method or 'GET'} {target}"
    else:
        line = target
    parts = [f"```{request.protocol} name={request.name}"]
    parts += [f"@{m.key} {m.value}".rstrip() for m in request.metadata]
    parts.append(line)
    parts += [f"{h.name}: {h.value.text}" for h in request.headers]
    if request.body is not None and request.body.text.strip():
        parts += ["", request.body.text.rstrip()]
    parts.append("```")
    if request.variables is not None:
        parts += ["", "```variables", request.variables.text.strip(), "```"]
    return "\n".join(parts)


def render_imported(imported: Imported) -> str:
    """An imported request as its block, its messages as message blocks after it."""
    blocks = [render_request(imported.request)]
    blocks += [f"```message\n{message}\n```" for message in imported.messages]
    return "\n\n".join(blocks)


def render_document(title: str, requests: list[Imported]) -> str:
    """A `.voiden` document of imported requests: a heading per request, what did not carry over as a
    visible note above it (each request named uniquely from its method and path when it has no name)."""
    from voiden_lsp.document.markup import slugify

    parts = [f"# {title}"]
    taken: set[str] = set()
    for imported in requests:
        request, notes = imported.request, imported.notes
        where = request.rpc.text if request.rpc else request.target.text if request.target else ""
        path = where.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
        base = slugify(f"{request.method or request.protocol} {path}") or "request"
        name = unique_name(base, taken)
        request.name = name
        parts.append(f"## {name}")
        parts += [f"> Not carried over: {note}" for note in notes]
        parts.append(render_imported(imported))
    return "\n\n".join(parts) + "\n"
