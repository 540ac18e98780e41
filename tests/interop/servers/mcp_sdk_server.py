"""An MCP server on the official Python SDK (`mcp` 2.x, MCPServer) over Streamable HTTP, written the SDK's way:
tools (one reporting progress and logging while it works, one failing), a prompt, a resource and a template.
`python mcp_sdk_server.py PORT [--json] [--stateless]`; prints `ready port PORT` once it listens."""

from __future__ import annotations

import asyncio
import sys
from typing import Literal

import uvicorn
from mcp.server.mcpserver import Context, MCPServer

server = MCPServer("voiden-test-weather", version="1.0.0")


@server.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@server.tool()
async def forecast(city: str, days: int, ctx: Context, unit: Literal["C", "F"] = "C") -> dict[str, object]:
    """A forecast for a city, reporting progress day by day."""
    for day in range(days):
        await ctx.report_progress(day + 1, days, f"day {day + 1}")
        await ctx.info(f"forecast for {city}: day {day + 1}")
        await asyncio.sleep(0.01)
    return {"city": city, "days": days, "unit": unit, "temperatures": [20 + d for d in range(days)]}


@server.tool()
def fail(reason: str) -> str:
    """Always fails with the reason."""
    raise ValueError(f"failed on purpose: {reason}")


@server.prompt()
def greet(name: str) -> str:
    """A greeting prompt."""
    return f"Say hello to {name}."


@server.resource("config://app")
def config() -> str:
    """The app's configuration."""
    return '{"mode": "test"}'


@server.resource("users://{user_id}/profile")
def profile(user_id: str) -> str:
    """A user's profile."""
    return f"profile of {user_id}"


def main() -> None:
    port = int(sys.argv[1])
    app = server.streamable_http_app(json_response="--json" in sys.argv, stateless_http="--stateless" in sys.argv)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
    instance = uvicorn.Server(config)

    async def serve() -> None:
        task = asyncio.create_task(instance.serve())
        while not instance.started:
            await asyncio.sleep(0.02)
        print(f"ready port {port}", flush=True)
        await task

    asyncio.run(serve())


if __name__ == "__main__":
    main()
