"""A load run as a session (the editor's "Load test..."): `voiden load FILE --json` in a child process, its stats
a `received` event a second (`event: "stats"`), then the final figures (`final`) and each threshold's verdict
(`threshold`), and `closed` with the exit status. Stopping the session ends the run. The program is always
this Python's `voiden_lsp.cli`, with the document's path and numbers the user typed: no document names it."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator
from typing import Any

from voiden_lsp.errors import TransportError
from voiden_lsp.events import CLOSED, CONNECTING, ERROR, OPEN, RECEIVED, STATUS
from voiden_lsp.transports.base import Emitted, Transport, value_payload

MAX_LINE = 4 * 1024 * 1024


class LoadTransport(Transport):
    @property
    def streams(self) -> bool:
        return True

    def __init__(self, request: Any) -> None:
        super().__init__(request)
        self._process: asyncio.subprocess.Process | None = None
        self._stopped = False

    def argv(self) -> list[str]:
        request = self.request
        argv = [sys.executable, "-m", "voiden_lsp.cli", "load", request.target, "--json"]
        for key in ("users", "duration", "spawn-rate", "env"):
            value = request.meta(key)
            if value:
                argv += [f"--{key}", value]
        if request.meta("yes") == "true":
            argv.append("--yes")
        return argv

    async def events(self) -> AsyncIterator[Emitted]:
        yield CONNECTING, {"target": self.request.target}
        try:
            self._process = process = await asyncio.create_subprocess_exec(
                *self.argv(),
                stdin=asyncio.subprocess.DEVNULL,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                limit=MAX_LINE,
                start_new_session=True,
            )
        except OSError as exc:
            raise TransportError(f"cannot start the load run: {exc.strerror or exc}") from None
        yield OPEN, {"headers": {}, "pid": process.pid}
        try:
            async for item in self._read(process):
                yield item
        finally:
            if process.returncode is None:  # cancelled: the run ends with the session
                self._kill(process)

    async def _read(self, process: asyncio.subprocess.Process) -> AsyncIterator[Emitted]:
        assert process.stdout is not None and process.stderr is not None
        errors = asyncio.ensure_future(process.stderr.read(64 * 1024))
        async for line in process.stdout:
            text = line.decode(errors="replace").strip()
            if not text.startswith("{"):
                continue
            try:
                value = json.loads(text)
            except ValueError:
                continue
            kind = "final" if value.pop("final", False) else "threshold" if "threshold" in value else "stats"
            yield RECEIVED, {**value_payload(value, len(line)), "event": kind}
        code = await process.wait()
        said = (await errors).decode(errors="replace").strip()
        words = {0: "the thresholds held", 1: "a threshold missed"}.get(code, "the run failed")
        yield STATUS, {"code": code, "message": words}
        if code not in (0, 1) and not self._stopped:
            yield ERROR, {"message": said.splitlines()[-1].removeprefix("voiden: ") if said else f"exit status {code}"}
        yield CLOSED, {"by": "client" if self._stopped else "server", "reason": "stopped" if self._stopped else "ended"}

    async def stop(self, reason: str) -> bool:
        self._stopped = True
        if self._process is not None and self._process.returncode is None:
            self._kill(self._process)
        return True

    @staticmethod
    def _kill(process: asyncio.subprocess.Process) -> None:
        import os
        import signal

        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGTERM)
