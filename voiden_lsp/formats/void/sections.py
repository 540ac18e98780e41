"""A `.void` file cut into sections: its fences' YAML nodes, split by `request-separator`, with the blocks of
`linkedBlock`s and `linkedFile`s read from the collection (cycles and depth bounded) and the blocks a
section inherits from the `.voiden-inherited.void` files above it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from voiden_lsp.document.markup import markdown_parser, safe_yaml
from voiden_lsp.document.model import (
    FrontMatter,
    Position,
    Problem,
    Range,
    split_lines,
    utf16_len,
)
from voiden_lsp.document.parser import DocumentParser
from voiden_lsp.formats.void.nodes import inheritable_auth, normalized, void_nodes

log = logging.getLogger(__name__)

#: Reads a file of the collection by its root-relative path (`/blocks/auth.void`); None if there is none.
LoadFile = Callable[[str], "str | None"]
MAX_LINK_DEPTH = 10
BOUNDARY = "voiden-form-boundary"
"""Of the multipart bodies a `multipart-table` becomes."""


INHERITED_FILE = ".voiden-inherited.void"
_NEVER_INHERITED = {"request-separator", "linkedBlock", "linkedFile"}


@dataclass
class Section:
    label: str | None = None
    heading: str | None = None
    blocks: list[tuple[dict[str, Any], Range]] = field(default_factory=list)
    uid: str = ""
    """The uid of the `request-separator` that starts it (what a `linkedFile`'s `sectionUid` names)."""


class SectionReader:
    """Reads a `.void` text's front matter and sections; what it finds wrong goes to `problems`."""

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
        self.inherited = [void_nodes(t) for t in inherited or []]
        self.lines = split_lines(text)
        self.problems: list[Problem] = []
        self.block_ranges: dict[str, list[Range]] = {}
        """Every fence each request was read from (for `voiden convert`)."""

    def _read_sections(self) -> tuple[FrontMatter | None, list[Section]]:
        base = DocumentParser(text=self.text)
        base.source_lines = self.lines
        front_matter, md_text = base.front_matter()
        self.problems += base.problems
        return front_matter, self._sections(md_text.replace("%%EMPTY_LINE%%", ""))

    def _sections(self, md_text: str) -> list[Section]:
        import yaml

        sections = [Section()]
        heading: str | None = None
        tokens = markdown_parser().parse(md_text)
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
                node = normalized(safe_yaml(body))
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
                sections.append(Section(label=label, heading=heading, uid=str(attrs.get("uid") or "")))
                continue
            if node.get("type") == "linkedFile":
                sections += self._linked_file(node, where)
                sections.append(Section(heading=heading))  # blocks after the link are a section of their own
                continue
            if node.get("type") == "linkedBlock":
                linked = self._resolve(node, where, 0, frozenset())
                if linked is not None:
                    sections[-1].blocks.append((linked, where))
                continue
            sections[-1].blocks.append((node, where))
        return sections

    def _linked_file(self, node: dict[str, Any], where: Range) -> list[Section]:
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
        reader = SectionReader(text, self.load, None, self.root, self.linked_from | {path})
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

    def _inherit(self, section: Section) -> None:
        """The app's inheritance: a block type the section lacks comes from the closest ancestor that has it;
        an `auth` of `inherit`/`none` counts as absent; separators and links are never inherited."""
        if not self.inherited or not any(n.get("type") in ("request", "socket-request") for n, _ in section.blocks):
            return
        present = {n.get("type") for n, _ in section.blocks if not inheritable_auth(n)}
        section.blocks = [(n, w) for n, w in section.blocks if not inheritable_auth(n)]
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
        found = next((n for n in void_nodes(text) if (n.get("attrs") or {}).get("uid") == uid), None)
        if found is None:
            self.problems.append(Problem(f"{path} has no block {uid}", where, "warning", code="void-link"))
            return None
        if found.get("type") == "linkedBlock":
            return self._resolve(found, where, depth + 1, seen | {(path, uid)})
        return found
