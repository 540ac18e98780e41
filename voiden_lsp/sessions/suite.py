"""A document's requests as test cases, judged on their expectations: what `voiden test` runs and the
editor's Testing view lists.

A request is a test case: it passes when each of its expectations is met and nothing failed that no
expectation was about (a request without expectations passes when it completes). A document's requests always
run in order (later ones may use earlier responses). Results are built from the sessions' own events, so
secrets are masked in them as everywhere."""

from __future__ import annotations

import datetime
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from voiden_lsp.document.model import Document, Metadata, Request
from voiden_lsp.errors import VoidenError
from voiden_lsp.events import CHECK, Event
from voiden_lsp.formats import parse_document
from voiden_lsp.sessions.runner import Runner
from voiden_lsp.templating import Collection, void_context

SUFFIXES = (".voiden", ".void")
SKIPPED_FOLDERS = frozenset({".git", ".hg", ".svn", "node_modules", ".venv", "venv", "__pycache__", ".tools"})
APP_SOCKET_DURATION = "10s"


@dataclass
class Check:
    line: int
    text: str
    passed: bool
    message: str
    expected: Any = None
    actual: Any = None


@dataclass
class Case:
    """One request's run."""

    name: str
    line: int
    seconds: float = 0.0
    checks: list[Check] = field(default_factory=list)
    failure: str | None = None

    @property
    def passed(self) -> bool:
        return self.failure is None


@dataclass
class Suite:
    """One document's runs; `problem` when the document could not run at all."""

    path: Path
    shown: str
    cases: list[Case] = field(default_factory=list)
    problem: str | None = None
    seconds: float = 0.0
    started: datetime.datetime = field(default_factory=lambda: datetime.datetime.now(datetime.UTC))

    @property
    def failed(self) -> int:
        return sum(not c.passed for c in self.cases) + (self.problem is not None)


def find_documents(paths: Sequence[Path]) -> tuple[list[Path], list[str]]:
    """The documents under `paths` (a file is taken as it is), sorted per path; and the paths not found."""
    found: list[Path] = []
    missing: list[str] = []
    for path in paths:
        if path.is_file():
            found.append(path)
        elif path.is_dir():
            found += sorted(_walk(path))
        else:
            missing.append(str(path))
    unique = list(dict.fromkeys(p.resolve() for p in found))
    return unique, missing


def _walk(folder: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(folder):
        dirs[:] = [d for d in dirs if d not in SKIPPED_FOLDERS and not d.startswith(".")]
        for name in files:
            if name.endswith(SUFFIXES):
                yield Path(root) / name


def _warn(message: str) -> None:
    print(f"voiden: {message}", file=sys.stderr)


async def run_suite(
    path: Path,
    *,
    env: str | None,
    overrides: dict[str, str],
    dotenv_files: tuple[str, ...] = (".env",),
    warn: Callable[[str], None] = _warn,
    update_snapshots: bool = False,
    write_snapshots: bool = True,
) -> Suite:
    suite = Suite(path, _shown(path))
    begun = time.perf_counter()
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        suite.problem = f"cannot read {suite.shown}: {getattr(exc, 'strerror', None) or exc}"
        return suite
    doc = parse_document(text, path.name, *void_context(path))
    if not doc.requests:
        return suite  # prose, or a document of message blocks only: nothing to test
    try:
        collection = Collection.load(path, dotenv_files=dotenv_files)
    except VoidenError as exc:
        suite.problem = exc.message
        return suite
    if path.suffix == ".void":
        for warning in limit_app_sockets(doc, path):
            warn(warning)
    runner = Runner(
        doc,
        path,
        collection,
        env=env,
        overrides=overrides,
        update_snapshots=update_snapshots,
        write_snapshots=write_snapshots,
    )
    for request in doc.requests:
        suite.cases.append(await _run_case(runner, request))
    suite.seconds = time.perf_counter() - begun
    return suite


async def _run_case(runner: Runner, request: Request) -> Case:
    case = Case(request.name, request.range.start.line + 1)
    begun = time.perf_counter()
    session = runner.session(request)
    try:
        await runner.run_session(session, request)
    except Exception as exc:  # a fault of ours fails the case, never the whole run
        case.failure = f"internal error: {exc!r}"
    case.seconds = time.perf_counter() - begun
    case.checks = [_check(e) for e in session.log if e.kind == CHECK]
    if case.failure is None:
        case.failure = Runner.failure(session, request)
    return case


def _check(event: Event) -> Check:
    f = event.fields
    return Check(
        int(f["line"]), str(f["text"]), bool(f["passed"]), str(f["message"]), f.get("expected"), f.get("actual")
    )


def _shown(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def limit_app_sockets(doc: Document, path: Path) -> list[str]:
    """The app's files cannot say how long a WebSocket session lasts; unattended, one closes after 10 s
    instead of waiting forever (a converted .voiden can say `@duration` or `@max-messages`). What it
    limited, in words for the user."""
    said = []
    for request in doc.requests:
        if request.protocol in ("ws", "socketio") and not (
            request.has_meta("duration") or request.has_meta("max-messages")
        ):
            request.metadata.append(Metadata("duration", APP_SOCKET_DURATION, request.range, request.range))
            said.append(
                f"{path}: `{request.name}` sets no limit (.void files cannot); "
                f"the session closes after {APP_SOCKET_DURATION}"
            )
    return said
