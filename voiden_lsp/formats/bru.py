"""The `.bru` text format, after Bruno's grammar (usebruno/bruno, `packages/bruno-lang/v2/src/bruToJson.js`):
blocks `name {` ... `}`, dictionary rows `key: value` (a `~` prefix disables one, `'''...'''` spans
lines, `@annotations` are read and left), and text blocks indented by two spaces. A BruFile is also what an
OpenCollection YAML file is read into (formats/opencollection)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TEXT_BLOCKS = re.compile(r"^(?:body(?::[\w-]+)*|script:[\w-]+|tests|docs)$")


class BrunoError(ValueError):
    """A folder or file that is not a Bruno collection: which one, and what was expected."""


@dataclass
class BruFile:
    dicts: dict[str, list[tuple[str, str, bool]]] = field(default_factory=dict)
    """Dictionary blocks: (key, value, enabled) rows."""
    texts: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    """What the file breaks (an OpenCollection file against its schema): a note each."""

    def value(self, block: str, key: str) -> str | None:
        return next((v for k, v, on in self.dicts.get(block, []) if k == key and on), None)


def parse_bru(text: str, where: str) -> BruFile:
    """One `.bru` file's blocks. Raises BrunoError (with the line) for a block that never closes."""
    out = BruFile()
    lines = text.replace("\r\n", "\n").split("\n")
    i = 0
    while i < len(lines):
        line = lines[i].rstrip()
        header = re.match(r"^([\w:.-]+)\s*([{\[])\s*$", line)
        if not header:
            i += 1
            continue
        name, opener = header.group(1), header.group(2)
        closer = "}" if opener == "{" else "]"
        end = next((j for j in range(i + 1, len(lines)) if lines[j].rstrip() == closer), None)
        if end is None:
            raise BrunoError(f"{where}, line {i + 1}: the block `{name}` never closes with `{closer}`")
        body = lines[i + 1 : end]
        if opener == "[":
            out.lists[name] = [w.strip().rstrip(",").strip() for w in body if w.strip().rstrip(",").strip()]
        elif _TEXT_BLOCKS.match(name) and not name.startswith(("body:form", "body:multipart", "body:file")):
            out.texts[name] = "\n".join(row[2:] if row.startswith("  ") else row.lstrip() for row in body).strip("\n")
        else:
            out.dicts[name] = _rows(body)
        i = end + 1
    return out


def _rows(body: list[str]) -> list[tuple[str, str, bool]]:
    rows: list[tuple[str, str, bool]] = []
    i = 0
    while i < len(body):
        raw = body[i].strip()
        i += 1
        if not raw or raw.startswith("@"):
            continue  # an annotation (@description, @number...) for the row below
        key, colon, value = raw.partition(":")
        if not colon:
            continue
        value = value.strip()
        if value.startswith("'''"):  # a value over several lines
            parts = [value[3:]] if value[3:].strip() else []
            while i < len(body) and not body[i].strip().startswith("'''"):
                parts.append(body[i].strip())
                i += 1
            tail = body[i].strip()[3:].strip() if i < len(body) else ""
            i += 1
            value = "\n".join(parts) + ((" " + tail) if tail else "")
        enabled = not key.startswith("~")
        rows.append((key.lstrip("~").strip(), value, enabled))
    return rows
