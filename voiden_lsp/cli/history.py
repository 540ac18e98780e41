"""`voiden history FILE [NAME]`, `voiden history show ID` and `voiden diff FILE NAME`: the exchanges kept by
`voiden run` and the editor (sessions/history.py), listed, shown and compared."""

from __future__ import annotations

import difflib
import json
import re
import sys
from pathlib import Path
from typing import Any

from voiden_lsp.cli.output import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from voiden_lsp.sessions.history import History, Record, age, find
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
            f"{_status(data)[:11]:<12}{'' if time_ms is None else f'{time_ms:.0f} ms':>9}"
            f"{_size(data):>10}  {data.get('by', '?')}"
        )
    return EXIT_OK


def show(record_id: str) -> int:
    record = find(record_id)
    if record is None:
        print(f"voiden: no history record {record_id} (ids come from `voiden history FILE`)", file=sys.stderr)
        return EXIT_USAGE
    data = record.data
    sent = data.get("sent") or {}
    print(f"{data.get('request')} in {data.get('document')}, {data.get('when')} ({data.get('by')})")
    line = " ".join(str(p) for p in (sent.get("method"), sent.get("target"), sent.get("rpc")) if p)
    print(f"> {line}")
    for name, value in sent.get("headers") or []:
        print(f"> {name}: {value}")
    if sent.get("body"):
        print(">")
        print(sent["body"])
    print(f"< {_status(data)}  {data.get('time_ms')} ms  {_size(data)}")
    for name, value in (data.get("headers") or {}).items():
        print(f"< {name}: {value}")
    body = record.body()
    if body:
        print("<")
        print(body)
    if data.get("cut"):
        print(f"(the body is kept cut: {data.get('size')} bytes in all)")
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
    before, after = _comparable(older, ignore), _comparable(newest, ignore)
    lines = list(
        difflib.unified_diff(
            before,
            after,
            f"{older.id} ({older.data.get('when')})",
            f"{newest.id} ({newest.data.get('when')})",
            lineterm="",
        )
    )
    if not lines:
        print(f"the same: {older.id} and {newest.id}" + (f" (ignoring {', '.join(ignore)})" if ignore else ""))
        return EXIT_OK
    for line in lines:
        if color and line.startswith(("+", "-")) and not line.startswith(("+++", "---")):
            line = f"\033[{32 if line[0] == '+' else 31}m{line}\033[0m"
        print(line)
    return EXIT_FAILED


def _comparable(record: Record, ignore: list[str]) -> list[str]:
    """A record as lines that compare by meaning: the status, the headers sorted, JSON with its keys sorted
    (the paths in `ignore` left out); a stream's messages the same way, one after the other."""
    data = record.data
    headers = {k.lower(): v for k, v in (data.get("headers") or {}).items()}
    for path in ignore:
        if path.lower().startswith("headers."):
            headers.pop(path[len("headers.") :].lower(), None)
    lines = [f"status: {_status(data)}"] + [f"{k}: {v}" for k, v in sorted(headers.items())] + [""]
    body_paths = [p for p in ignore if not p.lower().startswith("headers.")]
    messages = [e for e in data.get("events") or [] if e.get("kind") == "received" and not e.get("control")]
    if data.get("protocol") not in ("http", "graphql", None) and messages:
        for index, event in enumerate(messages):
            lines.append(f"message[{index}]:")
            lines += _pretty(event.get("data"), body_paths)
        return lines
    body = record.body()
    try:
        value = json.loads(body)
    except ValueError:
        return lines + body.splitlines()
    return lines + _pretty(value, body_paths)


def _pretty(value: Any, ignore: list[str]) -> list[str]:
    for path in ignore:
        value = _without(value, _steps(path))
    if isinstance(value, (dict, list)):
        return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False).splitlines()
    return str(value).splitlines()


def _steps(path: str) -> list[str]:
    """`items[*].id` -> ["items", "*", "id"]; `body.` is optional."""
    text = path[len("body.") :] if path.startswith("body.") else path
    return [s for s in re.split(r"\.|\[|\]", text) if s]


def _without(value: Any, steps: list[str]) -> Any:
    if not steps:
        return value
    head, rest = steps[0], steps[1:]
    if isinstance(value, dict):
        if not rest:
            return {k: v for k, v in value.items() if k != head}
        return {k: (_without(v, rest) if k == head or head == "*" else v) for k, v in value.items()}
    if isinstance(value, list) and (head == "*" or head.isdigit()):
        index = None if head == "*" else int(head)
        if not rest:
            return [v for i, v in enumerate(value) if index is not None and i != index]
        return [_without(v, rest) if index is None or i == index else v for i, v in enumerate(value)]
    return value


def _status(data: dict[str, Any]) -> str:
    if data.get("error") and data.get("status") is None:
        return "error"
    status = data.get("status")
    if status is None and data.get("messages"):
        return f"{data['messages']} msgs"
    return "-" if status is None else str(status)


def _size(data: dict[str, Any]) -> str:
    size = int(data.get("size") or 0)
    return f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} B"
