"""The blocks around a `.void` request, each onto the request: multipart and file bodies, runtime variables
(captures), the assertions table (expectations), the gRPC `proto` node, auth; and where in the file each
value stands."""

from __future__ import annotations

from typing import Any

from voiden_lsp.document.expect import read_line
from voiden_lsp.document.model import (
    BadExpectation,
    Capture,
    ExpectBlock,
    Header,
    Metadata,
    Position,
    Problem,
    Range,
    Request,
    Span,
    utf16_len,
)
from voiden_lsp.formats.void.nodes import (
    assertion_line,
    default_content_type,
    file_links,
    file_name,
    media_type,
    table_rows,
    value_text,
    with_query,
)

BOUNDARY = "voiden-form-boundary"
"""Of the multipart bodies a `multipart-table` becomes."""


class PartsReader:
    """Reads the blocks of a section around its request; what it finds wrong goes to `problems`."""

    lines: list[str]
    problems: list[Problem]
    root: str
    """The collection root as a path from the document's folder: the app's file paths start there."""

    def _multipart(self, request: Request, block: tuple[dict[str, Any], Range]) -> None:
        """A `multipart-table` as a multipart body: a part per text row and per file (a file row may link
        several); files are `< path` lines, sent from disk."""
        _, where = block
        parts: list[str] = []
        for key, value in self._cells(block):
            links = file_links(value)
            if not links:
                parts += [f"--{BOUNDARY}", f'Content-Disposition: form-data; name="{key}"', "", value_text(value)]
            for link in links:
                filename = file_name(link)
                parts += [
                    f"--{BOUNDARY}",
                    f'Content-Disposition: form-data; name="{key}"; filename="{filename}"',
                    f"Content-Type: {media_type(filename)}",
                    "",
                    f"< {self._file_path(link, request)}",
                ]
        if not parts:
            return
        request.body = Span("\n".join([*parts, f"--{BOUNDARY}--"]), where)
        default_content_type(request, f"multipart/form-data; boundary={BOUNDARY}", where)

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
                rows.append((str(row["key"]), value_text(row.get("value"))))
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
        for cells in ([value_text(cell) for cell in row] for row in table_rows(block[0])):
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
                text = assertion_line(field_text, operator, expected)
                expects.expectations.append(read_line(text, lambda start, end, at=line: at, request.protocol))
            except ValueError as exc:
                expects.bad.append(BadExpectation(field_text, line, f"assertion `{description}`: {exc}"))
        for bad in expects.bad:
            self.problems.append(Problem(bad.message, bad.range, code="bad-expectation"))
        request.expects.append(expects)

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
                request.target = Span(with_query(request.target.text, [(key, value)]), request.target.range)
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
        return [(key, value_text(value)) for key, value in self._cells(block)]

    def _cells(self, block: tuple[dict[str, Any], Range] | None) -> list[tuple[str, Any]]:
        """Enabled rows of a table block as (key, the value cell as written), in either shape; a row with no
        name is an empty row the table editor left (2.3 writes null cells)."""
        if block is None:
            return []
        return [(key, cells[1]) for cells in table_rows(block[0]) if len(cells) >= 2 and (key := value_text(cells[0]))]

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
