"""`voiden history FILE [NAME]`, `voiden history show ID` and `voiden diff FILE NAME`: the exchanges kept by
`voiden run` and the editor (sessions/history.py), listed, shown and compared."""

from __future__ import annotations

import sys
from pathlib import Path

from voiden_lsp.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from voiden_lsp.judge.compare import unified
from voiden_lsp.sessions.history import History, age, comparable, find, record_text, size_text, status_text, title
from voiden_lsp.templating import Collection


def _history(path: Path) -> History | None:
    if not path.is_file():
        print(f"voiden: {path} is not a file", file=sys.stderr)
        return None
    try:
        root = Collection.load(path.resolve()).root
    except Exception:
        root = None
    return History(root or path.resolve().parent)


def list_history(path: Path, name: str | None) -> int:
    history = _history(path)
    if history is None:
        return EXIT_USAGE
    records = history.records(path, name)
    if not records:
        what = f"`{name}` in {path}" if name else str(path)
        print(f"no history for {what} yet: `voiden run` and the editor keep each exchange", file=sys.stderr)
        return EXIT_OK
    print(f"{'id':<24}{'when':<13}{'request':<20}{'status':<12}{'time':>9}{'size':>10}  by")
    for record in records:
        data = record.data
        time_ms = data.get("time_ms")
        print(
            f"{record.id:<24}{age(record):<13}{str(data.get('request'))[:19]:<20}"
            f"{status_text(data)[:11]:<12}{'' if time_ms is None else f'{time_ms:.0f} ms':>9}"
            f"{size_text(data):>10}  {data.get('by', '?')}"
        )
    return EXIT_OK


def show(record_id: str) -> int:
    record = find(record_id)
    if record is None:
        print(f"voiden: no history record {record_id} (ids come from `voiden history FILE`)", file=sys.stderr)
        return EXIT_USAGE
    print("\n".join(record_text(record)))
    return EXIT_OK


def diff(path: Path, name: str, against: int, ignore: list[str], *, color: bool) -> int:
    history = _history(path)
    if history is None:
        return EXIT_USAGE
    records = history.records(path, name)
    if len(records) < 2 or against < 1 or against >= len(records):
        print(
            f"voiden: `{name}` has {len(records)} kept exchange(s): a diff needs two "
            f"(--against {against} asks for the newest and the one {against} before it)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    newest, older = records[0], records[against]
    lines = unified(comparable(older, ignore), comparable(newest, ignore), title(older), title(newest))
    if not lines:
        print(f"the same: {older.id} and {newest.id}" + (f" (ignoring {', '.join(ignore)})" if ignore else ""))
        return EXIT_OK
    for line in lines:
        if color and line.startswith(("+", "-")) and not line.startswith(("+++", "---")):
            line = f"\033[{32 if line[0] == '+' else 31}m{line}\033[0m"
        print(line)
    return EXIT_FAILED
