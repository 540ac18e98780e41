"""A `.void` section's blocks read into one `Request`: the request, socket-request or gqlquery node and the
tables, bodies, auth, runtime variables and assertions around it; every block not run is named."""

from __future__ import annotations

import json
import re
from typing import Any

from voiden_lsp.document.model import (
    Header,
    Metadata,
    Problem,
    Range,
    Request,
    Severity,
    Span,
)
from voiden_lsp.formats.void.nodes import (
    child_nodes,
    default_content_type,
    file_links,
    file_name,
    media_type,
    node_text,
    with_query,
)
from voiden_lsp.formats.void.parts import PartsReader
from voiden_lsp.formats.void.sections import Section

#: Blocks that are part of a request this reader runs (or documentation it keeps as it is).
_RUN_BLOCKS = frozenset(
    {
        "request", "method", "url", "headers-table", "query-table", "path-table", "url-table", "multipart-table",
        "cookies-table", "options-table", "json_body", "xml_body", "yml_body", "restFile", "auth",
        "socket-request", "smethod", "surl", "proto", "runtime-variables", "fileLink", "table", "codeBlock",
        "assertions-table", "gqlquery", "gqlvariables", "mcp-connection", "mcpurl", "mcpoperation",
    }
)  # fmt: skip
_SCRIPTS: tuple[Severity, str] = ("warning", "a script (no document runs code here)")
#: Blocks the app writes that are not run, and how loudly to say so.
_NOT_RUN: dict[str, tuple[Severity, str]] = {
    "messages-node": ("info", "a recorded WebSocket session (the app's response panel)"),
    "grpc-messages-node": ("info", "a recorded gRPC session (the app's response panel)"),
    "pre_script": _SCRIPTS,
    "post_script": _SCRIPTS,
    "pre_request_block": _SCRIPTS,
    "post_request_block": _SCRIPTS,
    "tool": ("warning", "an MCP tool"),
    "toolparams": ("warning", "an MCP tool's parameters"),
    "openapispecLink": ("warning", "a link to an OpenAPI spec"),
    "stitch": ("warning", "a Stitch batch run (run the files with `voiden run`)"),
}
_JSONC_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*')


class RequestReader(PartsReader):
    """Reads a section into a request."""

    def _request(self, section: Section) -> Request | None:
        blocks = {node.get("type"): (node, where) for node, where in section.blocks}
        if "request" in blocks:
            node, where = blocks["request"]
            children = {child.get("type"): child for child in child_nodes(node)}
            method = node_text(children.get("method")).strip().upper() or "GET"
            url = node_text(children.get("url")).strip()
            request = Request(
                name="", protocol="http", attributes={}, range=where, info_range=self._first_line(where), method=method
            )
        elif "socket-request" in blocks:
            node, where = blocks["socket-request"]
            children = {child.get("type"): child for child in child_nodes(node)}
            written = node_text(children.get("smethod")).strip().lower()
            kind = written.replace("-", "")
            if "-" in written:
                self.problems.append(
                    Problem(
                        f"read the call type `{written}` as `{kind}` (the app writes some types hyphenated)",
                        where,
                        "info",
                        code="void-call-type",
                    )
                )
            url = node_text(children.get("surl")).strip()
            if kind in ("grpc", "grpcs"):
                request = Request(
                    name="", protocol="grpc", attributes={}, range=where, info_range=self._first_line(where)
                )
                if "://" not in url:
                    url = f"{kind}://{url}"
                self._proto(request, children.get("proto") or {}, where)
            else:
                request = Request(
                    name="", protocol="ws", attributes={}, range=where, info_range=self._first_line(where)
                )
        elif "gqlquery" in blocks:
            node, where = blocks["gqlquery"]
            request, url = self._gqlquery(node, where)
        elif "mcp-connection" in blocks:
            node, where = blocks["mcp-connection"]
            request, url = self._mcp(node, where, blocks.get("mcpoperation"))
        else:
            return None
        request.heading = section.heading
        for key, value in self._rows(blocks.get("path-table")):
            # the app's path parameters: `{id}` or `:id` in the URL's path
            url = url.replace("{" + key + "}", value)
            url = re.sub(rf"(?<=/):{re.escape(key)}(?=[/?#]|$)", value.replace("\\", "\\\\"), url)
        query = self._rows(blocks.get("query-table"))
        url = with_query(url, query)
        request.target = Span(url, self._line_of(url.split("?")[0], where))
        request.request_line_range = request.target.range
        for name, value in self._rows(blocks.get("headers-table")):
            _, where = blocks["headers-table"]
            request.headers.append(Header(name, Span(value, where), where, where))
        cookies = self._rows(blocks.get("cookies-table"))
        if cookies:
            _, where = blocks["cookies-table"]
            jar = "; ".join(f"{k}={v}" for k, v in cookies)
            request.headers.append(Header("Cookie", Span(jar, where), where, where))
        for key, value in self._rows(blocks.get("options-table")):
            if key == "follow_redirects" and value.strip().lower() in ("false", "no", "0", "off"):
                _, where = blocks["options-table"]
                request.metadata.append(Metadata("no-redirect", "", where, where))
        self._auth(request, blocks.get("auth"))
        self._captures(request, blocks.get("runtime-variables"))
        self._assertions(request, blocks.get("assertions-table"))
        for kind, content_type in (
            ("json_body", "application/json"),
            ("xml_body", "application/xml"),
            ("yml_body", "application/x-yaml"),
        ):
            if kind in blocks:
                node, where = blocks[kind]
                attrs = node.get("attrs") or {}
                raw = str(attrs.get("body") or "")
                body = _JSONC_COMMENT.sub(lambda m: m.group(1) or "", raw) if kind == "json_body" else raw
                request.body = Span(body, where, self._scalar_lines(raw, body, where))
                default_content_type(request, content_type, where)
                break
        form = self._rows(blocks.get("url-table"))
        if form and request.body is None:
            _, where = blocks["url-table"]
            request.body = Span("&".join(f"{k}={v}" for k, v in form), where)
            request.headers.append(
                Header("Content-Type", Span("application/x-www-form-urlencoded", where), where, where)
            )
        if request.body is None and "multipart-table" in blocks:
            self._multipart(request, blocks["multipart-table"])
        if request.body is None and "restFile" in blocks:
            node, where = blocks["restFile"]
            links = file_links(node)
            if links:
                request.body = Span(f"< {self._file_path(links[0], request)}", where)
                default_content_type(request, media_type(file_name(links[0])), where)
            else:
                self.problems.append(Problem("this file body names no file", where, "warning", code="void-body"))
        if request.protocol == "graphql":
            self._graphql_parts(request, blocks)
        self._check_url(request)
        # the request spans its section's blocks: completion and hover in the body find it
        ends = [w.end for _, w in section.blocks if w.start.line >= request.range.start.line]
        last = max(ends, key=lambda p: (p.line, p.character), default=request.range.end)
        if (last.line, last.character) > (request.range.end.line, request.range.end.character):
            request.range = Range(request.range.start, last)
        return request

    def _gqlquery(self, node: dict[str, Any], where: Range) -> tuple[Request, str]:
        """The app's GraphQL request: `gqlurl` + `gqlbody` children (`body`, `operationType`, `schemaFilePath`),
        or the older `gqlquery.attrs.body`. A subscription to an http(s) URL goes over WebSocket, as the app
        sends it."""
        children = {child.get("type"): child for child in child_nodes(node)}
        attrs = node.get("attrs") or {}
        body_attrs = (children.get("gqlbody") or {}).get("attrs") or {}
        url = (node_text(children.get("gqlurl")) or str(attrs.get("url") or "")).strip()
        request = Request(
            name="", protocol="graphql", attributes={}, range=where, info_range=self._first_line(where), method="POST"
        )
        raw = str(body_attrs.get("body") or attrs.get("body") or "")
        request.body = Span(raw.rstrip("\n"), where, self._scalar_lines(raw, raw.rstrip("\n"), where))
        kind = str(body_attrs.get("operationType") or attrs.get("operationType") or "").lower()
        if kind == "subscription" and not url.lower().startswith(("ws://", "wss://")):
            request.subscribe_over_websocket = True
            self.problems.append(
                Problem(
                    "a subscription is sent over WebSocket (graphql-transport-ws) at this URL's address",
                    where,
                    "info",
                    code="void-graphql-subscription",
                )
            )
        schema = body_attrs.get("schemaFilePath") or attrs.get("schemaFilePath")
        if schema:
            written = str(schema)
            request.metadata.append(
                Metadata("schema", written.lstrip("/") if written.startswith("/") else written, where, where)
            )
        return request, url

    def _mcp(
        self, node: dict[str, Any], where: Range, sibling: tuple[dict[str, Any], Range] | None
    ) -> tuple[Request, str]:
        """The app's MCP client block (research/peers-2026.md): `mcp-connection` holding `mcpurl` and
        `mcpoperation` (`capabilityType` tool|resource|prompt, `toolName` / `resourceUri` / `promptName`, `args`
        as JSON), read as an `mcp` request (FORMAT.md section 11)."""
        children = {child.get("type"): child for child in child_nodes(node)}
        url = node_text(children.get("mcpurl")).strip() or str((node.get("attrs") or {}).get("url") or "").strip()
        operation = children.get("mcpoperation") or (sibling[0] if sibling is not None else {})
        attrs = operation.get("attrs") or {}
        kind = str(attrs.get("capabilityType") or "tool").lower()
        named = {
            "tool": ("tools/call", "tools/list", attrs.get("toolName")),
            "resource": ("resources/read", "resources/list", attrs.get("resourceUri")),
            "prompt": ("prompts/get", "prompts/list", attrs.get("promptName")),
        }
        call, listing, name = named.get(kind, named["tool"])
        if kind not in named:
            self.problems.append(
                Problem(f"unknown MCP capability `{kind}`: read as a tool call", where, "warning", code="void-mcp")
            )
        rpc = f"{call} {str(name).strip()}" if name and str(name).strip() else listing
        request = Request(name="", protocol="mcp", attributes={}, range=where, info_range=self._first_line(where))
        request.rpc = Span(rpc, where)
        raw = attrs.get("args")
        text = raw if isinstance(raw, str) else json.dumps(raw) if isinstance(raw, dict) else ""
        if text.strip() and call != "resources/read":
            request.body = Span(text.rstrip("\n"), where, self._scalar_lines(text, text.rstrip("\n"), where))
        return request, url

    def _graphql_parts(self, request: Request, blocks: dict[Any, tuple[dict[str, Any], Range]]) -> None:
        from voiden_lsp.document import graphql

        if request.body is not None and request.body.text.strip():
            request.graphql = graphql.read(request.body)
            self.problems.extend(request.graphql.problems)
        if "gqlvariables" in blocks:
            node, where = blocks["gqlvariables"]
            raw = str((node.get("attrs") or {}).get("body") or "")
            if raw.strip():
                request.variables = Span(raw, where, self._scalar_lines(raw, raw, where))

    def _report_unrun(self, section: Section, request: Request | None) -> None:
        """A word for every block that is read but not run, instead of silence (or "no requests")."""
        for node, where in section.blocks:
            kind = str(node.get("type") or "")
            if kind in _RUN_BLOCKS:
                continue
            severity, what = _NOT_RUN.get(kind, ("info", f"a `{kind}` block, which this reader does not know"))
            self.problems.append(Problem(f"{what}: not run, kept as prose", where, severity, code="void-not-run"))

    def _check_url(self, request: Request) -> None:
        target = request.target
        if target is None or not target.text:
            self.problems.append(Problem("this request has no URL", request.range, code="void-url"))
            return
        url = target.text
        if request.protocol == "grpc":
            match = re.match(r"^grpcs?://[^/:]+:(\d+)", url)
            if match and (
                (url.startswith("grpcs://") and match.group(1) in ("80", "50051"))
                or (url.startswith("grpc://") and match.group(1) == "443")
            ):
                self.problems.append(
                    Problem(
                        "the Voiden app picks TLS by port; this request follows the URL's scheme instead",
                        target.range,
                        "info",
                        code="void-tls",
                    )
                )
