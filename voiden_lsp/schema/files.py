"""Schemas from files: `@protoset FILE` and `@proto FILE` (compiled at run time with grpcio-tools)."""

from __future__ import annotations

import importlib.util
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

from voiden_lsp.errors import SchemaError
from voiden_lsp.schema.model import Schema

MAX_SCHEMA_FILE = 64 * 1024 * 1024
"""A protoset or .proto larger than this is refused: no document can make us read /dev/zero."""


def load_protoset(path: Path) -> Schema:
    _check_regular(path, "protoset")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SchemaError(f"cannot read the protoset {path}: {exc.strerror or exc}") from None
    return Schema.from_descriptor_set(data, f"protoset {path.name}")


def compile_protos(protos: list[Path], import_paths: list[Path], collection: Path) -> Schema:
    """Compile `.proto` files with grpcio-tools' protoc into a descriptor set; blocking.

    A document chooses these paths, so each argument handed to protoc is vetted: every file is an existing
    regular file inside the collection or an `@import-path`, every root an existing folder, all absolute,
    and no file's name from its root starts with `-` or `@` (protoc has no `--` separator: such a name
    would be read as an option, `--plugin=...` runs a program, or as a file of options)."""
    if importlib.util.find_spec("grpc_tools") is None:
        raise SchemaError(
            "`@proto` needs the protoc compiler of grpcio-tools, which voiden-lsp depends on but this Python "
            "lacks: reinstall voiden-lsp (`pip install --force-reinstall voiden-lsp`); or use server reflection "
            "(drop @proto) or a `@protoset` file"
        )
    for proto in protos:
        _check_regular(proto, "proto file")
    imports = [folder.resolve() for folder in import_paths]
    for folder, resolved in zip(import_paths, imports, strict=True):
        if not resolved.is_dir():
            raise SchemaError(f"the `@import-path` {folder} is not a folder")
    allowed = [collection.resolve(), *imports]
    for proto in protos:
        if not any(proto.resolve().is_relative_to(folder) for folder in allowed):
            raise SchemaError(
                f"the proto file {proto} lies outside the collection ({collection}): add its folder with "
                "`@import-path DIR`"
            )
    roots = imports or sorted({p.resolve().parent for p in protos})
    names = [_relative(p, roots) for p in protos]
    for name in names:
        if name.startswith(("-", "@")):
            raise SchemaError(
                f"the proto file name `{name}` starts with `{name[0]}`, which protoc would read as an option: "
                "rename the file"
            )
    import grpc_tools

    bundled = Path(grpc_tools.__file__).parent / "_proto"  # google/protobuf/*.proto
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "set.pb"
        args = [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            "--include_imports",
            f"--descriptor_set_out={out}",
            *(f"--proto_path={root}" for root in roots),
            f"--proto_path={bundled}",
            *names,
        ]
        result = subprocess.run(args, capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        if result.returncode != 0:
            detail = "; ".join(line.strip() for line in (result.stderr or result.stdout).splitlines() if line.strip())
            hint = (
                " (add the folder that holds the imports with `@import-path DIR`)"
                if "not found" in detail or "File not found" in detail
                else ""
            )
            raise SchemaError(f"protoc could not compile {', '.join(p.name for p in protos)}: {detail}{hint}")
        return Schema.from_descriptor_set(out.read_bytes(), f"proto {', '.join(p.name for p in protos)}")


def _check_regular(path: Path, what: str) -> None:
    """An existing regular file of a sane size (never a device, a FIFO or a folder)."""
    try:
        info = path.stat()
    except OSError:
        raise SchemaError(
            f"the {what} {path} does not exist (a relative path starts at the document's folder)"
        ) from None
    if not stat.S_ISREG(info.st_mode):
        raise SchemaError(f"the {what} {path} is not a regular file")
    if info.st_size > MAX_SCHEMA_FILE:
        raise SchemaError(f"the {what} {path} is larger than {MAX_SCHEMA_FILE // (1024 * 1024)} MB")


def _relative(proto: Path, roots: list[Path]) -> str:
    """protoc wants each file named relative to one of its import roots."""
    for root in roots:
        try:
            return proto.resolve().relative_to(root).as_posix()
        except ValueError:
            continue
    raise SchemaError(f"{proto} is not under any `@import-path` ({', '.join(map(str, roots))})")
