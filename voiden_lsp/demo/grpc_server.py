"""The demo route guide over gRPC (grpcio asyncio), with server reflection v1 and v1alpha.

It runs on its own event loop in a thread, so synchronous code (the CLI's demo, grpcurl tests, benchmarks)
and asynchronous tests use it alike. Messages are dynamic: built from `routeguide.protoset`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from importlib import resources
from typing import Any

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from google.protobuf.message import Message
from google.rpc import error_details_pb2, status_pb2
from grpc_reflection.v1alpha import _async as reflection_async
from grpc_reflection.v1alpha import reflection_pb2

from voiden_lsp.demo.background import BackgroundServer

SERVICE = "routeguide.RouteGuide"
REFLECTION_V1 = "grpc.reflection.v1.ServerReflection"
REFLECTION_V1ALPHA = "grpc.reflection.v1alpha.ServerReflection"


def demo_pool() -> descriptor_pool.DescriptorPool:
    data = resources.files("voiden_lsp.demo").joinpath("routeguide.protoset").read_bytes()
    pool = descriptor_pool.DescriptorPool()
    for file in descriptor_pb2.FileDescriptorSet.FromString(data).file:
        pool.Add(file)
    return pool


class _RouteGuide:
    def __init__(self, pool: descriptor_pool.DescriptorPool) -> None:
        self.pool = pool
        self.notes: dict[tuple[int, int], list[Message]] = {}

    def cls(self, name: str) -> type[Message]:
        result: type[Message] = message_factory.GetMessageClass(self.pool.FindMessageTypeByName(f"routeguide.{name}"))
        return result

    def feature(self, lat: int, lng: int) -> Message:
        feature = self.cls("Feature")(name=f"Feature at {lat},{lng}", kind=(abs(lat + lng) % 3) + 1)
        feature.location.latitude, feature.location.longitude = lat, lng
        feature.tags.extend(["demo", "route-guide"])
        feature.attributes["grid"] = f"{lat // 10}:{lng // 10}"
        feature.created_at.FromSeconds(1_700_000_000 + abs(lat * 1000 + lng))
        if lat % 2:
            feature.elevation_meters = abs(lat * 10)
        else:
            feature.description = "an even latitude"
        review = feature.reviews.add()
        review.stars, review.text = 4, "worth the walk"
        return feature

    async def GetFeature(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Message:
        metadata = list(context.invocation_metadata() or ())
        await context.send_initial_metadata((("x-served-by", "voiden-demo"),))
        echoed = [(k, v) for k, v in metadata if k == "x-request-id" or k.startswith("x-echo-")]
        if echoed:
            context.set_trailing_metadata(tuple(echoed))
        lat, lng = request.latitude, request.longitude
        if abs(lat) > 90 or abs(lng) > 180:
            await context.abort(
                grpc.StatusCode.OUT_OF_RANGE,
                f"no such place: {lat},{lng} (latitude -90..90, longitude -180..180)",
            )
        return self.feature(lat, lng)

    async def ListFeatures(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Message]:
        lo, hi = request.lo, request.hi
        count = 0
        for lat in range(min(lo.latitude, hi.latitude), max(lo.latitude, hi.latitude) + 1):
            for lng in range(min(lo.longitude, hi.longitude), max(lo.longitude, hi.longitude) + 1):
                if count >= 100:
                    return
                count += 1
                yield self.feature(lat, lng)

    async def RecordRoute(self, requests: AsyncIterator[Any], context: grpc.aio.ServicerContext[Any, Any]) -> Message:
        started = time.monotonic()
        points, distance, previous = 0, 0, None
        async for point in requests:
            points += 1
            if previous is not None:
                distance += abs(point.latitude - previous[0]) + abs(point.longitude - previous[1])
            previous = (point.latitude, point.longitude)
        summary = self.cls("RouteSummary")(point_count=points, feature_count=points, distance=distance)
        summary.elapsed_time.FromMilliseconds(int((time.monotonic() - started) * 1000))
        return summary

    async def RouteChat(
        self, requests: AsyncIterator[Any], context: grpc.aio.ServicerContext[Any, Any]
    ) -> AsyncIterator[Message]:
        async for note in requests:
            reply = self.cls("RouteNote")(message=f"echo: {note.message}")
            reply.location.CopyFrom(note.location)
            reply.sent_at.GetCurrentTime()
            yield reply

    async def Ticker(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> AsyncIterator[Message]:
        tick_class = self.cls("Tick")
        count = request.count or 10
        pause = 1 / request.rate if request.rate > 0 else 0
        symbol = request.symbol or "VOID"
        for seq in range(1, count + 1):
            tick = tick_class(seq=seq, symbol=symbol, price=100 + seq / 100)
            if pause:
                tick.time.GetCurrentTime()
                await asyncio.sleep(pause)
            yield tick

    async def Fail(self, request: Any, context: grpc.aio.ServicerContext[Any, Any]) -> Message:
        bad_request = error_details_pb2.BadRequest()
        violation = bad_request.field_violations.add()
        violation.field = request.field or "location.latitude"
        violation.description = request.reason or "must be between -90 and 90"
        info = error_details_pb2.ErrorInfo(reason="DEMO_FAILURE", domain="voiden.demo", metadata={"hint": "on purpose"})
        status = status_pb2.Status(code=grpc.StatusCode.INVALID_ARGUMENT.value[0], message="the demo fails on purpose")
        status.details.add().Pack(bad_request)
        status.details.add().Pack(info)
        context.set_trailing_metadata((("grpc-status-details-bin", status.SerializeToString()),))
        await context.abort(grpc.StatusCode.INVALID_ARGUMENT, "the demo fails on purpose")
        raise AssertionError("abort raises")


class _RequireToken(grpc.aio.ServerInterceptor):  # type: ignore[misc]
    """Every call, reflection included, needs `authorization: Bearer TOKEN` (reflection behind auth)."""

    def __init__(self, token: str) -> None:
        self.expected = f"Bearer {token}"

    async def intercept_service(
        self, continuation: Callable[[Any], Awaitable[Any]], handler_call_details: grpc.HandlerCallDetails
    ) -> Any:
        metadata = dict(handler_call_details.invocation_metadata or ())
        if metadata.get("authorization") == self.expected:
            return await continuation(handler_call_details)

        async def deny(requests: AsyncIterator[Any], context: grpc.aio.ServicerContext[Any, Any]) -> Any:
            # Read the first request before refusing: grpcio's server reports INTERNAL instead of the real
            # status now and then when it aborts while a request is still arriving.
            async for _ in requests:
                break
            await context.abort(grpc.StatusCode.UNAUTHENTICATED, "send authorization: Bearer <token>")

        return grpc.stream_stream_rpc_method_handler(deny)


class DemoGrpcServer(BackgroundServer):
    """`with DemoGrpcServer() as server:` serves on `server.address` (127.0.0.1, a free port)."""

    name = "voiden demo grpc"

    def __init__(
        self,
        *,
        reflection: str = "both",
        tls: tuple[bytes, bytes] | None = None,
        token: str | None = None,
        max_message_size: int | None = None,
        port: int = 0,
    ) -> None:
        super().__init__()
        self.reflection = reflection
        self.tls = tls
        self.token = token
        self.max_message_size = max_message_size
        self.port = port
        self._server: grpc.aio.Server | None = None

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        return f"{'grpcs' if self.tls else 'grpc'}://{self.address}"

    def _handlers(self, pool: descriptor_pool.DescriptorPool) -> list[grpc.GenericRpcHandler]:
        guide = _RouteGuide(pool)
        handlers: dict[str, grpc.RpcMethodHandler] = {}
        service = pool.FindServiceByName(SERVICE)
        factories = {
            (False, False): grpc.unary_unary_rpc_method_handler,
            (False, True): grpc.unary_stream_rpc_method_handler,
            (True, False): grpc.stream_unary_rpc_method_handler,
            (True, True): grpc.stream_stream_rpc_method_handler,
        }
        for method in service.methods:
            make = factories[(method.client_streaming, method.server_streaming)]
            input_class = message_factory.GetMessageClass(method.input_type)
            handlers[method.name] = make(
                getattr(guide, method.name),
                request_deserializer=input_class.FromString,
                response_serializer=lambda m: m.SerializeToString(),
            )
        result = [grpc.method_handlers_generic_handler(SERVICE, handlers)]
        names = [SERVICE]
        if self.reflection in ("both", "v1", "v1alpha"):
            versions = (
                [REFLECTION_V1, REFLECTION_V1ALPHA]
                if self.reflection == "both"
                else [REFLECTION_V1 if self.reflection == "v1" else REFLECTION_V1ALPHA]
            )
            names += versions
            servicer = reflection_async.ReflectionServicer(names, pool=pool)
            for version in versions:
                info = grpc.stream_stream_rpc_method_handler(
                    servicer.ServerReflectionInfo,
                    request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
                    response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
                )
                result.append(grpc.method_handlers_generic_handler(version, {"ServerReflectionInfo": info}))
        return result

    async def _start(self) -> None:
        options: list[tuple[str, int]] = [("grpc.so_reuseport", 0)]  # a port in use is an error, not shared
        if self.max_message_size is not None:
            options += [
                ("grpc.max_receive_message_length", self.max_message_size),
                ("grpc.max_send_message_length", self.max_message_size),
            ]
        interceptors = [_RequireToken(self.token)] if self.token else []
        server = grpc.aio.server(options=options, interceptors=interceptors)
        server.add_generic_rpc_handlers(self._handlers(demo_pool()))
        try:  # grpcio says a port in use with a RuntimeError (older versions returned 0)
            if self.tls is not None:
                key, cert = self.tls
                credentials = grpc.ssl_server_credentials([(key, cert)])
                self.port = server.add_secure_port(f"127.0.0.1:{self.port}", credentials)
            else:
                self.port = server.add_insecure_port(f"127.0.0.1:{self.port}")
        except RuntimeError:
            self.port = 0
        if not self.port:
            raise OSError("the gRPC demo server could not bind its port")
        await server.start()
        self._server = server

    async def _stop(self) -> None:
        if self._server is not None:
            await self._server.stop(grace=0.2)
