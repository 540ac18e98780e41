"""Every exchange kept, outside the collection (FORMAT.md section 13): the user's state folder, a folder per
collection, a folder per request, one JSON record per exchange with its body in a side file. Masked as every
output is; the newest `KEEP` per request and at most `MAX_COLLECTION_BYTES` per collection.

Writers never corrupt each other (two editors, a CLI run): a record is written to a temporary file and
renamed into place, and pruning holds the collection's lock file. A folder that cannot be written is a
warning, never a failed run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import secrets as random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from voiden_lsp.events import RECEIVED, SENT, Event
from voiden_lsp.judge import compare
from voiden_lsp.templating import ResolvedRequest, Response, mask_secrets

KEEP = 20
"""Records kept per request."""
MAX_BODY = 1024 * 1024
"""A body is kept up to this many bytes (`VOIDEN_HISTORY_MAX_BODY`), its true size noted."""
MAX_EVENTS = 2000
"""A stream's events kept per record: the first ones, then a count of the rest."""
MAX_COLLECTION_BYTES = 200 * 1024 * 1024
"""What a collection's history may weigh; the oldest records go first."""


_ID = re.compile(r"[0-9]{8}T[0-9]{9}-[0-9a-f]{4}")


def state_folder() -> Path:
    """`$VOIDEN_HISTORY_DIR`, else the platform's state folder: `$XDG_STATE_HOME` (~/.local/state) on Linux,
    ~/Library/Application Support on macOS, %LOCALAPPDATA% on Windows."""
    chosen = os.environ.get("VOIDEN_HISTORY_DIR")
    if chosen:
        return Path(chosen)
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "voiden-lsp" / "history"


def _key(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()[:16]


@dataclass
class Record:
    """One kept exchange, as its JSON file holds it."""

    data: dict[str, Any]
    path: Path

    @property
    def id(self) -> str:
        return str(self.data["id"])

    def body(self) -> str:
        side = self.path.with_suffix(".body")
        try:
            return side.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


class History:
    """The history of one collection (the folder of its `voiden.toml`, or of a lone document)."""

    def __init__(self, collection_root: Path, *, by: str = "cli", folder: Path | None = None) -> None:
        self.collection_root = collection_root.resolve()
        self.by = by
        self.folder = (folder or state_folder()) / _key(str(self.collection_root))
        self.max_body = int(os.environ.get("VOIDEN_HISTORY_MAX_BODY") or MAX_BODY)
        self.warning: str | None = None
        """Why the last record could not be written (shown once by the face)."""

    def request_folder(self, document: Path, name: str) -> Path:
        return self.folder / _key(f"{self._relative(document)}#{name}")

    def _relative(self, document: Path) -> str:
        resolved = document.resolve()
        try:
            return resolved.relative_to(self.collection_root).as_posix()
        except ValueError:
            return resolved.as_posix()

    # -- writing -----------------------------------------------------------------------------------------

    def record(
        self,
        document: Path,
        name: str,
        *,
        request: ResolvedRequest | None,
        response: Response | None,
        events: list[Event],
        secrets: frozenset[str],
    ) -> Record | None:
        """Keep one exchange; None (and `warning` set) when the folder cannot be written."""
        when = datetime.now(UTC)
        record_id = when.strftime("%Y%m%dT%H%M%S") + f"{when.microsecond // 1000:03d}-" + random.token_hex(2)

        def mask(text: str) -> str:
            return mask_secrets(text, secrets) if secrets else text

        body = response.body if response is not None else ""
        encoded = body.encode("utf-8", errors="surrogatepass")
        cut = len(encoded) > self.max_body
        kept = encoded[: self.max_body].decode("utf-8", errors="ignore") if cut else body
        streamed = [e for e in events if e.kind in (SENT, RECEIVED)]
        data: dict[str, Any] = {
            "id": record_id,
            "when": when.isoformat(timespec="milliseconds"),
            "by": self.by,
            "document": self._relative(document),
            "request": name,
            "protocol": request.protocol if request is not None else None,
            "sent": _request_json(request, mask) if request is not None else None,
            "status": None if response is None else response.status,
            "headers": {} if response is None else {k: mask(v) for k, v in response.headers.items()},
            "time_ms": round(events[-1].time, 1) if events else None,
            "size": len(encoded),
            "cut": cut,
            "messages": sum(1 for e in streamed if e.kind == RECEIVED and not e.fields.get("control")),
            "error": next((mask(str(e.fields.get("message", ""))) for e in events if e.kind == "error"), None),
            "events": [e.to_json() for e in events[:MAX_EVENTS]],
            "events_left_out": max(0, len(events) - MAX_EVENTS),
        }
        folder = self.request_folder(document, name)
        try:
            folder.mkdir(parents=True, exist_ok=True)
            write_atomic(folder / f"{record_id}.body", mask(kept).encode("utf-8", errors="surrogatepass"))
            path = folder / f"{record_id}.json"
            write_atomic(path, json.dumps(data, ensure_ascii=False, indent=1).encode())
            named = self.folder / "collection.txt"
            if not named.exists():
                named.write_text(str(self.collection_root) + "\n", encoding="utf-8")
            self._prune(folder)
        except OSError as exc:
            self.warning = f"history not kept: cannot write {self.folder} ({exc.strerror or exc})"
            return None
        return Record(data, path)

    def _prune(self, folder: Path) -> None:
        with self._locked():
            for old in sorted(folder.glob("*.json"))[:-KEEP]:
                _remove(old)
            records = sorted(self.folder.glob("*/*.json"), key=lambda p: p.name)
            total = sum(_size(p) + _size(p.with_suffix(".body")) for p in records)
            for old in records:
                if total <= MAX_COLLECTION_BYTES:
                    break
                total -= _size(old) + _size(old.with_suffix(".body"))
                _remove(old)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        lock = self.folder / ".lock"
        with open(lock, "a+b") as handle:
            try:
                import fcntl
            except ImportError:  # Windows: renames are atomic; pruning races lose at most a record to prune
                yield
                return
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    # -- reading -----------------------------------------------------------------------------------------

    def counts(self, document: Path, names: list[str]) -> dict[str, int]:
        """How many records each request has (for a lens over each), from the folder listing alone."""
        try:
            present = {entry.name for entry in os.scandir(self.folder) if entry.is_dir()}
        except OSError:
            return {}
        found = {}
        for name in names:
            folder = self.request_folder(document, name)
            if folder.name in present:
                found[name] = sum(1 for p in folder.glob("*.json"))
        return found

    def find(self, record_id: str) -> Record | None:
        """A record of this collection by its id."""
        if _ID.fullmatch(record_id) is None:
            return None
        return next((r for p in self.folder.glob(f"*/{record_id}.json") if (r := _read(p)) is not None), None)

    def records(self, document: Path, name: str | None = None) -> list[Record]:
        """A document's records (one request's, with `name`), newest first."""
        wanted = self._relative(document)
        folders = [self.request_folder(document, name)] if name else list(self.folder.glob("*"))
        found = []
        for folder in folders:
            for path in folder.glob("*.json") if folder.is_dir() else ():
                record = _read(path)
                if record is not None and record.data.get("document") == wanted:
                    found.append(record)
        return sorted(found, key=lambda r: r.id, reverse=True)


def find(record_id: str) -> Record | None:
    """A record by its id, in any collection's history; an id that is not one of ours (a path) finds none."""
    if _ID.fullmatch(record_id) is None:
        return None
    return next((r for p in state_folder().glob(f"*/*/{record_id}.json") if (r := _read(p)) is not None), None)


def _request_json(request: ResolvedRequest, mask: Any) -> dict[str, Any]:
    return {
        "method": request.method,
        "target": mask(request.target),
        "rpc": request.rpc or None,
        "headers": [[k, mask(v)] for k, v in request.headers],
        "body": mask(request.body) if isinstance(request.body, str) else None,
    }


def write_atomic(path: Path, data: bytes) -> None:
    """`data` into `path` through a temporary file renamed into place: a reader never sees half of it."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{random.token_hex(3)}.tmp")
    try:
        temporary.write_bytes(data)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink()


def _read(path: Path) -> Record | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return Record(data, path) if isinstance(data, dict) and "id" in data else None


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _remove(record: Path) -> None:
    for path in (record, record.with_suffix(".body")):
        with contextlib.suppress(OSError):
            path.unlink()


def age(record: Record) -> str:
    """`3 min ago`, for the listing."""
    try:
        then = datetime.fromisoformat(str(record.data["when"]))
    except (KeyError, ValueError):
        return "?"
    seconds = max(0, int(time.time() - then.timestamp()))
    for size, unit in ((86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= size:
            return f"{seconds // size} {unit} ago"
    return f"{seconds} s ago"


def title(record: Record) -> str:
    """`20261204T101500123-ab12 (2026-12-04T10:15:00.123+00:00)`: a record as a diff names it."""
    return f"{record.id} ({record.data.get('when')})"


def record_text(record: Record) -> list[str]:
    """A record as `voiden history show` prints it: what was sent (`>` lines), then what came (`<` lines)."""
    data = record.data
    sent = data.get("sent") or {}
    lines = [f"{data.get('request')} in {data.get('document')}, {data.get('when')} ({data.get('by')})"]
    lines.append("> " + " ".join(str(p) for p in (sent.get("method"), sent.get("target"), sent.get("rpc")) if p))
    lines += [f"> {name}: {value}" for name, value in sent.get("headers") or []]
    if sent.get("body"):
        lines += [">", *str(sent["body"]).splitlines()]
    lines.append(f"< {status_text(data)}  {data.get('time_ms')} ms  {size_text(data)}")
    lines += [f"< {name}: {value}" for name, value in (data.get("headers") or {}).items()]
    if data.get("error"):
        lines.append(f"< error: {data['error']}")
    messages = _messages(data)
    if messages and data.get("protocol") not in ("http", "graphql", None):
        for index, event in enumerate(messages):
            lines.append(f"< message[{index}]:")
            lines += compare.lines(event.get("data"))
    else:
        body = record.body()
        if body:
            lines += ["<", *body.splitlines()]
    if data.get("cut"):
        lines.append(f"(the body is kept cut: {data.get('size')} bytes in all)")
    return lines


def comparable(record: Record, ignore: list[str]) -> list[str]:
    """A record as lines that compare by meaning: the status, the headers sorted, JSON with its keys sorted
    (the paths in `ignore` left out; `headers.NAME` a header); a stream's messages the same way, in order."""
    data = record.data
    headers = {k.lower(): v for k, v in (data.get("headers") or {}).items()}
    for path in ignore:
        if path.lower().startswith("headers."):
            headers.pop(path[len("headers.") :].lower(), None)
    lines = [f"status: {status_text(data)}"] + [f"{k}: {v}" for k, v in sorted(headers.items())] + [""]
    body_paths = [p for p in ignore if not p.lower().startswith("headers.")]
    messages = _messages(data)
    if data.get("protocol") not in ("http", "graphql", None) and messages:
        for index, event in enumerate(messages):
            lines.append(f"message[{index}]:")
            lines += compare.lines(compare.without(event.get("data"), body_paths))
        return lines
    body = record.body()
    try:
        value = json.loads(body)
    except ValueError:
        return lines + body.splitlines()
    return lines + compare.lines(compare.without(value, body_paths))


def _messages(data: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in data.get("events") or [] if e.get("kind") == RECEIVED and not e.get("control")]


def status_text(data: dict[str, Any]) -> str:
    if data.get("error") and data.get("status") is None:
        return "error"
    status = data.get("status")
    if status is None and data.get("messages"):
        return f"{data['messages']} msgs"
    return "-" if status is None else str(status)


def size_text(data: dict[str, Any]) -> str:
    size = int(data.get("size") or 0)
    return f"{size / 1024:.1f} KB" if size >= 1024 else f"{size} B"
