"""Running documents through the real Runner and reading the events back."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from voiden_lsp.document import parse
from voiden_lsp.events import Event
from voiden_lsp.sessions import Runner
from voiden_lsp.templating import Collection


async def run(text: str, tmp_path: Path | None = None, **overrides: Any) -> tuple[list[Event], Runner]:
    events: list[Event] = []
    path = (tmp_path / "doc.voiden") if tmp_path else None
    if path is not None:
        path.write_text(text, encoding="utf-8")
    doc = parse(text)
    runner = Runner(
        doc,
        path,
        Collection.load(path) if path else Collection(),
        overrides=overrides,
        sinks=[events.append],
        process_env={},
    )
    for request in doc.requests:
        await runner.run(request)
    return events, runner


def kinds(events: list[Event]) -> list[str]:
    return [e.kind for e in events]


def of(events: list[Event], kind: str) -> list[dict[str, Any]]:
    return [e.fields for e in events if e.kind == kind]


def checks(events: list[Event]) -> dict[str, tuple[bool, str]]:
    """The `check` events by the expectation's text: (passed, message)."""
    return {c["text"]: (c["passed"], c["message"]) for c in of(events, "check")}


def voiden(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "voiden_lsp.cli", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        timeout=120,
    )


def events(stdout: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stdout.splitlines()]


def received_json(stdout: str) -> list[Any]:
    """The JSON bodies a `voiden run --json` received, in order."""
    return [e["data"] for e in events(stdout) if e["kind"] == "received"]
