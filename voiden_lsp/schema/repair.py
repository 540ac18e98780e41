"""Mending the file descriptors some reflection services make up instead of serving the real ones.

@grpc/reflection (Node) builds its files from protobuf.js objects: one file per package with no
`dependency` list, type names relative to their scope (`Kind`, `google.protobuf.Timestamp`), map entries
named after the field (`Stock`, where protobuf requires `StockEntry`), and the well-known types re-made in a
`google_protobuf.proto` whose fields are camel-cased (`nullValue`), which protobuf's own JSON mapping of
`Struct` and `Value` cannot read (grpc-node #3034). grpcurl fails on such a server. Here every type name
is resolved and made absolute, each file depends on the files that define what it uses, map entries get
their proper names, and made-up well-known types give way to protobuf's own.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from google.protobuf import (  # the well-known types' modules put their files into protobuf's default pool
    any_pb2,  # noqa: F401
    api_pb2,  # noqa: F401
    descriptor_pb2,
    descriptor_pool,
    duration_pb2,  # noqa: F401
    empty_pb2,  # noqa: F401
    field_mask_pb2,  # noqa: F401
    struct_pb2,  # noqa: F401
    timestamp_pb2,  # noqa: F401
    type_pb2,  # noqa: F401
    wrappers_pb2,  # noqa: F401
)

_Field = descriptor_pb2.FieldDescriptorProto


def repaired(files: Iterable[descriptor_pb2.FileDescriptorProto]) -> list[descriptor_pb2.FileDescriptorProto]:
    """Mended copies of the files (well-formed files come back equal to what they were)."""
    kept = []
    for original in files:
        if not _made_up_well_known(original):
            file = descriptor_pb2.FileDescriptorProto()
            file.CopyFrom(original)
            for message in file.message_type:
                _name_map_entries(message)
            kept.append(file)
    defined: dict[str, tuple[str, int]] = {}  # full name -> (its file, FieldDescriptorProto type)
    for file in kept:
        for name, kind in _symbols(file):
            defined.setdefault(name, (file.name, kind))
    for file in kept:
        _mend(file, defined)
    return kept


def _made_up_well_known(file: descriptor_pb2.FileDescriptorProto) -> bool:
    """A file of `google.protobuf` types that is not one of protobuf's own files, where protobuf knows every
    type it defines (their nested map entries may be misnamed)."""
    if file.package != "google.protobuf" or file.name.startswith("google/protobuf/"):
        return False
    prefix = "google.protobuf."
    names = [prefix + m.name for m in file.message_type] + [prefix + e.name for e in file.enum_type]
    return all(_well_known(name) is not None for name in names)


def _symbols(file: descriptor_pb2.FileDescriptorProto) -> Iterator[tuple[str, int]]:
    prefix = f"{file.package}." if file.package else ""
    for message in file.message_type:
        yield from _message_symbols(message, prefix)
    for enum in file.enum_type:
        yield prefix + enum.name, _Field.TYPE_ENUM


def _message_symbols(message: descriptor_pb2.DescriptorProto, prefix: str) -> Iterator[tuple[str, int]]:
    name = prefix + message.name
    yield name, _Field.TYPE_MESSAGE
    for nested in message.nested_type:
        yield from _message_symbols(nested, name + ".")
    for enum in message.enum_type:
        yield f"{name}.{enum.name}", _Field.TYPE_ENUM


def _mend(file: descriptor_pb2.FileDescriptorProto, defined: dict[str, tuple[str, int]]) -> None:
    """Makes every type name in `file` absolute, and adds the dependencies that takes."""
    needed: list[str] = []

    def resolve(type_name: str, scope: str) -> tuple[str, int] | None:
        found = _lookup(type_name, scope, defined)
        if found is None:
            return None
        full, (home, kind) = found
        if home != file.name and home not in needed:
            needed.append(home)
        return "." + full, kind

    def visit(message: descriptor_pb2.DescriptorProto, scope: str) -> None:
        here = f"{scope}.{message.name}" if scope else message.name
        for field in message.field:
            found = resolve(field.type_name, here) if field.type_name else None
            if found is None:
                continue  # protobuf names what it cannot resolve, in its own words
            field.type_name = found[0]
            if not field.HasField("type"):
                field.type = found[1]
        for nested in message.nested_type:
            visit(nested, here)

    for message in file.message_type:
        visit(message, file.package)
    for service in file.service:
        for method in service.method:
            for attribute in ("input_type", "output_type"):
                found = resolve(getattr(method, attribute), file.package)
                if found is not None:
                    setattr(method, attribute, found[0])
    for home in needed:
        if home not in file.dependency:
            file.dependency.append(home)


def _lookup(type_name: str, scope: str, defined: dict[str, tuple[str, int]]) -> tuple[str, tuple[str, int]] | None:
    """protobuf's scoping: `.a.B` is absolute; `B` is tried in the innermost scope first, then outward. A name
    no file here defines may be a well-known type, which protobuf's own files supply."""
    if type_name.startswith("."):
        candidates = [type_name[1:]]
    else:
        parts = scope.split(".") if scope else []
        candidates = [".".join([*parts[:n], type_name]) for n in range(len(parts), -1, -1)]
    for candidate in candidates:
        if candidate in defined:
            return candidate, defined[candidate]
        if candidate.startswith("google.protobuf."):
            known = _well_known(candidate)
            if known is not None:
                return candidate, known
    return None


def _well_known(full_name: str) -> tuple[str, int] | None:
    pool = descriptor_pool.Default()
    try:
        return pool.FindMessageTypeByName(full_name).file.name, _Field.TYPE_MESSAGE
    except KeyError:
        pass
    try:
        return pool.FindEnumTypeByName(full_name).file.name, _Field.TYPE_ENUM
    except KeyError:
        return None


def _name_map_entries(message: descriptor_pb2.DescriptorProto) -> None:
    """A map field's entry type must be named `<Field>Entry` (protobuf refuses the file otherwise)."""
    entries = {nested.name: nested for nested in message.nested_type if nested.options.map_entry}
    for field in message.field:
        if field.label != _Field.LABEL_REPEATED or not field.type_name:
            continue
        short = field.type_name.rsplit(".", 1)[-1]
        entry = entries.get(short)
        proper = _camel(field.name) + "Entry"
        if entry is None or short == proper:
            continue
        entry.name = proper
        field.type_name = field.type_name[: len(field.type_name) - len(short)] + proper
    for nested in message.nested_type:
        _name_map_entries(nested)


def _camel(name: str) -> str:
    """protobuf's ToCamelCase with the first letter capitalised: `stock_level` -> `StockLevel`."""
    words = name.split("_")
    return "".join(word[:1].upper() + word[1:] for word in words)
