"""Live runs: start, send, cancel, close; fan events out to sinks."""

from voiden_lsp.sessions.runner import Runner
from voiden_lsp.sessions.session import Session, Sink

__all__ = ["Runner", "Session", "Sink"]
