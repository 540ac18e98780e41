"""Schemas from files: `@protoset FILE` and `@proto FILE` (compiled at run time with grpcio-tools)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

from voiden_lsp.errors import SchemaError
from voiden_lsp.schema.model import Schema

PROTOC_EXTRA = "pip install 'voiden-lsp[protoc]' (grpcio-tools)"


def load_protoset(path: Path) -> Schema:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SchemaError(f"cannot read the protoset {path}: {exc.strerror or exc}") from None
    return Schema.from_descriptor_set(data, f"protoset {path.name}")


def compile_protos(protos: list[Path], import_paths: list[Path]) -> Schema:
    """Compile `.proto` files with grpcio-tools' protoc into a descriptor set ; blocking."""
    if importlib.util.find_spec("grpc_tools") is None:
        raise SchemaError(
            f"`@proto` needs the protoc compiler of grpcio-tools: {PROTOC_EXTRA}; or use server "
            "reflection (drop @proto) or a `@protoset` file"
        )
    missing = [p for p in protos if not p.is_file()]
    if missing:
        raise SchemaError(
            f"the proto file {missing[0]} does not exist (a relative path starts at the document's folder)"
        )
    roots = [*import_paths] or sorted({p.parent for p in protos})
    import grpc_tools

    bundled = Path(grpc_tools.__file__).parent / "_proto"  # google/protobuf/*.proto
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "set.pb"
        args = [
            sys.executable,
            "-m",
            "grpc_tools.protoc",
            "--include_imports",
            f"--descriptor_set_out={out}",
            *(f"-I{root}" for root in roots),
            f"-I{bundled}",
            *(str(_relative(p, roots)) for p in protos),
        ]
        result = subprocess.run(args, capture_output=True, text=True, timeout=60)
        if result.returncode != 0:
            detail = "; ".join(line.strip() for line in (result.stderr or result.stdout).splitlines() if line.strip())
            hint = (
                " (add the folder that holds the imports with `@import-path DIR`)"
                if "not found" in detail or "File not found" in detail
                else ""
            )
            raise SchemaError(f"protoc could not compile {', '.join(p.name for p in protos)}: {detail}{hint}")
        return Schema.from_descriptor_set(out.read_bytes(), f"proto {', '.join(p.name for p in protos)}")


def _relative(proto: Path, roots: list[Path]) -> Path:
    """protoc wants each file named relative to one of its import roots."""
    for root in roots:
        try:
            return proto.resolve().relative_to(root.resolve())
        except ValueError:
            continue
    raise SchemaError(f"{proto} is not under any `@import-path` ({', '.join(map(str, roots))})")
