"""The error family every layer raises: each error may carry the document range it concerns."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from voiden_lsp.document.model import Range


class VoidenError(Exception):
    """Base of every error the user can cause; the message says what to do."""

    def __init__(self, message: str, range: Range | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.range = range


class ParseError(VoidenError):
    """The document cannot be read as asked."""


class TemplateError(VoidenError):
    """A template names an unknown variable or provider, or has bad arguments."""


class SchemaError(VoidenError):
    """The gRPC schema cannot be had or does not hold what the request names."""


class TransportError(VoidenError):
    """The request could not be sent or its answer not read."""
