"""The history in the editor (FORMAT.md section 13): a `History (n)` lens over each request that has kept
exchanges; `voiden/history` (a request's runs), `voiden/historyRecord` (one run, as the panel shows a session
and as text) and `voiden/compare` (two runs as the by-meaning texts a diff view puts side by side); and the
commands `voiden.history` / `voiden.compare`, which the lens and the code actions carry: a client of ours
shows them itself, any other client gets the listing or the unified diff as a file it opens
(`window/showDocument`)."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from lsprotocol import types

from voiden_lsp.document import Document
from voiden_lsp.judge.compare import unified
from voiden_lsp.server import protocol
from voiden_lsp.server.features.sessions import request_named
from voiden_lsp.server.rpc import UserError
from voiden_lsp.server.server import VoidenServer, range_of
from voiden_lsp.sessions.history import (
    History,
    Record,
    age,
    comparable,
    record_text,
    size_text,
    status_text,
    title,
)

log = logging.getLogger(__name__)


def _history(ls: VoidenServer, uri: str) -> tuple[History, Path]:
    path = ls.path_of(uri)
    history = ls.history(ls.collection(uri), path)
    if history is None or path is None:
        raise UserError("no history here: it is kept for saved documents of a trusted workspace")
    return history, path


def lenses(ls: VoidenServer, uri: str, doc: Document) -> list[types.CodeLens]:
    """`History (n)` over each request with kept runs."""
    path = ls.path_of(uri)
    if path is None or not doc.requests:
        return []
    history = ls.history(ls.collection(uri), path)
    if history is None:
        return []
    counts = history.counts(path, [r.name for r in doc.requests])
    return [
        types.CodeLens(
            range=range_of(r.info_range),
            command=types.Command(f"History ({counts[r.name]})", protocol.CMD_HISTORY, arguments=[uri, r.name]),
        )
        for r in doc.requests
        if counts.get(r.name)
    ]


def entry(record: Record) -> protocol.HistoryEntry:
    data = record.data
    return protocol.HistoryEntry(
        id=record.id,
        when=str(data.get("when")),
        age=age(record),
        by=str(data.get("by")),
        status=status_text(data),
        duration=data.get("time_ms"),
        size=size_text(data),
        error=data.get("error"),
    )


def runs(ls: VoidenServer, uri: Any, name: Any) -> list[Record]:
    request = request_named(ls, uri, name)
    history, path = _history(ls, uri)
    return history.records(path, request.name)


def record(ls: VoidenServer, uri: Any, record_id: Any) -> Record:
    if not isinstance(uri, str) or not isinstance(record_id, str):
        raise UserError("expected {uri, id}")
    history, _ = _history(ls, uri)
    found = history.find(record_id)
    if found is None:
        raise UserError(f"no kept run {record_id}: it may have been pruned (the newest 20 per request are kept)")
    return found


def compared(
    ls: VoidenServer, uri: Any, name: Any, older: Any = None, newer: Any = None, ignore: Any = None
) -> protocol.CompareResult:
    """Two runs of a request as by-meaning texts: `newer` (default the newest) and `older` (default the one
    before it)."""
    kept = runs(ls, uri, name)
    paths = [str(p) for p in ignore] if isinstance(ignore, list) else []
    newest = record(ls, uri, newer) if newer else kept[0] if kept else None
    if newest is None or (older is None and len(kept) < 2):
        raise UserError(f"`{name}` has {len(kept)} kept run{'' if len(kept) == 1 else 's'}: a comparison needs two")
    previous = record(ls, uri, older) if older else next((r for r in kept if r.id < newest.id), None)
    if previous is None:
        raise UserError(f"`{name}` has no run before {newest.id} to compare with")
    left, right = comparable(previous, paths), comparable(newest, paths)
    return protocol.CompareResult(
        older=protocol.CompareSide(previous.id, title(previous), "\n".join(left) + "\n"),
        newer=protocol.CompareSide(newest.id, title(newest), "\n".join(right) + "\n"),
        same=left == right,
    )


def session_of(uri: str, record: Record) -> protocol.SessionInfo:
    """A kept run as the panel shows a finished session (its events as they were kept)."""
    sid = f"history:{record.id}"
    events = [{**event, "session": sid} for event in record.data.get("events") or []]
    return protocol.SessionInfo(
        id=sid,
        uri=uri,
        request=str(record.data.get("request")),
        protocol=str(record.data.get("protocol") or "http"),
        state="closed",
        live=False,
        dropped=int(record.data.get("events_left_out") or 0),
        events=events,
    )


async def _show(ls: VoidenServer, uri: str, name: str, text: str) -> str | None:
    """Write `text` to a file of the collection's history folder and ask the client to open it; its URI."""
    folder = _history(ls, uri)[0].folder / "views"
    target = folder / name
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UserError(f"cannot write {target}: {exc.strerror or exc}") from None
    uri = target.as_uri()
    if ls.show_documents():
        await ls.window_show_document_async(types.ShowDocumentParams(uri=uri, take_focus=True))
    return uri


def _file_name(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)[:80] or "request"


def register(server: VoidenServer) -> None:
    server.lens_sources.append(lambda uri, doc: lenses(server, uri, doc))

    @server.feature(protocol.HISTORY)
    def history_list(ls: VoidenServer, params: Any) -> protocol.HistoryResult:
        """No runs for a request the document does not have (renamed since, or a load test's session)."""
        uri, name = _param(params, "uri"), _param(params, "request")
        try:
            known = ls.document(uri).request(name) is not None if isinstance(uri, str) else False
        except Exception:
            known = False
        if not known:
            return protocol.HistoryResult(runs=[])
        return protocol.HistoryResult(runs=[entry(r) for r in runs(ls, uri, name)])

    @server.feature(protocol.HISTORY_RECORD)
    def history_record(ls: VoidenServer, params: Any) -> protocol.HistoryRecordResult:
        uri = _param(params, "uri")
        found = record(ls, uri, _param(params, "id"))
        return protocol.HistoryRecordResult(session=session_of(uri, found), text="\n".join(record_text(found)) + "\n")

    @server.feature(protocol.COMPARE)
    def compare(ls: VoidenServer, params: Any) -> protocol.CompareResult:
        return compared(
            ls,
            _param(params, "uri"),
            _param(params, "request"),
            _param(params, "older"),
            _param(params, "newer"),
            _param(params, "ignore"),
        )

    @server.command(protocol.CMD_HISTORY)
    async def history_command(ls: VoidenServer, uri: str, name: str) -> dict[str, Any]:
        """For clients without a client of ours: the request's runs and the newest in full, as a file."""
        kept = runs(ls, uri, name)
        lines = [f"# {len(kept)} kept run{'' if len(kept) == 1 else 's'} of `{name}`, newest first", ""]
        lines += [
            f"{r.id}  {age(r):<11} {status_text(r.data):<10} {size_text(r.data):>9}  {r.data.get('by')}" for r in kept
        ]
        if kept:
            lines += ["", "## the newest", "", *record_text(kept[0])]
        shown = await _show(ls, uri, f"{_file_name(name)}.history.txt", "\n".join(lines) + "\n")
        return {"runs": [entry(r).id for r in kept], "uri": shown}

    @server.command(protocol.CMD_COMPARE)
    async def compare_command(ls: VoidenServer, uri: str, name: str, *ids: str) -> dict[str, Any]:
        """For clients without a client of ours: the unified diff of two runs (the last two by default), as a file."""
        result = compared(ls, uri, name, *(ids[:2] if len(ids) >= 2 else (None, None)))
        diff = unified(
            result.older.text.splitlines(), result.newer.text.splitlines(), result.older.title, result.newer.title
        )
        text = "\n".join(diff) + "\n" if diff else f"# the same: {result.older.title} and {result.newer.title}\n"
        shown = await _show(ls, uri, f"{_file_name(name)}.diff", text)
        return {"same": result.same, "uri": shown}


def actions(ls: VoidenServer, uri: str, where: types.Range) -> list[types.Command]:
    """ "Compare `NAME` with the previous run" for the request under the cursor, when it has two runs."""
    path = ls.path_of(uri)
    history = ls.history(ls.collection(uri), path) if path is not None else None
    if history is None or path is None:
        return []
    line = where.start.line
    request = next((r for r in ls.document(uri).requests if r.range.start.line <= line <= r.range.end.line), None)
    if request is None:
        return []
    count = history.counts(path, [request.name]).get(request.name, 0)
    found = []
    if count >= 2:
        found.append(
            types.Command(
                f"Compare `{request.name}` with the previous run", protocol.CMD_COMPARE, arguments=[uri, request.name]
            )
        )
    if count >= 1:
        found.append(
            types.Command(f"History of `{request.name}` ({count})", protocol.CMD_HISTORY, arguments=[uri, request.name])
        )
    return found


def _param(params: Any, name: str) -> Any:
    return params.get(name) if isinstance(params, dict) else getattr(params, name, None)
