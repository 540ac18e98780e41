"""Events to a terminal: coloured status, pretty JSON, sizes and timings, a spinner while waiting."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sys
import time
from collections.abc import Callable
from typing import IO, Any

from voiden_lsp.document import Problem
from voiden_lsp.events import (
    BASE64,
    CHECK,
    CLOSED,
    CONNECTING,
    ERROR,
    OPEN,
    RECEIVED,
    SENT,
    STATUS,
    TRAILERS,
    Event,
    payload_text,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

_SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} B"


class Style:
    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled

    def __call__(self, text: str, code: str) -> str:
        return f"\x1b[{code}m{text}\x1b[0m" if self.enabled else text

    def status(self, code: Any, text: str) -> str:
        if isinstance(code, int):
            colour = "32" if code < 300 else "36" if code < 400 else "33" if code < 500 else "31"
        else:
            colour = "32" if code == "OK" else "31"
        return self(text, "1;" + colour)


class Output:
    """Standard output that its reader may close (`voiden run ... | head`): from then on writes go nowhere,
    `on_close` is told once, and no BrokenPipeError reaches anyone."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out
        self.closed = False
        self.on_close: Callable[[], object] | None = None

    def write(self, text: str) -> None:
        if not self.closed:
            try:
                self.out.write(text)
            except BrokenPipeError:
                self._close()

    def flush(self) -> None:
        if not self.closed:
            try:
                self.out.flush()
            except BrokenPipeError:
                self._close()

    def isatty(self) -> bool:
        return self.out.isatty()

    def _close(self) -> None:
        self.closed = True
        with contextlib.suppress(OSError, ValueError):  # later prints (and the exit's flush) go to /dev/null
            os.dup2(os.open(os.devnull, os.O_WRONLY), self.out.fileno())
        if self.on_close is not None:
            self.on_close()


class JsonPrinter:
    """`--json`: exactly the events, one JSON object a line."""

    MAX_HELD = 1000
    """Lines held at most before they are written."""

    def __init__(self, out: IO[str] = sys.stdout) -> None:
        self.out = Output(out)
        self._flushed = time.monotonic()
        self._pending = False
        self._held: list[str] = []

    def __call__(self, event: Event) -> None:
        # A write and a flush per line cost a call into the I/O stack and a system call per event: a fast
        # stream is written in blocks, every 50 ms or 1,000 lines, and a line is never held back longer.
        self._held.append(event.json_line())
        if event.kind in (CLOSED, ERROR) or len(self._held) >= self.MAX_HELD or time.monotonic() - self._flushed > 0.05:
            self.flush()
        elif not self._pending:
            self._pending = True
            asyncio.get_running_loop().call_later(0.05, self.flush)

    def flush(self) -> None:
        self._pending = False
        self._flushed = time.monotonic()
        if self._held:
            self._held.append("")
            self.out.write("\n".join(self._held))
            self._held = []
        self.out.flush()

    def problems(self, path: str, problems: list[Problem]) -> None:
        for problem in problems:
            print(_problem_line(path, problem), file=sys.stderr)

    async def waiting(self) -> None:
        return None


class TerminalPrinter:
    """Readable output for people. The spinner goes to stderr and only on a terminal."""

    def __init__(self, out: IO[str] = sys.stdout, *, colour: bool | None = None) -> None:
        self.out = Output(out)
        tty = out.isatty()
        self.style = Style(tty and "NO_COLOR" not in os.environ if colour is None else colour)
        self.spin = tty and sys.stderr.isatty()
        self._spinning = False
        self._received = 0
        self._headed = ""
        """The session whose `▶ name` line was printed last: lines of another name their request."""
        self._http = False

    def problems(self, path: str, problems: list[Problem]) -> None:
        for problem in problems:
            colour = "31" if problem.severity == "error" else "33"
            print(self.style(_problem_line(path, problem), colour), file=sys.stderr)

    def _line(self, text: str = "") -> None:
        self._clear_spinner()
        self.out.write(text + "\n")
        self.out.flush()

    def _clear_spinner(self) -> None:
        if self._spinning:
            sys.stderr.write("\r\x1b[2K")
            sys.stderr.flush()
            self._spinning = False

    async def waiting(self) -> None:
        """Spin until cancelled (the caller runs this beside a session)."""
        if not self.spin:
            return
        frame = 0
        while True:
            await asyncio.sleep(0.1)
            sys.stderr.write(f"\r{_SPINNER[frame % len(_SPINNER)]} waiting…")
            sys.stderr.flush()
            self._spinning = True
            frame += 1

    def __call__(self, event: Event) -> None:
        style = self.style
        fields = event.fields
        kind = event.kind
        if kind == CONNECTING:
            self._headed = event.session
            self._received = 0
            self._http = False
            self._line(style(f"▶ {event.request}", "1") + style(f"  {fields.get('target', '')}", "2"))
        elif kind == SENT:
            label = f"{fields['method']} {fields['url']}" if "method" in fields else "sent"
            if fields.get("event"):
                label = f"[{fields['event']}]"
            self._line(
                style(f"  → {label}", "2") + style(f"  {human_size(int(fields.get('size', 0)))}", "2")
                if fields.get("size")
                else style(f"  → {label}", "2")
            )
            if fields.get("data") not in (None, "") and "method" not in fields and not fields.get("control"):
                self._payload(fields)
        elif kind == OPEN:
            self._http = "http_version" in fields
            if not self._http:
                self._line(style("  connected", "32"))
            for url in fields.get("redirects", []):
                self._line(style(f"  ↪ redirected from {url}", "2"))
        elif kind == STATUS:
            text = f"  {fields.get('code')} {fields.get('message') or ''}".rstrip()
            self._line(self.style.status(fields.get("code"), text))
            if fields.get("details"):
                self._block(json.dumps(fields["details"], indent=2, ensure_ascii=False))
        elif kind == RECEIVED:
            self._received += 0 if fields.get("control") else 1
            name = fields.get("event")
            if name:
                extra = f" id={fields['id']}" if "id" in fields else ""
                if fields.get("ack"):
                    extra = f" acknowledged in {fields.get('latency')} ms"
                self._line(style(f"  ← [{name}{extra}]", "36"))
            elif not self._http:
                self._line(style(f"  ← {human_size(int(fields.get('size', 0)))}", "36"))
            if not fields.get("control"):
                self._payload(fields)
            if fields.get("truncated"):
                self._line(style(f"    … cut for display ({human_size(int(fields.get('size', 0)))} in all)", "2"))
        elif kind == TRAILERS:
            for key, value in fields.get("headers", {}).items():
                self._line(style(f"  {key}: {value}", "2"))
        elif kind == ERROR:
            where = ""
            if "range" in fields:
                where = f" (line {fields['range']['start']['line'] + 1})"
            who = "" if self._headed == event.session else f"{event.request}: "  # a line of its own names it
            self._line(style(f"  ✗ {who}{fields.get('message')}{where}", "1;31"))
        elif kind == CLOSED:
            self._line(self._summary(fields, event.time))
        elif kind == CHECK:
            line = f"line {fields.get('line')}"
            if fields.get("passed"):
                self._line(style(f"  ✔ {fields.get('text')}", "32") + style(f"  {line}", "2"))
            else:
                self._line(style(f"  ✘ {fields.get('message')}", "1;31") + style(f"  {line}", "2"))

    def _payload(self, fields: dict[str, Any]) -> None:
        if fields.get("encoding") == BASE64:
            self._line(self.style(f"    binary, {human_size(int(fields.get('size', 0)))}, as base64:", "2"))
        self._block(payload_text(fields))

    def _block(self, text: str) -> None:
        for line in text.splitlines() or [""]:
            self._line("    " + line)

    def _summary(self, fields: dict[str, Any], elapsed: float) -> str:
        style = self.style
        parts = [f"closed by {fields.get('by', 'server')}"]
        if fields.get("reason"):
            parts.append(str(fields["reason"]))
        timings = fields.get("timings") or {}
        total = timings.get("total") or elapsed
        detail = ", ".join(
            f"{k.replace('_', ' ')} {v:.0f} ms" for k, v in timings.items() if k != "total" and v is not None
        )
        parts.append(f"{total:.0f} ms" + (f" ({detail})" if detail else ""))
        if self._received:
            parts.append(f"{self._received} message{'s' if self._received != 1 else ''}")
        return style("  ■ " + " · ".join(parts), "2")


def _problem_line(path: str, problem: Problem) -> str:
    start = problem.range.start
    return f"{path}:{start.line + 1}:{start.character + 1}: {problem.severity}: {problem.message}"
