"""Documents of the Voiden app (`.void`): ```void fences holding one YAML node each, mapped onto the same
`Document` model. A first cut: requests (method, url), headers and query tables (disabled rows skipped),
JSON/XML/YAML bodies, bearer and API-key auth, WebSocket and gRPC socket requests, sections split by
`request-separator`. Both node shapes the app writes (simplified and raw ProseMirror) are read; blocks of
other types are kept as prose. Every request keeps the range of its blocks in the file."""

from __future__ import annotations

import logging

from voiden_lsp.document.markup import slugify
from voiden_lsp.document.model import Document, Problem, Range
from voiden_lsp.formats.void.requests import RequestReader
from voiden_lsp.formats.void.sections import INHERITED_FILE, LoadFile, SectionReader

__all__ = ["INHERITED_FILE", "LoadFile", "VoidReader", "parse_document", "parse_void"]

log = logging.getLogger(__name__)


def parse_void(
    text: str, load: LoadFile | None = None, inherited: list[str] | None = None, root: str = ".", path: str = ""
) -> Document:
    """Parse a `.void` document. `load` resolves `linkedBlock`s and `linkedFile`s (without it they are reported
    unresolved); `inherited` are the texts of the `.voiden-inherited.void` files above it, closest first;
    `root` is the collection root as a path from the document's folder (the app's file paths start there), and
    `path` the document's own path from the root (`/api/users.void`: a link back to it is a cycle).
    Never raises: an internal failure becomes a problem."""
    try:
        return VoidReader(text, load, inherited or [], root, frozenset({path} - {""})).read()
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


class VoidReader(SectionReader, RequestReader):
    """A `.void` document: its sections (`sections`), each read into a request (`requests`)."""

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
