"""`voiden mcp [--root DIR] [--http [HOST:]PORT] [--allow-run] [--env E]`: the collection as an MCP server for
coding agents (FORMAT.md section 11), on the official SDK (`mcp`, imported only here: `pip install
'voiden-lsp[mcp]'`). The tools are the Agent's (sessions/agent.py): `list_requests` and `describe_request`
always; `run_request`, `run_tests` and one tool per request marked `@tool DESCRIPTION` with `--allow-run`.

Over stdio by default. With `--http`, Streamable HTTP on loopback only, with the SDK's DNS-rebinding guard
(`Host` and `Origin` must name the loopback) and a bearer token printed at start (or `VOIDEN_MCP_TOKEN`)."""

from __future__ import annotations

import asyncio
import hmac
import json
import os
import secrets
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from voiden_lsp.cli.output import EXIT_OK, EXIT_USAGE
from voiden_lsp.sessions.agent import Agent, AgentError

LOOPBACK = ("127.0.0.1", "localhost", "::1")
READ_ONLY = ("list_requests", "describe_request")

_DOCUMENT = {"type": "string", "description": "the document's path under the root, as list_requests shows it"}
_REQUEST = {"type": "string", "description": "the request's name"}
_ENV = {"type": "string", "description": "an environment of voiden.toml (default: the collection's)"}
_VARS = {
    "type": "object",
    "description": 'values for the variables the collection leaves undefined, e.g. {"user_id": "42"}',
    "additionalProperties": {"type": ["string", "number"]},
}
SCHEMAS: dict[str, tuple[str, dict[str, Any]]] = {
    "list_requests": (
        "The collection's API requests: document, request name, protocol and request line, one per request.",
        {"type": "object", "properties": {}},
    ),
    "describe_request": (
        "One request as it would be sent: method, URL, headers and body with variables resolved and secrets "
        "masked, and its expectations. Sends nothing.",
        {
            "type": "object",
            "properties": {"document": _DOCUMENT, "request": _REQUEST, "env": _ENV, "vars": _VARS},
            "required": ["document", "request"],
        },
    ),
    "run_request": (
        "Send one request (and the earlier requests of its document it refers to) and answer what came back: "
        "status, headers, body or a stream's messages, secrets masked, and its expectations' verdicts.",
        {
            "type": "object",
            "properties": {
                "document": _DOCUMENT,
                "request": _REQUEST,
                "env": _ENV,
                "vars": _VARS,
            },
            "required": ["document", "request"],
        },
    ),
    "run_tests": (
        "Run the collection's tests (every request's expectations), or those of the documents named: the tally "
        "and each failure.",
        {
            "type": "object",
            "properties": {"paths": {"type": "array", "items": _DOCUMENT, "description": "documents (default: all)"}},
        },
    ),
}


def serve(root: Path, *, http: str | None, allow_run: bool, env: str | None) -> int:
    try:
        import mcp_types  # noqa: F401
        from mcp.server.lowlevel import Server  # noqa: F401
    except ImportError:
        print(
            "voiden: `voiden mcp` needs the MCP SDK: pip install 'voiden-lsp[mcp]' (or `pip install mcp`)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if not root.is_dir():
        print(f"voiden: --root {root} is not a folder", file=sys.stderr)
        return EXIT_USAGE
    agent = Agent(root, env=env)
    if http is None:
        asyncio.run(_serve_stdio(agent, allow_run))
        return EXIT_OK
    host, _, port_text = http.rpartition(":")
    host = (host or "127.0.0.1").strip("[]")
    if host not in LOOPBACK:
        print(f"voiden: --http binds the loopback only (127.0.0.1, localhost, ::1), not {host}", file=sys.stderr)
        return EXIT_USAGE
    if not port_text.isdigit() or not 0 <= int(port_text) < 65536:
        print(f"voiden: --http takes [HOST:]PORT, not `{http}`", file=sys.stderr)
        return EXIT_USAGE
    token = os.environ.get("VOIDEN_MCP_TOKEN") or secrets.token_urlsafe(24)
    asyncio.run(_serve_http(agent, allow_run, host, int(port_text), token))
    return EXIT_OK


def _server(agent: Agent, allow_run: bool) -> Any:
    import mcp_types as types
    from mcp.server.lowlevel import Server

    from voiden_lsp import __version__

    def text_result(value: Any, *, error: bool = False) -> types.CallToolResult:
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, indent=1)
        structured = value if isinstance(value, dict) else {"items": value} if isinstance(value, list) else None
        return types.CallToolResult(
            content=[types.TextContent(text=text)], structured_content=structured, is_error=error
        )

    def tools() -> list[types.Tool]:
        names = [*READ_ONLY, *(("run_request", "run_tests") if allow_run else ())]
        found = [
            types.Tool(
                name=name,
                description=SCHEMAS[name][0],
                input_schema=SCHEMAS[name][1],
                annotations=types.ToolAnnotations(
                    read_only_hint=name in READ_ONLY, open_world_hint=name not in READ_ONLY
                ),
            )
            for name in names
        ]
        if allow_run:
            for tool in agent.request_tools():
                if tool.name in SCHEMAS:
                    continue  # a request may not shadow a built-in tool
                found.append(
                    types.Tool(
                        name=tool.name,
                        description=f"{tool.description} (runs `{tool.request}` of {tool.document})",
                        input_schema=tool.input_schema,
                        annotations=types.ToolAnnotations(open_world_hint=True),
                    )
                )
        return found

    async def list_tools(ctx: Any, params: Any) -> types.ListToolsResult:
        return types.ListToolsResult(tools=await asyncio.to_thread(tools))

    calls: dict[str, Callable[[dict[str, Any]], Awaitable[Any]]] = {
        "list_requests": lambda a: asyncio.to_thread(agent.list_requests),
        "describe_request": lambda a: asyncio.to_thread(
            agent.describe, a.get("document"), a.get("request"), a.get("env"), a.get("vars")
        ),
        "run_request": lambda a: agent.run(a.get("document"), a.get("request"), a.get("env"), a.get("vars")),
        "run_tests": lambda a: agent.run_tests(a.get("paths")),
    }

    async def call_tool(ctx: Any, params: Any) -> types.CallToolResult:
        name = params.name
        arguments = params.arguments or {}
        try:
            if not isinstance(arguments, dict):
                raise AgentError("the arguments are an object")
            if name in calls and (allow_run or name in READ_ONLY):
                return text_result(await calls[name](arguments))
            if name in calls or not allow_run:
                raise AgentError(f"`{name}` is not offered: `voiden mcp --allow-run` offers the tools that send")
            tool = next((t for t in await asyncio.to_thread(agent.request_tools) if t.name == name), None)
            if tool is None:
                raise AgentError(f"no tool `{name}`: tools/list shows them")
            unknown = sorted(set(arguments) - set(tool.input_schema["properties"]))
            if unknown:
                raise AgentError(f"`{name}` reads no variable {', '.join(unknown)}")
            return text_result(await agent.run(tool.document, tool.request, None, arguments))
        except AgentError as exc:
            return text_result(str(exc), error=True)

    return Server(
        "voiden",
        version=__version__,
        instructions="The API requests of this repository's voiden collection: list, describe"
        + (", run and test them." if allow_run else " them (voiden mcp --allow-run also runs them)."),
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )


async def _serve_stdio(agent: Agent, allow_run: bool) -> None:
    from mcp.server.stdio import stdio_server

    server = _server(agent, allow_run)
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


async def _serve_http(agent: Agent, allow_run: bool, host: str, port: int, token: str) -> None:
    import uvicorn

    server = _server(agent, allow_run)
    app = server.streamable_http_app(host=host)
    expected = f"Bearer {token}".encode()

    async def guarded(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, expected):
                await send(
                    {"type": "http.response.start", "status": 401, "headers": [(b"content-type", b"text/plain")]}
                )
                await send({"type": "http.response.body", "body": b"voiden mcp: a bearer token is required\n"})
                return
        await app(scope, receive, send)

    config = uvicorn.Config(guarded, host=host, port=port, log_level="warning", lifespan="on")
    instance = uvicorn.Server(config)
    task = asyncio.create_task(instance.serve())
    while not instance.started and not task.done():
        await asyncio.sleep(0.02)
    if instance.started:
        bound = instance.servers[0].sockets[0].getsockname()[1] if instance.servers else port
        shown = f"[{host}]" if ":" in host else host
        print(
            f"voiden mcp: http://{shown}:{bound}/mcp (tools that send: {'on' if allow_run else 'off'})\n"
            f"voiden mcp: token {token}  (send `Authorization: Bearer {token}`)",
            file=sys.stderr,
            flush=True,
        )
    await task
