"""`matches` expectations run their pattern in a worker process with a time limit.

A pattern comes from the document, and a hostile one (`(a+)+$`, `\\d*\\d*\\d*x`) backtracks for hours on a
modest text: Python's `re` has no timeout and a thread cannot be stopped. The worker is this interpreter
running the fixed program below (isolated, no site packages); the pattern and the text travel as data on
its stdin, never as arguments. Past the limit the worker is killed, the expectation fails in words, and
the next `matches` starts a new worker."""

from __future__ import annotations

import json
import re
import select
import subprocess
import sys
import threading

from voiden_lsp.judge import SearchAborted

LIMIT_SECONDS = 1.0
MAX_TEXT = 1024 * 1024
"""A longer text is searched in its first megabyte."""

_PROGRAM = """
import json, re, sys
for line in sys.stdin:
    job = json.loads(line)
    try:
        found = re.search(job["pattern"], job["text"], job["flags"]) is not None
        sys.stdout.write(json.dumps({"found": found}) + "\\n")
    except Exception as exc:
        sys.stdout.write(json.dumps({"error": str(exc)}) + "\\n")
    sys.stdout.flush()
"""


class PatternWorker:
    """One worker process, started at the first search, for the whole run (or the editor's session)."""

    def __init__(self, limit: float = LIMIT_SECONDS) -> None:
        self.limit = limit
        self._process: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()

    def search(self, pattern: re.Pattern[str], text: str) -> bool:
        with self._lock:
            process = self._started()
            assert process.stdin is not None and process.stdout is not None
            job = json.dumps(
                {"pattern": pattern.pattern, "flags": pattern.flags & ~re.UNICODE, "text": text[:MAX_TEXT]}
            )
            try:
                process.stdin.write(job + "\n")
                process.stdin.flush()
                ready, _, _ = select.select([process.stdout], [], [], self.limit)
                line = process.stdout.readline() if ready else ""
            except OSError:
                line = ""
            if not line:
                self._stop()
                raise SearchAborted(
                    f"the pattern `/{pattern.pattern}/` ran over {self.limit:g}s on a text of {len(text)} characters "
                    "(it backtracks without end): simplify it"
                )
            answer = json.loads(line)
            if "error" in answer:
                raise SearchAborted(f"the pattern `/{pattern.pattern}/` failed: {answer['error']}")
            return bool(answer["found"])

    def _started(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self._process = subprocess.Popen(
                [sys.executable, "-I", "-S", "-c", _PROGRAM],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
                encoding="utf-8",
                errors="surrogatepass",
                bufsize=1,
            )
        return self._process

    def _stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            self._process = None


_shared: PatternWorker | None = None


def shared_worker() -> PatternWorker:
    global _shared
    if _shared is None:
        _shared = PatternWorker()
    return _shared
