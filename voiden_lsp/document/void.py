"""Documents of the Voiden app (`.void`): ```void fences holding one YAML node each, mapped onto the same
`Document` model. A first cut: requests (method, url), headers and query tables (disabled rows skipped),
JSON/XML/YAML bodies, bearer and API-key auth, WebSocket and gRPC socket requests, sections split by
`request-separator`. Both node shapes the app writes (simplified and raw ProseMirror) are read; blocks of
other types are kept as prose. Every request keeps the range of its blocks in the file."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from voiden_lsp.document.expect import OPERATOR_ALIASES, OPERATORS, UNARY, read_line
from voiden_lsp.document.model import (
    BadExpectation,
    Capture,
    Document,
    ExpectBlock,
    FrontMatter,
    Header,
    Metadata,
    Position,
    Problem,
    Range,
    Request,
    Severity,
    Span,
    split_lines,
    utf16_len,
)
from voiden_lsp.document.parser import _markdown, _Parser, safe_yaml, slugify

log = logging.getLogger(__name__)
_KEEP = "{}$:/@!,;=+'()*[].-_~"
#: Blocks that are part of a request this reader runs (or documentation it keeps as it is).
_RUN_BLOCKS = frozenset(
    {
        "request", "method", "url", "headers-table", "query-table", "path-table", "url-table", "multipart-table",
        "cookies-table", "options-table", "json_body", "xml_body", "yml_body", "restFile", "auth",
        "socket-request", "smethod", "surl", "proto", "runtime-variables", "fileLink", "table", "codeBlock",
        "assertions-table", "gqlquery", "gqlvariables",
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
    "mcp-connection": ("warning", "an MCP connection"),
    "mcpoperation": ("warning", "an MCP operation"),
    "openapispecLink": ("warning", "a link to an OpenAPI spec"),
    "stitch": ("warning", "a Stitch batch run (run the files with `voiden run`)"),
}
_JSONC_COMMENT = re.compile(r'("(?:\\.|[^"\\])*")|//[^\n]*')


#: Reads a file of the collection by its root-relative path (`/blocks/auth.void`); None if there is none.
LoadFile = Callable[[str], "str | None"]
MAX_LINK_DEPTH = 10
BOUNDARY = "voiden-form-boundary"
"""Of the multipart bodies a `multipart-table` becomes."""


INHERITED_FILE = ".voiden-inherited.void"
_NEVER_INHERITED = {"request-separator", "linkedBlock", "linkedFile"}


def parse_void(
    text: str, load: LoadFile | None = None, inherited: list[str] | None = None, root: str = ".", path: str = ""
) -> Document:
    """Parse a `.void` document. `load` resolves `linkedBlock`s and `linkedFile`s (without it they are reported
    unresolved); `inherited` are the texts of the `.voiden-inherited.void` files above it, closest first;
    `root` is the collection root as a path from the document's folder (the app's file paths start there), and
    `path` the document's own path from the root (`/api/users.void`: a link back to it is a cycle).
    Never raises: an internal failure becomes a problem."""
    try:
        return _VoidReader(text, load, inherited or [], root, frozenset({path} - {""})).read()
    except Exception as exc:  # the contract is totality
        log.exception("void reader failed")
        return Document(text, problems=[Problem(f"internal .void reader error: {exc}", Range.of(0, 0))])


def parse_document(
    text: str,
    name: str,
    load: LoadFile | None = None,
    inherited: list[str] | None = None,
    root: str = ".",
    path: str = "",
) -> Document:
    """The reader the file's name calls for: `.void` files are the app's, everything else `.voiden`."""
    if name.endswith(".void"):
        return parse_void(text, load, inherited, root, path)
    from voiden_lsp.document.parser import parse

    return parse(text)


@dataclass
class _Section:
    label: str | None = None
    heading: str | None = None
    blocks: list[tuple[dict[str, Any], Range]] = field(default_factory=list)
    uid: str = ""
    """The uid of the `request-separator` that starts it (what a `linkedFile`'s `sectionUid` names)."""


class _VoidReader:
    def __init__(
        self,
        text: str,
        load: LoadFile | None = None,
        inherited: list[str] | None = None,
        root: str = ".",
        linked_from: frozenset[str] = frozenset(),
    ) -> None:
        self.text = text
        self.load = load
        self.root = root
        """The collection root as a path from the document's folder: the app's file paths start there."""
        self.linked_from = linked_from
        """The files whose `linkedFile` blocks led here (a cycle is reported, not followed)."""
        self.inherited = [_void_nodes(t) for t in inherited or []]
        self.lines = split_lines(text)
        self.problems: list[Problem] = []
        self.block_ranges: dict[str, list[Range]] = {}
        """Every fence each request was read from (for `voiden convert`)."""

    def read(self) -> Document:
        front_matter, sections = self._read_sections()
        doc = Document(self.text, front_matter=front_matter, problems=self.problems)
        taken: set[str] = set()
        for index, section in enumerate(sections, start=1):
            try:
                self._inherit(section)
                request = self._request(section)
                self._report_unrun(section, request)
            except Exception as exc:  # one unreadable section must not cost the document its others
                log.error("a .void section could not be read: %r", exc)
                where = section.blocks[0][1] if section.blocks else Range.of(0, 0)
                self.problems.append(Problem(f"this section could not be read ({exc})", where, code="void-internal"))
                continue
            if request is None:
                continue
            base_name = slugify(section.label or section.heading or "") or f"request-{index}"
            name, n = base_name, 2
            while name in taken:
                name, n = f"{base_name}-{n}", n + 1
            request.name = name
            taken.add(name)
            doc.requests.append(request)
            for block in request.expects:
                block.request = name
                doc.expects.append(block)
            self.block_ranges[name] = [where for _, where in section.blocks]
        return doc

    def _read_sections(self) -> tuple[FrontMatter | None, list[_Section]]:
        base = _Parser(text=self.text)
        base.source_lines = self.lines
        front_matter, md_text = base._front_matter()
        self.problems += base.problems
        return front_matter, self._sections(md_text.replace("%%EMPTY_LINE%%", ""))

    def _sections(self, md_text: str) -> list[_Section]:
        import yaml

        sections = [_Section()]
        heading: str | None = None
        tokens = _markdown().parse(md_text)
        for index, token in enumerate(tokens):
            if token.type == "heading_open" and index + 1 < len(tokens):
                heading = tokens[index + 1].content.strip()
                if not sections[-1].blocks:
                    sections[-1].heading = heading
                continue
            if token.type != "fence" or token.info.strip() != "void" or not token.map:
                continue
            start, end = token.map[0], token.map[1] - 1
            where = Range(
                Position(start, 0), Position(end, utf16_len(self.lines[end] if end < len(self.lines) else ""))
            )
            body = token.content
            if not body.startswith("---"):
                self.problems.append(
                    Problem(
                        "a void block without its `---` lines: the Voiden app 2.1.1 does not read it",
                        where,
                        "warning",
                        code="void-shape",
                    )
                )
            body = body.strip().removeprefix("---").removesuffix("---")
            try:
                node = _normalized(safe_yaml(body))
            except (yaml.YAMLError, ValueError, RecursionError, OverflowError) as exc:
                self.problems.append(
                    Problem(
                        f"this void block is not YAML ({getattr(exc, 'problem', None) or exc}): it is kept as prose",
                        where,
                        "warning",
                        code="void-yaml",
                    )
                )
                continue
            if not isinstance(node, dict):
                continue
            if node.get("type") == "request-separator":
                attrs = node.get("attrs") or {}
                label = str(attrs.get("label") or "") or None
                sections.append(_Section(label=label, heading=heading, uid=str(attrs.get("uid") or "")))
                continue
            if node.get("type") == "linkedFile":
                sections += self._linked_file(node, where)
                sections.append(_Section(heading=heading))  # blocks after the link are a section of their own
                continue
            if node.get("type") == "linkedBlock":
                linked = self._resolve(node, where, 0, frozenset())
                if linked is not None:
                    sections[-1].blocks.append((linked, where))
                continue
            sections[-1].blocks.append((node, where))
        return sections

    def _linked_file(self, node: dict[str, Any], where: Range) -> list[_Section]:
        """The sections of another file of the collection (`attrs.originalFile`), all of them or the one whose
        separator is `attrs.sectionUid`; they run as part of this document, on the link's lines."""
        attrs = node.get("attrs") or {}
        path, uid = str(attrs.get("originalFile") or ""), str(attrs.get("sectionUid") or "")
        if path in self.linked_from or len(self.linked_from) >= MAX_LINK_DEPTH:
            what = "a cycle" if path in self.linked_from else f"more than {MAX_LINK_DEPTH} links deep"
            self.problems.append(
                Problem(f"the linked file {path} is {what}: it is not read again", where, "warning", code="void-link")
            )
            return []
        text = self.load(path) if self.load is not None and path else None
        if text is None:
            self.problems.append(
                Problem(
                    f"the linked file {path or '(none)'} is not found in the collection",
                    where,
                    "warning",
                    code="void-link",
                )
            )
            return []
        reader = _VoidReader(text, self.load, None, self.root, self.linked_from | {path})
        _, sections = reader._read_sections()
        if uid:
            sections = [section for section in sections if section.uid == uid]
            if not sections:
                self.problems.append(Problem(f"{path} has no section {uid}", where, "warning", code="void-link"))
        self.problems += [
            Problem(f"{path}: {p.message}", where, p.severity, p.code)
            for p in reader.problems
            if p.severity == "error" or p.code == "void-link"
        ]
        for section in sections:
            section.blocks = [(block, where) for block, _ in section.blocks]
        return sections

    def _inherit(self, section: _Section) -> None:
        """The app's inheritance: a block type the section lacks comes from the closest ancestor that has it;
        an `auth` of `inherit`/`none` counts as absent; separators and links are never inherited."""
        if not self.inherited or not any(n.get("type") in ("request", "socket-request") for n, _ in section.blocks):
            return
        present = {n.get("type") for n, _ in section.blocks if not _inheritable_auth(n)}
        section.blocks = [(n, w) for n, w in section.blocks if not _inheritable_auth(n)]
        where = section.blocks[0][1]
        for nodes in self.inherited:  # closest first
            for node in nodes:
                kind = node.get("type")
                if kind in present or kind in _NEVER_INHERITED:
                    continue
                section.blocks.append((node, where))
                present.add(kind)

    def _resolve(
        self, node: dict[str, Any], where: Range, depth: int, seen: frozenset[tuple[str, str]]
    ) -> dict[str, Any] | None:
        """The block a `linkedBlock` points at (`attrs.originalFile`, `attrs.blockUid`), read from disk."""
        attrs = node.get("attrs") or {}
        path, uid = str(attrs.get("originalFile") or ""), str(attrs.get("blockUid") or "")
        if (path, uid) in seen or depth >= MAX_LINK_DEPTH:
            what = "a cycle" if (path, uid) in seen else f"more than {MAX_LINK_DEPTH} links deep"
            self.problems.append(Problem(f"the linked block {uid} of {path} is {what}", where, code="void-link"))
            return None
        text = self.load(path) if self.load is not None and path else None
        if text is None:
            self.problems.append(
                Problem(
                    f"the linked block's file {path or '(none)'} is not found in the collection",
                    where,
                    "warning",
                    code="void-link",
                )
            )
            return None
        found = next((n for n in _void_nodes(text) if (n.get("attrs") or {}).get("uid") == uid), None)
        if found is None:
            self.problems.append(Problem(f"{path} has no block {uid}", where, "warning", code="void-link"))
            return None
        if found.get("type") == "linkedBlock":
            return self._resolve(found, where, depth + 1, seen | {(path, uid)})
        return found

    def _request(self, section: _Section) -> Request | None:
        blocks = {node.get("type"): (node, where) for node, where in section.blocks}
        if "request" in blocks:
            node, where = blocks["request"]
            children = {child.get("type"): child for child in _children(node)}
            method = _text(children.get("method")).strip().upper() or "GET"
            url = _text(children.get("url")).strip()
            request = Request(
                name="", protocol="http", attributes={}, range=where, info_range=self._first_line(where), method=method
            )
        elif "socket-request" in blocks:
            node, where = blocks["socket-request"]
            children = {child.get("type"): child for child in _children(node)}
            written = _text(children.get("smethod")).strip().lower()
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
            url = _text(children.get("surl")).strip()
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
        else:
            return None
        request.heading = section.heading
        for key, value in self._rows(blocks.get("path-table")):
            # the app's path parameters: `{id}` or `:id` in the URL's path
            url = url.replace("{" + key + "}", value)
            url = re.sub(rf"(?<=/):{re.escape(key)}(?=[/?#]|$)", value.replace("\\", "\\\\"), url)
        query = self._rows(blocks.get("query-table"))
        url = _with_query(url, query)
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
                _default_content_type(request, content_type, where)
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
            links = _file_links(node)
            if links:
                request.body = Span(f"< {self._file_path(links[0], request)}", where)
                _default_content_type(request, _media_type(_file_name(links[0])), where)
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
        children = {child.get("type"): child for child in _children(node)}
        attrs = node.get("attrs") or {}
        body_attrs = (children.get("gqlbody") or {}).get("attrs") or {}
        url = (_text(children.get("gqlurl")) or str(attrs.get("url") or "")).strip()
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

    def _multipart(self, request: Request, block: tuple[dict[str, Any], Range]) -> None:
        """A `multipart-table` as a multipart body: a part per text row and per file (a file row may link
        several); files are `< path` lines, sent from disk."""
        _, where = block
        parts: list[str] = []
        for key, value in self._cells(block):
            links = _file_links(value)
            if not links:
                parts += [f"--{BOUNDARY}", f'Content-Disposition: form-data; name="{key}"', "", _value_text(value)]
            for link in links:
                filename = _file_name(link)
                parts += [
                    f"--{BOUNDARY}",
                    f'Content-Disposition: form-data; name="{key}"; filename="{filename}"',
                    f"Content-Type: {_media_type(filename)}",
                    "",
                    f"< {self._file_path(link, request)}",
                ]
        if not parts:
            return
        request.body = Span("\n".join([*parts, f"--{BOUNDARY}--"]), where)
        _default_content_type(request, f"multipart/form-data; boundary={BOUNDARY}", where)

    def _file_path(self, link: dict[str, Any], request: Request) -> str:
        """A `fileLink`'s file as a `< path` line needs it: from the document's folder (the app writes paths
        from the collection root, with a leading `/`), or as written when it is outside the project (the
        one case where a file outside the collection may be sent)."""
        path = str(link.get("filePath") or "")
        if link.get("isExternal"):
            request.external_files = request.external_files | {path}
            return path
        return f"{self.root.rstrip('/') or '.'}/{path.lstrip('/')}"

    def _captures(self, request: Request, block: tuple[dict[str, Any], Range] | None) -> None:
        """`runtime-variables`: `[name, "{{$res.body.token}}"]` rows, or the newer `attrs.rows` of
        `{key, value, enabled}`; each is captured after the response, as `{{process.NAME}}`."""
        if block is None:
            return
        node, where = block
        rows = list(self._rows(block))
        for row in (node.get("attrs") or {}).get("rows") or []:
            if isinstance(row, dict) and row.get("enabled", True) is not False and row.get("key"):
                rows.append((str(row["key"]), _value_text(row.get("value"))))
        for name, written in rows:
            source = written.strip().removeprefix("{{").removesuffix("}}").strip()
            if not source.startswith(("$res", "$req")):
                self.problems.append(
                    Problem(
                        f"the runtime variable `{name}` captures `{written}`: write `{{{{$res.body.PATH}}}}`, "
                        "`{{$res.status}}`, `{{$res.headers.NAME}}` or `{{$req.url}}`",
                        where,
                        "warning",
                        code="void-capture",
                    )
                )
                continue
            request.captures.append(Capture(name.strip(), source, where))

    def _assertions(self, request: Request, block: tuple[dict[str, Any], Range] | None) -> None:
        """`assertions-table` rows `[description, field, operator, expected]` as expectations (FORMAT.md
        section 8): the app's field names, its operator aliases, an operator written at the end of the field."""
        if block is None:
            return
        _, where = block
        expects = ExpectBlock(where, self._first_line(where))
        searched = where.start.line
        for cells in ([_value_text(cell) for cell in row] for row in _table_rows(block[0])):
            description, field_text, operator, expected = [*cells, "", "", "", ""][:4]
            if not field_text or (field_text.lower() == "field" and operator.lower() == "operator"):
                continue  # an empty row the table editor left, or a header row
            # rows are found in order: the next line naming the row's description (else its field)
            rest = Range(Position(searched, 0), where.end)
            line = self._line_of(description or field_text, rest)
            if line == self._first_line(rest) and (description or field_text) not in self.lines[searched]:
                line = self._line_of(field_text, where)
            else:
                searched = min(line.start.line + 1, where.end.line)
            try:
                text = _assertion_line(field_text, operator, expected)
                expects.expectations.append(read_line(text, lambda start, end, at=line: at, request.protocol))
            except ValueError as exc:
                expects.bad.append(BadExpectation(field_text, line, f"assertion `{description}`: {exc}"))
        for bad in expects.bad:
            self.problems.append(Problem(bad.message, bad.range, code="bad-expectation"))
        request.expects.append(expects)

    def _report_unrun(self, section: _Section, request: Request | None) -> None:
        """A word for every block that is read but not run, instead of silence (or "no requests")."""
        for node, where in section.blocks:
            kind = str(node.get("type") or "")
            if kind in _RUN_BLOCKS:
                continue
            severity, what = _NOT_RUN.get(kind, ("info", f"a `{kind}` block, which this reader does not know"))
            self.problems.append(Problem(f"{what}: not run, kept as prose", where, severity, code="void-not-run"))

    def _proto(self, request: Request, proto: dict[str, Any], where: Range) -> None:
        """The `proto` node, in the names the app's UI writes (`selectedService`, `selectedMethod`,
        `packageName`, `filePath`) or those its headless runner reads (`service`, `method`, `package`,
        `protoFilePath`)."""
        attrs = proto.get("attrs") or {}

        def first(*names: str) -> str:
            return next((str(attrs[n]).strip() for n in names if attrs.get(n)), "")

        service, method = first("selectedService", "service"), first("selectedMethod", "method")
        package = first("packageName", "package")
        file_path = first("filePath", "protoFilePath")
        if file_path:  # from the collection root; an absolute path is the app's "out of the project" case
            path = file_path if file_path.startswith("/") else f"{self.root.rstrip('/') or '.'}/{file_path}"
            request.metadata.append(Metadata("proto", path, where, where))
        call_type = first("callType")
        if "-" in call_type:
            self.problems.append(
                Problem(
                    f"read the call type `{call_type}` as `{call_type.replace('-', '_')}`: the app's own runs "
                    "switch on the underscore spelling",
                    where,
                    "warning",
                    code="void-call-type",
                )
            )
        if package and service and not service.startswith(f"{package}."):
            service = f"{package}.{service}"
        if not (service and method):
            self.problems.append(Problem("this gRPC request names no service and method", where, code="void-grpc"))
            return
        request.rpc = Span(f"{service}/{method}", where)
        if "." not in service:
            self.problems.append(
                Problem(
                    f"the service `{service}` has no package: if the proto declares one, reflection knows it as "
                    f"`package.{service}` (the app writes it as `packageName`)",
                    where,
                    "warning",
                    code="void-proto-package",
                )
            )

    def _auth(self, request: Request, block: tuple[dict[str, Any], Range] | None) -> None:
        if block is None:
            return
        node, where = block
        kind = str((node.get("attrs") or {}).get("authType") or "")
        values = dict(self._rows(block))
        if kind == "bearer":
            token = values.get("token") or values.get("Token") or next(iter(values.values()), "")
            request.headers.append(Header("Authorization", Span(f"Bearer {token}", where), where, where))
        elif kind == "basic":  # sent as `Basic user:password`, which is encoded when sent
            user = values.get("username") or values.get("Username") or ""
            password = values.get("password") or values.get("Password") or ""
            request.headers.append(Header("Authorization", Span(f"Basic {user}:{password}", where), where, where))
        elif kind == "apiKey":
            key = values.get("key") or values.get("Key") or "X-API-Key"
            value = values.get("value") or values.get("Value") or ""
            place = next((values[n] for n in ("add_to", "addTo", "in", "Add to") if values.get(n)), "header")
            place = place.strip().lower().replace("_", "").replace(" ", "")
            if place.startswith("query") and request.target is not None:
                request.target = Span(_with_query(request.target.text, [(key, value)]), request.target.range)
            else:
                if place not in ("header", "headers"):
                    self.problems.append(
                        Problem(
                            f"an apiKey added to `{place}` is not supported: it is sent as the header `{key}`",
                            where,
                            "warning",
                            code="void-auth",
                        )
                    )
                request.headers.append(Header(key, Span(value, where), where, where))
        elif kind not in ("", "none", "inherit"):
            self.problems.append(
                Problem(
                    f"`{kind}` auth from a .void file is not sent yet: add the header by hand",
                    where,
                    "warning",
                    code="void-auth",
                )
            )

    def _rows(self, block: tuple[dict[str, Any], Range] | None) -> list[tuple[str, str]]:
        """Enabled `[key, value]` rows of a table block, in either shape (a third column is a note)."""
        return [(key, _value_text(value)) for key, value in self._cells(block)]

    def _cells(self, block: tuple[dict[str, Any], Range] | None) -> list[tuple[str, Any]]:
        """Enabled rows of a table block as (key, the value cell as written), in either shape; a row with no
        name is an empty row the table editor left (2.3 writes null cells)."""
        if block is None:
            return []
        return [
            (key, cells[1]) for cells in _table_rows(block[0]) if len(cells) >= 2 and (key := _value_text(cells[0]))
        ]

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

    def _first_line(self, where: Range) -> Range:
        line = where.start.line
        return Range(Position(line, 0), Position(line, utf16_len(self.lines[line]) if line < len(self.lines) else 0))

    def _scalar_lines(self, raw: str, text: str, where: Range) -> tuple[Position, ...]:
        """Where each line of a YAML block scalar (`body: |-`) starts in the file, so positions inside a
        body map both ways; () when the value was written another way (quoted, flow) or lines moved."""
        lines = raw.split("\n")
        if not raw.strip() or text.count("\n") != len(lines) - 1:
            return ()
        first = lines[0]
        for k in range(where.start.line, min(where.end.line + 1, len(self.lines))):
            candidate = self.lines[k]
            if not first or not candidate.endswith(first) or candidate[: len(candidate) - len(first)].strip():
                continue
            indent = len(candidate) - len(first)
            if k + len(lines) > len(self.lines):
                return ()
            if all(
                (self.lines[k + i][indent:] == line and not self.lines[k + i][:indent].strip())
                or (line == "" and not self.lines[k + i].strip())
                for i, line in enumerate(lines)
            ):
                column = utf16_len(candidate[:indent])
                return tuple(Position(k + i, column) for i in range(len(lines)))
        return ()

    def _line_of(self, needle: str, where: Range) -> Range:
        """The range of `needle` on its line inside a block (the block's first line when it is not found)."""
        for line in range(where.start.line, where.end.line + 1):
            text = self.lines[line] if line < len(self.lines) else ""
            column = text.find(needle) if needle else -1
            if column >= 0:
                start = utf16_len(text[:column])
                return Range(Position(line, start), Position(line, start + utf16_len(needle)))
        return self._first_line(where)


def _void_nodes(text: str) -> list[dict[str, Any]]:
    """The YAML nodes of every ```void fence of a file (the unreadable ones skipped)."""
    import yaml

    nodes = []
    for match in re.finditer(r"^```void\n(.*?)^```", text, re.DOTALL | re.MULTILINE):
        try:
            node = _normalized(safe_yaml(match.group(1).strip().removeprefix("---").removesuffix("---")))
        except (yaml.YAMLError, ValueError, RecursionError, OverflowError):
            continue
        if isinstance(node, dict):
            nodes.append(node)
    return nodes


def _normalized(node: Any) -> Any:
    """The shapes the reader relies on, whatever a truncated or hand-edited file holds: `attrs` is a mapping
    and a `content` list holds nodes (mappings)."""
    if isinstance(node, dict):
        for key, value in list(node.items()):
            if key == "attrs" and not isinstance(value, dict):
                node[key] = {}
            elif key == "content" and isinstance(value, list):
                node[key] = [_normalized(item) for item in value if isinstance(item, dict)]
            else:
                node[key] = _normalized(value)
    elif isinstance(node, list):
        return [_normalized(item) for item in node]
    return node


def _inheritable_auth(node: dict[str, Any]) -> bool:
    return node.get("type") == "auth" and str((node.get("attrs") or {}).get("authType") or "") in ("inherit", "none")


def _with_query(url: str, pairs: list[tuple[str, str]]) -> str:
    """`url` with `pairs` appended to its query, encoded as a URL needs them (spaces and the like), templates
    left intact."""
    if not pairs:
        return url
    joined = "&".join(f"{quote(k, safe=_KEEP)}={quote(v, safe=_KEEP)}" for k, v in pairs)
    return f"{url}{'&' if '?' in url else '?'}{joined}"


_APP_FIELDS = {"status": "status", "statuscode": "status", "responsetime": "time", "duration": "time", "body": "body"}
_NOT_THERE = ("n/a", "null", "")


def _assertion_line(field_text: str, operator: str, expected: str) -> str:
    """An app assertion row as an expect line; a ValueError says what cannot be checked."""
    words = field_text.split()
    if not operator.strip() and len(words) > 1 and words[-1].lower() in OPERATOR_ALIASES:
        operator, words = words[-1], words[:-1]  # `status equals`
    written = " ".join(words)
    op = OPERATOR_ALIASES.get(operator.strip().lower())
    if op is None:
        raise ValueError(f"unknown operator `{operator}`: use one of {', '.join(sorted(OPERATORS))}")
    subject = _app_subject(written)
    if op in UNARY:
        return f"{subject} {op}"
    value = expected.strip()
    if value.lower() in _NOT_THERE and op != "equals":
        raise ValueError(f"`{operator}` needs an expected value")
    if subject == "time" and re.fullmatch(r"\d+(\.\d+)?", value):
        value += "ms"
    elif op != "matches" and not _is_literal(value):
        value = json.dumps(value, ensure_ascii=False)  # the app's cells are plain text: `Hello world`
    return f"{subject} {op} {value}"


def _app_subject(written: str) -> str:
    lowered = written.lower()
    if lowered.startswith("response."):
        written, lowered = written[len("response.") :], lowered[len("response.") :]
    if lowered in _APP_FIELDS:
        return _APP_FIELDS[lowered]
    for prefix in ("headers.", "header."):
        if lowered.startswith(prefix):
            name = written[len(prefix) :]
            if name.lower().startswith("set-cookie."):
                raise ValueError(
                    "a cookie's assertion (`header.set-cookie.NAME`) is not checked yet: "
                    "use `header set-cookie contains NAME=`"
                )
            return f"header {name}"
    if lowered == "statustext":
        raise ValueError("HTTP/2 and gRPC have no status text: assert on `status`")
    if lowered.startswith("requestheader."):
        raise ValueError("a request header is what was sent, not an answer: assert on the response")
    if lowered.startswith("body.") or lowered.startswith("body["):
        return written
    return "body" + (written if written.startswith("[") else "." + written)  # a bare path is the body's


def _is_literal(value: str) -> bool:
    if value.startswith("{{") and value.endswith("}}"):
        return True
    try:
        json.loads(value)
    except ValueError:
        return False
    return True


def _table_rows(node: dict[str, Any]) -> list[list[Any]]:
    """The cells of every enabled row of a table block, as written: the simplified shape's values, or the
    raw ProseMirror shape's cell nodes."""
    rows: list[list[Any]] = []
    for table in _children(node):
        for row in table.get("rows") or []:  # simplified shape
            if (
                isinstance(row, dict)
                and isinstance(row.get("row"), list)
                and not (row.get("attrs") or {}).get("disabled")
            ):
                rows.append(row["row"])
        for row in table.get("content") or []:  # raw ProseMirror shape
            if isinstance(row, dict) and row.get("type") == "tableRow" and not (row.get("attrs") or {}).get("disabled"):
                rows.append([cell for cell in row.get("content") or [] if isinstance(cell, dict)])
    return rows


def _cell(value: Any) -> str:
    """A table cell as text (YAML reads `true` or `10` unquoted as a boolean or a number)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value).strip()


def _value_text(value: Any) -> str:
    """A table cell's text, from a plain value (simplified shape) or a cell node (raw shape)."""
    if isinstance(value, dict):
        return _text(value).strip()
    if isinstance(value, list):
        return "".join(_text(item) for item in value if not _is_file_link(item)).strip()
    return _cell(value)


def _file_links(value: Any) -> list[dict[str, Any]]:
    """The attrs of every `fileLink` node in a cell or block, in order."""
    if _is_file_link(value):
        return [value.get("attrs") or {}]
    if isinstance(value, dict):
        return _file_links(value.get("content"))
    if isinstance(value, list):
        return [link for item in value for link in _file_links(item)]
    return []


def _is_file_link(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") == "fileLink"


def _default_content_type(request: Request, content_type: str, where: Range) -> None:
    """The body's Content-Type, unless the section's headers set one."""
    if not any(h.name.lower() == "content-type" for h in request.headers):
        request.headers.append(Header("Content-Type", Span(content_type, where), where, where))


def _file_name(link: dict[str, Any]) -> str:
    return str(link.get("filename") or link.get("filePath") or "file").rsplit("/", 1)[-1]


def _media_type(filename: str) -> str:
    import mimetypes

    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def _children(node: Any) -> list[dict[str, Any]]:
    content = node.get("content") if isinstance(node, dict) else None
    return [c for c in content if isinstance(c, dict)] if isinstance(content, list) else []


def _text(node: Any) -> str:
    """The text of a node in either shape: `content: "GET"` or `content: [{type: text, text: GET}]`."""
    if node is None:
        return ""
    if isinstance(node, str):
        return node
    if not isinstance(node, dict):
        return str(node)
    if node.get("type") == "text":
        return str(node.get("text") or "")
    content = node.get("content")
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(_text(child) for child in content)
    attrs = node.get("attrs") or {}
    return str(attrs.get("method") or attrs.get("value") or "")


def convert_void(
    text: str, load: LoadFile | None = None, inherited: list[str] | None = None, root: str = ".", path: str = ""
) -> str:
    """The equivalent `.voiden` document: each request's void blocks become one request block where the
    first of them stood (the requests of a linked file, one after the other where the link stood); prose,
    headings and other blocks are kept as they are."""
    reader = _VoidReader(text, load, inherited, root, frozenset({path} - {""}))
    doc = reader.read()
    lines = text.split("\n")
    replace: dict[int, list[str]] = {}
    skip: set[int] = set()
    for request in doc.requests:
        ranges = sorted(reader.block_ranges.get(request.name, []), key=lambda r: r.start.line)
        if not ranges:
            continue
        if request.subscribe_over_websocket:
            replace.setdefault(ranges[0].start.line, []).append(
                "> A subscription: the app sends it over WebSocket. Give this request the `ws://` or `wss://` URL of "
                "the same endpoint."
            )
        replace.setdefault(ranges[0].start.line, []).append(render_request(request))
        if request.expects:  # the assertions-table, as an expect block; a row it cannot read, as a comment
            rows = [e.text for e in request.expectations]
            rows += [f"# {b.message}" for block in request.expects for b in block.bad]
            replace[ranges[0].start.line].append("```expect\n" + "\n".join(rows) + "\n```")
        for where in ranges:
            skip.update(range(where.start.line, where.end.line + 1))
    out: list[str] = []
    for index, line in enumerate(lines):
        if index in replace:
            out.append("\n\n".join(replace[index]))
        elif index not in skip:
            out.append("" if line.strip() == "%%EMPTY_LINE%%" else line)
    return "\n".join(out)


def render_request(request: Request) -> str:
    """A request as a `.voiden` fenced block."""
    target = request.target.text if request.target else ""
    if request.protocol == "grpc":
        line = f"{target} {request.rpc.text if request.rpc else ''}".rstrip()
    elif request.protocol == "http" or (request.protocol == "graphql" and not target.startswith("ws")):
        line = f"{request.method or 'GET'} {target}"
    else:
        line = target
    parts = [f"```{request.protocol} name={request.name}"]
    parts += [f"@{m.key} {m.value}".rstrip() for m in request.metadata]
    parts.append(line)
    parts += [f"{h.name}: {h.value.text}" for h in request.headers]
    if request.body is not None and request.body.text.strip():
        parts += ["", request.body.text.rstrip()]
    parts.append("```")
    if request.variables is not None:
        parts += ["", "```variables", request.variables.text.strip(), "```"]
    return "\n".join(parts)
