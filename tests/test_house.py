"""The house rule of issue 26: a module holds one job, and no module of the package passes 450 lines (a data
table may). A module that grows past it is cut by job, not by line count."""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "voiden_lsp"
LIMIT = 450
DATA_TABLES: frozenset[str] = frozenset()
"""Modules that are tables of data rather than code (none today: the Faker tables are under the limit)."""


def test_no_module_passes_the_limit() -> None:
    sizes = {
        str(path.relative_to(PACKAGE)): len(path.read_text(encoding="utf-8").splitlines())
        for path in PACKAGE.rglob("*.py")
    }
    assert len(sizes) > 100, "the package was not found where the test looks"
    over = {name: lines for name, lines in sizes.items() if lines > LIMIT and name not in DATA_TABLES}
    assert not over, f"over {LIMIT} lines (cut them by job): {over}"
