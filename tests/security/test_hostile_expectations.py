"""A hostile collection's expectations: a pattern that backtracks without end fails in words within its
time limit instead of freezing the run (Python's `re` cannot be interrupted: the search runs in a worker
process that is killed), the worker comes back for the next search, and a pattern is data, never code."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.helpers import of, run
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.judge import SearchAborted
from voiden_lsp.sessions.patterns import PatternWorker


def test_a_catastrophic_pattern_is_stopped_and_the_worker_comes_back() -> None:
    worker = PatternWorker(limit=0.5)
    began = time.monotonic()
    with pytest.raises(SearchAborted, match=r"ran over 0.5s .* backtracks without end"):
        worker.search(re.compile(r"(a+)+$"), "a" * 40 + "!")
    assert time.monotonic() - began < 5
    assert worker.search(re.compile(r"^a+!$"), "a" * 40 + "!") is True  # a new worker answers
    assert worker.search(re.compile(r"(?i)HELLO"), "say hello") is True
    assert worker.search(re.compile(r"x"), "\ud800" * 3) is False  # a lone surrogate travels and is searched


def test_a_pattern_is_data_not_code(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    worker = PatternWorker()
    sneaky = f'"]}}\nimport os; os.system("touch {marker}")\n#'
    assert worker.search(re.compile(re.escape(sneaky)), sneaky) is True
    assert not marker.exists()


async def test_a_hostile_expectation_fails_and_the_rest_are_judged(http_server: DemoHttpServer) -> None:
    text = (
        "```http name=h\nPOST {{base}}/users\n\n" + '{"name": "' + "a" * 40 + '!"}\n```\n\n'
        "```expect\nbody.name matches /(a+)+$/\nstatus == 201\n```\n"
    )
    began = time.monotonic()
    events, _ = await run(text, base=http_server.url)
    checks = {c["text"]: c for c in of(events, "check")}
    assert time.monotonic() - began < 10
    assert checks["body.name matches /(a+)+$/"]["passed"] is False
    assert "backtracks without end" in checks["body.name matches /(a+)+$/"]["message"]
    assert checks["status == 201"]["passed"] is True
