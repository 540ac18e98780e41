"""What every importer builds requests from: a request of the document model made from plain values, and
the multipart body our documents send (text parts, and `< file` lines streamed at send time)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus

from voiden_lsp.document.model import Header, Metadata, Range, Request, Span
from voiden_lsp.formats.void.parts import BOUNDARY

NOWHERE = Range.of(0, 0)
"""Where an imported request's parts are: nowhere yet, until the document is written and read back."""


def make_request(
    name: str,
    protocol: str,
    target: str,
    *,
    method: str = "",
    headers: Iterable[tuple[str, str]] = (),
    body: str | None = None,
    metadata: Iterable[tuple[str, str]] = (),
    variables: str | None = None,
    rpc: str | None = None,
) -> Request:
    request = Request(name=name, protocol=protocol, attributes={}, range=NOWHERE, info_range=NOWHERE, method=method)
    request.target = Span(target, NOWHERE)
    if rpc is not None:
        request.rpc = Span(rpc, NOWHERE)
    request.headers = [Header(k, Span(v, NOWHERE), NOWHERE, NOWHERE) for k, v in headers]
    request.metadata = [Metadata(k, v, NOWHERE, NOWHERE) for k, v in metadata]
    if body is not None:
        request.body = Span(body, NOWHERE)
    if variables is not None:
        request.variables = Span(variables, NOWHERE)
    return request


@dataclass(frozen=True)
class FormField:
    """A part of a multipart body: a text `value`, or a `file` sent as it is at send time."""

    name: str
    value: str = ""
    file: str | None = None
    content_type: str | None = None
    filename: str | None = None


def multipart(fields: Iterable[FormField]) -> str:
    """The body text of a `multipart/form-data; boundary=BOUNDARY` request (the header is the caller's)."""
    parts: list[str] = []
    for part in fields:
        if part.file is None:
            parts += [f"--{BOUNDARY}", f'Content-Disposition: form-data; name="{part.name}"', "", part.value]
            continue
        filename = part.filename or part.file.rsplit("/", 1)[-1]
        parts += [
            f"--{BOUNDARY}",
            f'Content-Disposition: form-data; name="{part.name}"; filename="{filename}"',
            f"Content-Type: {part.content_type or 'application/octet-stream'}",
            "",
            f"< {part.file}",
        ]
    return "\n".join([*parts, f"--{BOUNDARY}--"])


MULTIPART_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


@dataclass
class Imported:
    """One command read: the request, what did not carry over (each a note in words), the secrets it carried
    (credentials of an `Authorization` header), which the request names as `{{NAME}}` and which belong in
    `.env`, never in a document, and the messages a live request sends once open (message blocks)."""

    request: Request
    notes: list[str] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)
    messages: list[str] = field(default_factory=list)


@dataclass
class Written:
    """One document an importer made: its path under the output folder, its text, its requests and notes."""

    path: str
    text: str
    requests: int
    notes: list[str]


def set_default(headers: list[tuple[str, str]], name: str, value: str) -> None:
    """Add a header unless one of that name (in any case) is there."""
    if not any(k.lower() == name.lower() for k, _ in headers):
        headers.append((name, value))


_TEMPLATE = re.compile(r"\{\{[^{}]*\}\}")


def encoded(text: str, *, form: bool = True) -> str:
    """Percent-encoded for a query or form value (`form`: spaces as `+`) or a path segment, templates left
    as they are (they are expanded, then sent)."""

    def code(part: str) -> str:
        return quote_plus(part, safe="") if form else quote(part, safe="")

    out, at = [], 0
    for match in _TEMPLATE.finditer(text):
        out += [code(text[at : match.start()]), match.group(0)]
        at = match.end()
    return "".join([*out, code(text[at:])])


_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*://")


def has_scheme(url: str) -> bool:
    return _SCHEME.match(url) is not None


def importable_url(url: str, notes: list[str], *, default_scheme: bool = True) -> str:
    """A source's URL as a request sends it: without a scheme, `http://` (as Postman, Insomnia and Bruno send
    it; a `{{base}}` start is left alone); none at all, `{{url}}` and a note."""
    if default_scheme and url and not has_scheme(url) and not url.startswith("{{"):
        url = f"http://{url}"
    if not url:
        notes.append("the request has no URL: set `url` (a variable) or write one")
        url = "{{url}}"
    return url


def credential(value: str, request: str, kind: str, secrets: dict[str, str]) -> str:
    """A credential the source wrote: a template (`{{token}}`) stays; a value goes into `secrets` (for `.env`)
    under a name of its request and kind (`LOGIN_TOKEN`, `LOGIN_TOKEN_2` when that name holds another value),
    and the request reads it as `{{NAME}}`."""
    value = value.strip()
    if re.fullmatch(r"\{\{[^{}]+\}\}", value):
        return value
    base = re.sub(r"[^A-Z0-9]+", "_", f"{request}_{kind}".upper()).strip("_")
    name, n = base, 2
    while name in secrets and secrets[name] != value:
        name, n = f"{base}_{n}", n + 1
    secrets[name] = value
    return "{{" + name + "}}"


def as_dict(value: Any) -> dict[str, Any]:
    """A source's object, or an empty one where it holds something else (sources are not trusted to match)."""
    return value if isinstance(value, dict) else {}


def unique_name(base: str, taken: set[str]) -> str:
    """`base`, or `base-2`, `base-3`... the first not in `taken` (which then holds it)."""
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def credentials_to_env(headers: list[tuple[str, str]], prefix: str, ordinal: int) -> dict[str, str]:
    """The credentials written into `Authorization` headers, moved to `.env` names (`PREFIX_AUTH_N`) that the
    headers then read: a secret never stays in a document."""
    secrets: dict[str, str] = {}
    for index, (key, value) in enumerate(headers):
        scheme, _, credential = value.partition(" ")
        if key.lower() in ("authorization", "proxy-authorization") and credential and "{{" not in credential:
            secret = f"{prefix}_AUTH_{ordinal}" + (f"_{len(secrets) + 1}" if secrets else "")
            secrets[secret] = credential
            headers[index] = (key, f"{scheme} {{{{{secret}}}}}")
    return secrets
