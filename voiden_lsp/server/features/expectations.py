"""Expectations in the editor: the last run's verdicts as diagnostics and a tally lens over each `expect`
block (both gone once the block is edited, replaced when it runs again), `voiden.test` (a request run
unattended, answered with its verdicts: what the Testing view shows) and `voiden/tests` (the test items)."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lsprotocol import types

from voiden_lsp.document import Document, ExpectBlock, Problem, Request, split_lines
from voiden_lsp.events import CHECK
from voiden_lsp.server import protocol
from voiden_lsp.server.server import LiveSession, VoidenServer, range_of
from voiden_lsp.sessions import Runner

log = logging.getLogger(__name__)
MAX_TEST_DOCUMENTS = 2000
"""`voiden/tests` reads at most this many documents of a workspace (a clone of a monorepo stays quick)."""


@dataclass
class Outcome:
    """A request's last judged run, tied to the text of its expect blocks when it started."""

    signature: tuple[str, ...]
    lines: dict[int, int]
    """0-based line of each expectation when the run started -> its index in `request.expectations`."""
    checks: list[dict[str, Any]] = field(default_factory=list)
    running: bool = True
    failure: str | None = None


def signature(lines: list[str], request: Request) -> tuple[str, ...]:
    """The text of the request's expect blocks (`lines`: the document's)."""
    return tuple("\n".join(lines[b.range.start.line : b.range.end.line + 1]) for b in request.expects)


def results(ls: VoidenServer, uri: str) -> dict[str, Outcome]:
    found: dict[str, Outcome] = ls.expect_results.setdefault(uri, {})
    return found


def begin(ls: VoidenServer, uri: str, doc: Document, request: Request) -> None:
    """A judged run starts: the old verdicts go (the lens says it is running)."""
    if not request.expects:
        results(ls, uri).pop(request.name, None)
        return
    lines = {e.range.start.line: i for i, e in enumerate(request.expectations)}
    results(ls, uri)[request.name] = Outcome(signature(split_lines(doc.text), request), lines)


def finish(ls: VoidenServer, live: LiveSession, request: Request) -> Outcome | None:
    outcome = results(ls, live.uri).get(live.request)
    if outcome is None:
        return None
    outcome.checks = [dict(e.fields) for e in live.session.log if e.kind == CHECK]
    outcome.running = False
    outcome.failure = Runner.failure(live.session, request)
    return outcome


def current(ls: VoidenServer, uri: str, lines: list[str], request: Request) -> Outcome | None:
    """The last outcome, if the request's expect blocks still read as they did when it ran (`lines`: the
    document's, split once by the caller for all its requests)."""
    outcome = results(ls, uri).get(request.name)
    if outcome is None or outcome.signature != signature(lines, request):
        return None
    return outcome


def verdicts(outcome: Outcome, request: Request) -> list[tuple[int, dict[str, Any]]]:
    """(index in `request.expectations`, check) for each check on an expectation (bad lines have their own
    diagnostics); the line numbers of the run map onto the expectations as they read now."""
    found = []
    for check in outcome.checks:
        index = outcome.lines.get(int(check.get("line", 0)) - 1)
        if index is not None and index < len(request.expectations):
            found.append((index, check))
    return found


def problems(ls: VoidenServer, uri: str, doc: Document) -> list[Problem]:
    """A diagnostic on each expectation that failed in the last run, with what came instead."""
    found: list[Problem] = []
    if not results(ls, uri):
        return found
    lines = split_lines(doc.text)
    for request in doc.requests:
        outcome = current(ls, uri, lines, request)
        if outcome is None or outcome.running:
            continue
        for index, check in verdicts(outcome, request):
            if not check.get("passed"):
                found.append(
                    Problem(str(check.get("message")), request.expectations[index].range, code="expectation-failed")
                )
    return found


def tally(outcome: Outcome | None, request: Request, block: ExpectBlock) -> str:
    if outcome is None:
        return "▶ Test"
    if outcome.running:
        return "● testing…"
    indices = {i for i, e in enumerate(request.expectations) if block.range.contains(e.range.start)}
    judged = [c for i, c in verdicts(outcome, request) if i in indices]
    judged += [c for c in outcome.checks if _in_block(c, block) and not _on_expectation(c, outcome)]
    failed = sum(not c.get("passed") for c in judged)
    if not judged:
        return f"✘ {outcome.failure}" if outcome.failure else "▶ Test"
    return f"✘ {failed} of {len(judged)} failed" if failed else f"✔ {len(judged)} passed"


def _in_block(check: dict[str, Any], block: ExpectBlock) -> bool:
    return block.range.start.line <= int(check.get("line", 0)) - 1 <= block.range.end.line


def _on_expectation(check: dict[str, Any], outcome: Outcome) -> bool:
    return int(check.get("line", 0)) - 1 in outcome.lines


def lenses(ls: VoidenServer, uri: str, doc: Document) -> list[types.CodeLens]:
    result = []
    lines = split_lines(doc.text) if results(ls, uri) else []  # only a run's outcome is compared with the text
    for request in doc.requests:
        outcome = current(ls, uri, lines, request)
        for block in request.expects:
            title = tally(outcome, request, block)
            command = types.Command(title, protocol.CMD_TEST, arguments=[uri, request.name])
            result.append(types.CodeLens(range=range_of(block.info_range), command=command))
    return result


def test_result(live: LiveSession, outcome: Outcome | None, seconds: float) -> dict[str, Any]:
    checks = outcome.checks if outcome is not None else []
    failure = outcome.failure if outcome is not None else "the run was not judged"
    return {
        "session": live.session.id,
        "request": live.request,
        "passed": failure is None,
        "failure": failure,
        "checks": checks,
        "duration": round(seconds * 1000, 3),
    }


def test_items(ls: VoidenServer, uri: str | None) -> list[dict[str, Any]]:
    """Documents with requests that have expectations: an open document as it reads in the editor, the
    others as they are on disk."""
    from voiden_lsp.sessions.suite import find_documents

    if uri:
        uris = [uri]
    else:
        root = ls.workspace_root()
        found, _ = find_documents([root]) if root is not None else ([], [])
        opened = [u for u in ls.workspace.text_documents if u.endswith((".voiden", ".void"))]
        uris = list(dict.fromkeys([*opened, *(p.as_uri() for p in found[:MAX_TEST_DOCUMENTS])]))
    documents = []
    for one in uris:
        doc = _document(ls, one)
        if doc is None:
            continue
        tests = [
            {
                "request": r.name,
                "range": _json_range(r.info_range),
                "expectations": [{"line": e.range.start.line, "text": e.text} for e in r.expectations],
            }
            for r in doc.requests
            if r.expects
        ]
        if tests:
            documents.append({"uri": one, "tests": tests})
    return documents


def _document(ls: VoidenServer, uri: str) -> Document | None:
    if uri in ls.workspace.text_documents:
        return ls.document(uri)
    path = ls.path_of(uri)
    if path is None:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    return ls.parse(uri, text)


def _json_range(r: Any) -> dict[str, Any]:
    return {
        "start": {"line": r.start.line, "character": r.start.character},
        "end": {"line": r.end.line, "character": r.end.character},
    }


def register(server: VoidenServer) -> None:
    from voiden_lsp.server.features import sessions

    def ended(live: LiveSession, request: Request) -> None:
        if finish(server, live, request) is not None:
            server.recheck(live.uri)  # the verdicts are diagnostics

    server.run_begun.connect(lambda uri, doc, request: begin(server, uri, doc, request))
    server.run_ended.connect(ended)
    server.lens_sources.append(lambda uri, doc: lenses(server, uri, doc))

    @server.command(protocol.CMD_TEST)
    async def test(ls: VoidenServer, uri: str, name: str) -> dict[str, Any]:
        """Run a request unattended (streams close once their expectations are decided); answers at its end."""
        begun = time.perf_counter()
        if not isinstance(uri, str) or uri not in ls.workspace.text_documents:
            raise sessions.CommandError(f"{uri} is not open: open it (the Testing view does) and run it again")
        started = await sessions.start(ls, uri, name, unattended=True)
        live = ls.sessions.get(started.session)
        if live is not None and live.task is not None:
            await asyncio.shield(live.task)
        if live is None:
            raise sessions.CommandError(f"`{name}` did not start")
        outcome = results(ls, uri).get(name)
        return test_result(live, outcome, time.perf_counter() - begun)

    @server.feature(protocol.TESTS)
    def tests(ls: VoidenServer, params: Any) -> dict[str, Any]:
        uri = params.get("uri") if isinstance(params, dict) else getattr(params, "uri", None)
        return {"documents": test_items(ls, uri if isinstance(uri, str) else None)}
