"""Text -> Document. Total: any text gives a Document plus problems, never an exception.

The document as a whole: its front matter, its sections' requests (`sections`), the names of its requests,
and the message, variables and expect blocks attached to the request above them."""

from __future__ import annotations

import logging
from typing import Any

from voiden_lsp.document.expect import read_block
from voiden_lsp.document.fences import Fence, FenceReader
from voiden_lsp.document.markup import safe_yaml, slugify
from voiden_lsp.document.model import (
    EXPECT_WORD,
    LIVE_PROTOCOLS,
    MESSAGE_WORDS,
    VARIABLES_WORD,
    Document,
    ExpectBlock,
    FrontMatter,
    MessageBlock,
    Position,
    Problem,
    Range,
    Request,
    Span,
    split_lines,
    utf16_len,
)
from voiden_lsp.document.sections import placed_sections

log = logging.getLogger(__name__)


def parse(text: str) -> Document:
    """Parse a .voiden document. Never raises: an internal failure becomes a problem."""
    try:
        return DocumentParser(text).parse()
    except Exception as exc:  # the contract is totality; a bug must not take the caller down
        log.error("parser failed: %r", exc, exc_info=not isinstance(exc, RecursionError))
        return Document(text, problems=[Problem(f"internal parser error: {exc}", Range.of(0, 0))])


class DocumentParser(FenceReader):
    def parse(self) -> Document:
        self.source_lines = split_lines(self.text)
        front_matter, md_text = self.front_matter()
        doc = Document(self.text, front_matter=front_matter, problems=self.problems)
        md_lines = self.source_lines if md_text is self.text else split_lines(md_text)
        fences, requests, problems = placed_sections(md_lines)
        self.problems += problems
        self._name_requests(requests)
        doc.requests = [request for _, request in requests]
        self._attach_messages(fences, requests, doc)
        self.problems.sort(key=lambda p: (p.range.start.line, p.range.start.character))
        return doc

    # -- front matter ----------------------------------------------------------------------------

    def front_matter(self) -> tuple[FrontMatter | None, str]:
        lines = self.source_lines
        if not lines or lines[0].rstrip() != "---":
            return None, self.text
        end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in ("---", "...")), None)
        if end is None:
            self.problem(
                "front matter opened with `---` is never closed: add a `---` line after it",
                Range.of(0, 0, 0, 3),
                code="front-matter",
            )
            return None, self.text
        fm_range = Range(Position(0, 0), Position(end, utf16_len(lines[end])))
        import yaml

        data: Any = None
        try:
            data = safe_yaml("\n".join(lines[1:end])) or {}
        except (ValueError, RecursionError, OverflowError) as exc:  # PyYAML's constructors raise these too
            message = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)
            self.problem(f"front matter has a value that cannot be read: {message}", fm_range, code="front-matter")
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = (
                Range.of(1 + mark.line, 0, 1 + mark.line, utf16_len(lines[min(end, 1 + mark.line)]))
                if mark is not None
                else fm_range
            )
            self.problem(f"front matter is not valid YAML: {getattr(exc, 'problem', exc)}", where, code="front-matter")
        if data is not None and not isinstance(data, dict):
            self.problem("front matter must be a mapping (`vars:`, `env:`, `locale:`)", fm_range, code="front-matter")
            data = None
        if isinstance(data, dict) and "vars" in data and not isinstance(data["vars"], dict):
            self.problem("front matter `vars` must be a mapping of names to values", fm_range, code="front-matter")
        # Blank the front matter for markdown-it so its line numbers stay the document's.
        blanked = "\n" * (end + 1) + "\n".join(lines[end + 1 :])
        return (FrontMatter(data, fm_range) if isinstance(data, dict) else None), blanked

    def _name_requests(self, requests: list[tuple[Fence, Request]]) -> None:
        seen: dict[str, Request] = {}
        for _, request in requests:
            if not request.name:
                continue
            if request.name in seen:
                first = seen[request.name]
                self.problem(
                    f"duplicate request name `{request.name}` (first used on line {first.range.start.line + 1})",
                    request.info_range,
                    code="duplicate-name",
                )
            else:
                seen[request.name] = request
        taken = set(seen)
        for ordinal, (fence, request) in enumerate(requests, start=1):
            if request.name:
                continue
            base = slugify(fence.heading or "") or f"request-{ordinal}"
            name, n = base, 2
            while name in taken:
                name, n = f"{base}-{n}", n + 1
            request.name = name
            taken.add(name)

    # -- message blocks --------------------------------------------------------------------------

    def _attach_messages(self, fences: list[Fence], requests: list[tuple[Fence, Request]], doc: Document) -> None:
        by_fence = {id(fence): request for fence, request in requests}
        owner: tuple[Fence, Request] | None = None
        for fence in fences:
            if fence.word == "#heading":
                if owner is not None and (owner[0].heading_level == 0 or fence.heading_level <= owner[0].heading_level):
                    owner = None
                continue
            if fence.word == EXPECT_WORD:
                self._attach_expect(fence, owner[1] if owner else None, doc)
                continue
            if fence.word == VARIABLES_WORD:
                self._attach_variables(fence, owner[1] if owner else None)
                continue
            if fence.word not in MESSAGE_WORDS:
                owner = (fence, by_fence[id(fence)])
                continue
            request = owner[1] if owner else None
            number = len(request.messages) + 1 if request else len(doc.messages) + 1
            block_id = fence.attributes.get("name") or (
                f"{request.name}.message-{number}" if request else f"message-{fence.range.start.line + 1}"
            )
            body_lines = list(fence.lines)
            while body_lines and not body_lines[-1].stripped:
                body_lines.pop()
            if body_lines:
                text = "\n".join(line.text for line in body_lines)
                last = body_lines[-1]
                body = Span(
                    text,
                    Range(
                        Position(body_lines[0].line, body_lines[0].col),
                        Position(last.line, last.col + utf16_len(last.text)),
                    ),
                    tuple(Position(line.line, line.col) for line in body_lines),
                )
            else:
                line = fence.range.start.line + 1
                body = Span("", Range.of(line, 0))
                self.problem(
                    "empty message block: put the message to send inside it",
                    fence.info_range,
                    "warning",
                    code="empty-message",
                )
            block = MessageBlock(block_id, dict(fence.attributes), body, fence.range, request.name if request else None)
            doc.messages.append(block)
            if request is None:
                self.problem(
                    "message block has no request to belong to: put it below a `ws`, `socketio` or "
                    "streaming `grpc` request in the same section",
                    fence.info_range,
                    code="orphan-message",
                )
                continue
            request.messages.append(block)
            if request.protocol not in LIVE_PROTOCOLS:
                self.problem(
                    f"a `{request.protocol}` request sends no messages after its body: message blocks "
                    "belong to `ws`, `socketio` and streaming `grpc` requests",
                    fence.info_range,
                    code="message-not-live",
                )
            if "wait" in block.attributes and not block.attributes["wait"].isdigit():
                self.problem("`wait=N` needs a whole number of server messages", fence.info_range, code="bad-attribute")

    def _attach_variables(self, fence: Fence, request: Request | None) -> None:
        if request is None or request.protocol != "graphql":
            self.problem(
                "a variables block belongs below a `graphql` request in the same section",
                fence.info_range,
                code="orphan-variables",
            )
            return
        if request.variables is not None:
            self.problem("the request already has a variables block", fence.info_range, code="duplicate-variables")
            return
        body_lines = list(fence.lines)
        while body_lines and not body_lines[-1].stripped:
            body_lines.pop()
        if not body_lines:
            self.problem(
                "empty variables block: write the variables as JSON",
                fence.info_range,
                "warning",
                code="empty-variables",
            )
            return
        last = body_lines[-1]
        request.variables = Span(
            "\n".join(line.text for line in body_lines),
            Range(
                Position(body_lines[0].line, body_lines[0].col), Position(last.line, last.col + utf16_len(last.text))
            ),
            tuple(Position(line.line, line.col) for line in body_lines),
        )

    def _attach_expect(self, fence: Fence, request: Request | None, doc: Document) -> None:
        block = ExpectBlock(fence.range, fence.info_range, request=request.name if request else None)
        read_block(
            ((line.text, line.line, line.col) for line in fence.lines), request.protocol if request else "", block
        )
        for bad in block.bad:
            self.problem(bad.message, bad.range, code="bad-expectation")
        if request is None:
            self.problem(
                "expect block has no request to belong to: put it below a request in the same section",
                fence.info_range,
                code="orphan-expect",
            )
            return
        if not block.expectations and not block.bad:
            self.problem(
                "empty expect block: write what the request must do, a line each (`status == 200`)",
                fence.info_range,
                "warning",
                code="empty-expect",
            )
        request.expects.append(block)
        doc.expects.append(block)
