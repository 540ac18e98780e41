"""A gRPC server-reflection client (v1, falling back to v1alpha), and the schema cache per address."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from google.protobuf import descriptor_pb2
from grpc_reflection.v1alpha import reflection_pb2  # the official messages (protobuf only, no grpcio)
from grpclib.client import Channel

from voiden_lsp.errors import SchemaError
from voiden_lsp.schema import MethodInfo, Schema, compile_protos, load_protoset, repaired
from voiden_lsp.templating import ResolvedRequest
from voiden_lsp.templating.targets import Target
from voiden_lsp.transports.grpc_call import Call, ConnectFailed
from voiden_lsp.transports.grpc_channel import Metadata, explain_failure, open_channel, reflection_metadata
from voiden_lsp.transports.grpc_wire import Status

REFLECTION_TIMEOUT = 10.0
SCHEMA_LIMIT = 64 * 1024 * 1024
"""What one reflection answer may weigh (a schema is far larger than a request's messages)."""
_Request = reflection_pb2.ServerReflectionRequest
_Response = reflection_pb2.ServerReflectionResponse


class _Refused(Exception):
    def __init__(self, status: Status) -> None:
        super().__init__(status.message)
        self.status = status


async def reflect(
    channel: Channel,
    target: Target,
    metadata: Metadata,
    version: str = "auto",
    timeout: float | None = None,
) -> Schema:
    """The server's schema by reflection; `version` is `v1`, `v1alpha` or `auto` (v1, then v1alpha)."""
    versions = ["v1", "v1alpha"] if version == "auto" else [version]
    limit = timeout or REFLECTION_TIMEOUT
    for index, current in enumerate(versions):
        try:
            return await _reflect(channel, target, metadata, current, limit)
        except ConnectFailed as failed:
            raise SchemaError(
                explain_failure(failed.cause, target, timeout, "asking for its schema by reflection")
            ) from None
        except _Refused as refused:
            status = refused.status
            code = status.code
            if code == "UNIMPLEMENTED" and index + 1 < len(versions):
                continue
            if code == "UNIMPLEMENTED":
                offered = "grpc.reflection.v1 nor v1alpha" if version == "auto" else f"grpc.reflection.{version}"
                raise SchemaError(
                    f"the server at {target.address} does not offer server reflection ({offered}): "
                    "give its schema with `@proto FILE` (and `@import-path DIR`) or `@protoset FILE`"
                ) from None
            if code in ("UNAUTHENTICATED", "PERMISSION_DENIED"):
                raise SchemaError(
                    f"server reflection at {target.address} was refused ({code}: "
                    f"{status.message}): reflection calls carry the request's header lines; add the "
                    "credentials there, or as `@reflect-header Name: value`"
                ) from None
            if code == "DEADLINE_EXCEEDED":
                raise SchemaError(
                    explain_failure(TimeoutError(), target, timeout, "asking for its schema by reflection")
                ) from None
            if code == "UNAVAILABLE" and not status.from_server:
                raise SchemaError(
                    explain_failure(
                        ConnectionError(status.message), target, timeout, "asking for its schema by reflection"
                    )
                ) from None
            raise SchemaError(
                f"{code} from {target.address} while asking for its schema by reflection: {status.message}"
            ) from None
    raise AssertionError("unreachable")


async def _reflect(channel: Channel, target: Target, metadata: Metadata, version: str, timeout: float) -> Schema:
    # Each question is a call of its own (one request, one answer) rather than one long bidirectional call:
    # simpler, and a server's refusal of the first question is its status, not a broken stream.
    path = f"/grpc.reflection.{version}.ServerReflection/ServerReflectionInfo"

    async def ask(
        request: reflection_pb2.ServerReflectionRequest, about: str
    ) -> reflection_pb2.ServerReflectionResponse:
        call = Call(channel, path, metadata, timeout=timeout, receive_limit=SCHEMA_LIMIT)
        await call.start(request.SerializeToString(), end=True)
        try:
            if await call.initial() is not None:
                async for batch in call.batches():
                    response = _Response.FromString(batch[0])
                    break
                else:
                    status = await call.finish()
                    if status.ok:
                        raise SchemaError(
                            f"the server at {target.address} ended server reflection while asked for {about}"
                        )
                    raise _Refused(status)
            else:
                raise _Refused(await call.finish())
        finally:
            call.cancel()
        if response.HasField("error_response"):
            error = response.error_response
            raise SchemaError(
                f"server reflection could not resolve `{about}` "
                f"({'NOT_FOUND' if error.error_code == 5 else error.error_code}: "
                f"{error.error_message}); if the server's files import others it does not "
                "serve, use `@proto` with `@import-path`"
            )
        return response

    listed = await ask(_Request(list_services=""), "the list of services")
    services = [s.name for s in listed.list_services_response.service if not s.name.startswith("grpc.reflection.")]
    files: dict[str, descriptor_pb2.FileDescriptorProto] = {}

    def take(response: reflection_pb2.ServerReflectionResponse) -> None:
        for raw in response.file_descriptor_response.file_descriptor_proto:
            file = descriptor_pb2.FileDescriptorProto.FromString(raw)
            files.setdefault(file.name, file)

    for service in services:
        take(await ask(_Request(file_containing_symbol=service), service))
    wanted = {dep for f in list(files.values()) for dep in f.dependency} - set(files)
    while wanted:
        name = wanted.pop()
        if name.startswith("google/protobuf/"):
            continue  # the schema supplies well-known types itself when a server leaves them out
        take(await ask(_Request(file_by_filename=name), name))
        wanted |= {dep for f in list(files.values()) for dep in f.dependency} - set(files)
    return Schema(repaired(files.values()), f"the reflection of {target.address}")


@dataclass
class SchemaCache:
    """Schemas per address (and TLS, and reflection credentials), shared by every request, completion and
    diagnostic; `forget` refreshes on demand."""

    _schemas: dict[tuple[object, ...], Schema] = field(default_factory=dict)
    _locks: dict[tuple[object, ...], asyncio.Lock] = field(default_factory=dict)
    generation: int = 0
    """Changes whenever a schema is stored or forgotten (what was checked against the old ones is stale)."""

    def key(self, request: ResolvedRequest, target: Target) -> tuple[object, ...]:
        files = tuple(
            str(request.path(p)) for p in request.metadata.get("proto", []) + request.metadata.get("protoset", [])
        )
        # what reflection is asked with identifies the schema, but not a `{{$uuid}}` made afresh each time: with
        # it, every completion would miss the cache, ask the server again and store one more schema
        asked = tuple((k, v) for k, v in reflection_metadata(request) if k not in request.fresh_headers)
        return (target.address, target.tls, files, asked, request.meta("reflection"))

    def __len__(self) -> int:
        return len(self._schemas)

    def cached(self, request: ResolvedRequest, target: Target) -> Schema | None:
        return self._schemas.get(self.key(request, target))

    def forget(self, address: str | None = None) -> None:
        for key in [k for k in self._schemas if address is None or k[0] == address]:
            del self._schemas[key]
            self.generation += 1

    async def schema(self, request: ResolvedRequest, target: Target) -> Schema:
        key = self.key(request, target)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            if key not in self._schemas:
                self._schemas[key] = await self._load(request, target)
                self.generation += 1
            return self._schemas[key]

    async def method(self, request: ResolvedRequest, target: Target) -> tuple[Schema, MethodInfo]:
        """The schema and the request's method in it. A method missing from a reflection schema read earlier
        (another server now listens at that address, or the same one restarted with other services) reads the
        reflection once more before it is an error: what the server says now is the answer."""
        key = self.key(request, target)
        earlier = key in self._schemas
        schema = await self.schema(request, target)
        try:
            return schema, schema.method(request.rpc)
        except SchemaError:
            if not earlier or request.meta("protoset") or request.metadata.get("proto"):
                raise
        if self._schemas.get(key) is schema:
            del self._schemas[key]
            self.generation += 1
        schema = await self.schema(request, target)
        return schema, schema.method(request.rpc)

    async def _load(self, request: ResolvedRequest, target: Target) -> Schema:
        protoset = request.meta("protoset")
        if protoset:
            return await asyncio.to_thread(load_protoset, request.path(protoset))
        protos = request.metadata.get("proto", [])
        if protos:
            roots = [request.path(p) for p in request.metadata.get("import-path", [])]
            inside = request.root or request.base_dir or Path.cwd()
            return await asyncio.to_thread(compile_protos, [request.path(p) for p in protos], roots, inside)
        channel = open_channel(request, target)
        try:
            return await reflect(
                channel,
                target,
                reflection_metadata(request),
                request.meta("reflection") or "auto",
                request.timeout,
            )
        finally:
            channel.close()


SCHEMAS = SchemaCache()
