"""Logs never show a secret: a filter on the log handlers masks every record with the secrets seen so far.

Libraries log what they send (httpx logs each request's URL at INFO), so masking our own messages is not
enough. The runners tell this module the secrets of their collections; the set is bounded."""

from __future__ import annotations

import logging

from voiden_lsp.templating.scope import mask_secrets

MAX_SECRETS = 10_000
_secrets: frozenset[str] = frozenset()


def remember(secrets: frozenset[str]) -> None:
    global _secrets
    if secrets <= _secrets:
        return
    merged = _secrets | secrets
    _secrets = merged if len(merged) <= MAX_SECRETS else secrets


class MaskingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not _secrets:
            return True
        message = record.getMessage()
        shown = mask_secrets(message, _secrets)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask_secrets(record.exc_text, _secrets)
        if shown != message:
            record.msg, record.args = shown, None
        return True


def install() -> None:
    """Mask what every handler of the root logger writes (call after logging is configured)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, MaskingFilter) for f in handler.filters):
            handler.addFilter(MaskingFilter())
