"""gRPC schemas: descriptors from reflection, `.proto` files or protosets, with the lookups completion,
hover, validation and the transport need. Pure: no sockets (the reflection client is a transport)."""

from voiden_lsp.schema.files import compile_protos, load_protoset
from voiden_lsp.schema.model import (
    BIDI_STREAMING,
    CLIENT_STREAMING,
    SERVER_STREAMING,
    UNARY,
    FieldInfo,
    MethodInfo,
    Schema,
)
from voiden_lsp.schema.repair import repaired

__all__ = [
    "BIDI_STREAMING",
    "CLIENT_STREAMING",
    "SERVER_STREAMING",
    "UNARY",
    "FieldInfo",
    "MethodInfo",
    "Schema",
    "compile_protos",
    "load_protoset",
    "repaired",
]
