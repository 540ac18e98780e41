"""Snapshots (FORMAT.md section 13): `__snapshots__/DOCUMENT.json` beside a document, one object per request
whose keys are the subjects snapshotted (`body`, `message[0]`, `messages`). Masked, keys sorted, indented: a
diff of the file in a review reads as the change of the answer. Written on a snapshot's first run and with
`--update-snapshots`; never from a run that only reads (the language server in an untrusted folder runs
nothing at all)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from voiden_lsp.judge import MISSING
from voiden_lsp.sessions.history import write_atomic
from voiden_lsp.templating import mask_secrets


def snapshot_file(document: Path) -> Path:
    return document.parent / "__snapshots__" / f"{document.name}.json"


class Snapshots:
    """The snapshots of one document, read once and written back when a run adds or replaces one."""

    def __init__(self, document: Path, *, update: bool = False) -> None:
        self.path = snapshot_file(document)
        self.update = update
        self._data: dict[str, Any] | None = None
        self.problem: str | None = None
        """Why the file could not be read or written, in words (the run says it once)."""

    def _load(self) -> dict[str, Any]:
        if self._data is None:
            self._data = self._read()
        return self._data

    def _read(self) -> dict[str, Any]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            self.problem = f"cannot read {self.path}: {exc}; it is written anew"
            return {}
        return data if isinstance(data, dict) else {}

    def stored(self, request: str, subject: str) -> Any:
        entry = self._load().get(request)
        return entry.get(subject, MISSING) if isinstance(entry, dict) else MISSING

    def save(self, request: str, values: dict[str, Any]) -> None:
        """Store `values` (subject -> value) for `request`, read afresh so a parallel run's writes stay."""
        if not values:
            return
        data = self._read()
        entry = data.get(request)
        data[request] = {**(entry if isinstance(entry, dict) else {}), **values}
        self._data = data
        text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        try:
            self.path.parent.mkdir(exist_ok=True)
            write_atomic(self.path, text.encode("utf-8"))
        except OSError as exc:
            self.problem = f"snapshot not written: cannot write {self.path} ({exc.strerror or exc})"


def masked_value(value: Any, secrets: frozenset[str]) -> Any:
    """A JSON value with every secret in its texts and keys masked."""
    if not secrets:
        return value
    if isinstance(value, str):
        return mask_secrets(value, secrets)
    if isinstance(value, list):
        return [masked_value(v, secrets) for v in value]
    if isinstance(value, dict):
        return {mask_secrets(str(k), secrets): masked_value(v, secrets) for k, v in value.items()}
    return value
