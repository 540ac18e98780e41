"""What a gRPC server knows: services, methods, messages, enums, from file descriptors. No sockets."""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory
from google.protobuf.descriptor import Descriptor, EnumDescriptor, FieldDescriptor, MethodDescriptor
from google.protobuf.message import DecodeError, Message

from voiden_lsp.errors import SchemaError
from voiden_lsp.schema.fromjson import MessageFromJson
from voiden_lsp.schema.tojson import MessageJson

UNARY, SERVER_STREAMING, CLIENT_STREAMING, BIDI_STREAMING = (
    "unary",
    "server-streaming",
    "client-streaming",
    "bidi",
)


@dataclass(frozen=True)
class MethodInfo:
    service: str
    name: str
    input: Descriptor
    output: Descriptor
    client_streaming: bool
    server_streaming: bool
    side_effect_free: bool = False
    """`option idempotency_level = NO_SIDE_EFFECTS`: Connect may call it with GET."""

    @property
    def full_name(self) -> str:
        return f"{self.service}.{self.name}"

    @property
    def path(self) -> str:
        """The HTTP/2 path of the call: `/package.Service/Method`."""
        return f"/{self.service}/{self.name}"

    @property
    def kind(self) -> str:
        if self.client_streaming:
            return BIDI_STREAMING if self.server_streaming else CLIENT_STREAMING
        return SERVER_STREAMING if self.server_streaming else UNARY


@dataclass(frozen=True)
class FieldInfo:
    name: str
    json_name: str
    type_name: str
    """`string`, `int32`, ..., or the full name of a message or enum."""
    repeated: bool
    map: bool
    oneof: str | None
    descriptor: FieldDescriptor


_SCALARS = {
    FieldDescriptor.TYPE_DOUBLE: "double",
    FieldDescriptor.TYPE_FLOAT: "float",
    FieldDescriptor.TYPE_INT64: "int64",
    FieldDescriptor.TYPE_UINT64: "uint64",
    FieldDescriptor.TYPE_INT32: "int32",
    FieldDescriptor.TYPE_FIXED64: "fixed64",
    FieldDescriptor.TYPE_FIXED32: "fixed32",
    FieldDescriptor.TYPE_BOOL: "bool",
    FieldDescriptor.TYPE_STRING: "string",
    FieldDescriptor.TYPE_BYTES: "bytes",
    FieldDescriptor.TYPE_UINT32: "uint32",
    FieldDescriptor.TYPE_SFIXED32: "sfixed32",
    FieldDescriptor.TYPE_SFIXED64: "sfixed64",
    FieldDescriptor.TYPE_SINT32: "sint32",
    FieldDescriptor.TYPE_SINT64: "sint64",
}
_FAILED_FIELD = re.compile(r"^Failed to parse (\w+) field: ")


class Schema:
    """A descriptor pool of its own (never the process-wide default), with the lookups completion,
    hover, validation and the transport need."""

    def __init__(self, files: Iterable[descriptor_pb2.FileDescriptorProto], source: str) -> None:
        self.source = source
        self._json: MessageJson | None = None
        self._from_json: MessageFromJson | None = None
        self.pool = descriptor_pool.DescriptorPool()
        self._files: dict[str, descriptor_pb2.FileDescriptorProto] = {}
        for file in files:
            self._files.setdefault(file.name, file)
        self._added: set[str] = set()
        for name in list(self._files):
            self._add(name, [])
        self._services = sorted(
            service.full_name
            for name in self._added
            for service in self.pool.FindFileByName(name).services_by_name.values()
            if not service.full_name.startswith("grpc.reflection.")
        )

    @classmethod
    def from_descriptor_set(cls, data: bytes, source: str) -> Schema:
        try:
            files = descriptor_pb2.FileDescriptorSet.FromString(data).file
        except DecodeError as exc:
            raise SchemaError(f"{source} is not a protoset (a serialized FileDescriptorSet): {exc}") from None
        return cls(files, source)

    def descriptor_set(self) -> bytes:
        """The schema as a serialized FileDescriptorSet (what a protoset file holds): handed to another process."""
        data: bytes = descriptor_pb2.FileDescriptorSet(file=list(self._files.values())).SerializeToString()
        return data

    def _add(self, name: str, chain: list[str]) -> None:
        if name in self._added:
            return
        file = self._files.get(name)
        if file is None:
            file = _well_known(name)
            if file is None:
                importer = f" (imported by {chain[-1]})" if chain else ""
                raise SchemaError(
                    f"the schema lacks `{name}`{importer}: with @proto, add the folder holding it as "
                    "`@import-path DIR`; with reflection, the server cannot resolve that import"
                )
        for dependency in file.dependency:
            self._add(dependency, [*chain, name])
        try:
            self.pool.Add(file)
        except (TypeError, ValueError) as exc:
            raise SchemaError(f"`{name}` does not fit the rest of the schema: {exc}") from None
        self._added.add(name)

    # -- lookups ---------------------------------------------------------------------------------

    def services(self) -> list[str]:
        return list(self._services)

    def methods(self, service: str) -> list[MethodInfo]:
        descriptor = self.pool.FindServiceByName(service)
        return [self._method_info(m) for m in descriptor.methods]

    def method(self, name: str) -> MethodInfo:
        """`package.Service/Method` or `package.Service.Method`; unknown names say what is close."""
        service, method = _split_method(name)
        if service not in self._services:
            close = difflib.get_close_matches(service, self._services, n=3, cutoff=0.5)
            hint = f"; did you mean {_quoted(close)}?" if close else f" (services: {_quoted(self._services) or 'none'})"
            raise SchemaError(f"unknown service `{service}` in {self.source}{hint}")
        names = [m.name for m in self.pool.FindServiceByName(service).methods]
        if method not in names:
            close = difflib.get_close_matches(method, names, n=3, cutoff=0.5)
            hint = f"; did you mean {_quoted(close)}?" if close else f" (methods: {_quoted(names)})"
            raise SchemaError(f"unknown method `{method}` in service `{service}`{hint}")
        return self._method_info(self.pool.FindMethodByName(f"{service}.{method}"))

    @staticmethod
    def _method_info(method: MethodDescriptor) -> MethodInfo:
        return MethodInfo(
            method.containing_service.full_name,
            method.name,
            method.input_type,
            method.output_type,
            method.client_streaming,
            method.server_streaming,
            method.GetOptions().idempotency_level == descriptor_pb2.MethodOptions.NO_SIDE_EFFECTS,
        )

    def message(self, full_name: str) -> Descriptor:
        try:
            return self.pool.FindMessageTypeByName(full_name)
        except KeyError:
            raise SchemaError(f"unknown message type `{full_name}` in {self.source}") from None

    def enum(self, full_name: str) -> EnumDescriptor:
        try:
            return self.pool.FindEnumTypeByName(full_name)
        except KeyError:
            raise SchemaError(f"unknown enum `{full_name}` in {self.source}") from None

    def fields(self, message: Descriptor) -> list[FieldInfo]:
        return [_field_info(f) for f in message.fields]

    def field(self, message: Descriptor, name: str) -> FieldInfo | None:
        """A field by its JSON name (`createdAt`) or its proto name (`created_at`)."""
        found = message.fields_by_name.get(name) or next((f for f in message.fields if f.json_name == name), None)
        return _field_info(found) if found is not None else None

    # -- messages --------------------------------------------------------------------------------

    def message_class(self, message: Descriptor) -> type[Message]:
        cls: type[Message] = message_factory.GetMessageClass(message)
        return cls

    def parse_json(self, message: Descriptor, text: str) -> Message:
        """JSON (the protobuf mapping; JSON or proto field names) -> a message. Errors name the field path."""
        instance = self.message_class(message)()
        if self._from_json is None:
            self._from_json = MessageFromJson()
        if self._from_json.fill(text or "{}", instance):
            return instance
        try:
            json_format.Parse(text or "{}", instance, descriptor_pool=self.pool)
        except json_format.ParseError as exc:
            raise SchemaError(
                f"the message does not fit `{message.full_name}`: {_readable_parse_error(str(exc))}"
            ) from None
        return instance

    def to_dict(self, message: Message) -> dict[str, Any]:
        """The message's JSON value (the protobuf JSON mapping), by a converter made once per message type."""
        if self._json is None:
            self._json = MessageJson(self.pool)
        return self._json.to_dict(message)

    def describe(self, message: Descriptor) -> str:
        """A one-line skeleton of a message, for hovers and errors: `{name: string, location: Point}`."""
        parts = []
        for field in self.fields(message):
            kind = field.type_name.rsplit(".", 1)[-1]
            parts.append(f"{field.json_name}: {'[' + kind + ']' if field.repeated and not field.map else kind}")
        return "{" + ", ".join(parts) + "}"


def _split_method(name: str) -> tuple[str, str]:
    name = name.strip().lstrip("/")
    if "/" in name:
        service, _, method = name.rpartition("/")
    else:
        service, _, method = name.rpartition(".")
    return service, method


def _field_info(field: FieldDescriptor) -> FieldInfo:
    if field.message_type is not None:
        type_name = field.message_type.full_name
    elif field.enum_type is not None:
        type_name = field.enum_type.full_name
    else:
        type_name = _SCALARS.get(field.type, "unknown")
    is_map = field.message_type is not None and field.message_type.GetOptions().map_entry
    oneof = field.containing_oneof.name if field.containing_oneof is not None else None
    repeated = bool(field.is_repeated)
    return FieldInfo(field.name, field.json_name, type_name, repeated, bool(is_map), oneof, field)


def _well_known(name: str) -> descriptor_pb2.FileDescriptorProto | None:
    """google/protobuf/*.proto (and google/rpc/*) from the process's own pool, when a source lacks them."""
    if not name.startswith(("google/protobuf/", "google/rpc/", "google/type/")):
        return None
    try:
        file = descriptor_pool.Default().FindFileByName(name)
    except KeyError:
        return None
    proto = descriptor_pb2.FileDescriptorProto()
    file.CopyToProto(proto)
    return proto


def _readable_parse_error(text: str) -> str:
    """`Failed to parse a field: Failed to parse b field: bad` -> `a.b: bad`."""
    path: list[str] = []
    while match := _FAILED_FIELD.match(text):
        path.append(match.group(1))
        text = text[match.end() :]
    text = text.rstrip(".").replace("\n", " ")
    return f"at `{'.'.join(path)}`: {text}" if path else text


def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"`{n}`" for n in names)
