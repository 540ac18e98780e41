"""The reference SSE server: sse-starlette's EventSourceResponse under uvicorn (not our code's SSE).

/ticks?count=N&interval=MS   N events named `tick` with ids and JSON data, then the stream ends
/forever?interval=MS         `tick` events until the client goes
/lines                       one event whose data spans three lines, a comment, and a retry hint
/private                     401 unless `Authorization: Bearer letmein`
"""

import asyncio
import json

from sse_starlette.sse import EventSourceResponse, ServerSentEvent
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route


async def ticks(request: Request) -> Response:
    count = int(request.query_params.get("count", "3"))
    interval = int(request.query_params.get("interval", "10")) / 1000

    async def stream():
        for n in range(1, count + 1):
            yield ServerSentEvent(data=json.dumps({"n": n}), event="tick", id=str(n))
            await asyncio.sleep(interval)

    return EventSourceResponse(stream())


async def forever(request: Request) -> Response:
    interval = int(request.query_params.get("interval", "20")) / 1000

    async def stream():
        n = 0
        while True:
            n += 1
            yield ServerSentEvent(data=json.dumps({"n": n}), event="tick", id=str(n))
            await asyncio.sleep(interval)

    return EventSourceResponse(stream())


async def lines(request: Request) -> Response:
    async def stream():
        yield ServerSentEvent(comment="a comment the client ignores")
        yield ServerSentEvent(data="first\nsecond\nthird", event="poem", retry=1500)

    return EventSourceResponse(stream())


async def private(request: Request) -> Response:
    if request.headers.get("authorization") != "Bearer letmein":
        return PlainTextResponse("bad credential", status_code=401)

    async def stream():
        yield ServerSentEvent(data="welcome", event="hello")

    return EventSourceResponse(stream())


app = Starlette(
    routes=[Route("/ticks", ticks), Route("/forever", forever), Route("/lines", lines), Route("/private", private)]
)
