"""Captures: values kept from a response for later requests (the Voiden app's `runtime-variables`)."""

from __future__ import annotations

import json
import re
from typing import Any

from voiden_lsp.errors import TemplateError
from voiden_lsp.templating.resolve import ResolvedRequest
from voiden_lsp.templating.scope import Response, follow_path

_SOURCE = re.compile(r"\$(res|req)\.(\w+)(.*)", re.DOTALL)
_WORDS = "`$res.status`, `$res.body.PATH`, `$res.headers.NAME`, `$req.url`, `$req.method`, `$req.headers.NAME`"


def captured(source: str, sent: ResolvedRequest, response: Response) -> Any:
    """The value `source` names: `$res.status` (or `statusCode`), `$res.body` with a path (`items[0].id`),
    `$res.headers.NAME`, `$res.size`; `$req.url`, `$req.method`, `$req.headers.NAME`, `$req.body.PATH`."""
    match = _SOURCE.fullmatch(source.strip())
    if match is None:
        raise TemplateError(f"`{source}` is not a capture: write one of {_WORDS}")
    side, part, rest = match.groups()
    path = rest.lstrip(".")
    if side == "res":
        if part in ("status", "statusCode") and not path:
            return response.status
        if part == "size" and not path:
            return len(response.body.encode())
        if part == "headers" and path:
            value = response.header(path)
            if value is None:
                raise TemplateError(f"the response has no header `{path}`")
            return value
        if part == "body":
            return _from_body(response.body, response.json(), path, "response")
    else:
        if part == "url" and not path:
            return sent.target
        if part == "method" and not path:
            return sent.method
        if part == "headers" and path:
            value = next((v for k, v in sent.headers if k.lower() == path.lower()), None)
            if value is None:
                raise TemplateError(f"the request sent no header `{path}`")
            return value
        if part == "body":
            body = sent.body or ""
            try:
                data = json.loads(body)
            except ValueError:
                data = None
            return _from_body(body, data, path, "request")
    raise TemplateError(f"`{source}` names nothing a capture can read: write one of {_WORDS}")


def _from_body(text: str, data: Any, path: str, which: str) -> Any:
    if not path:
        return text if data is None else data
    if data is None:
        raise TemplateError(f"the {which} body is not JSON, so it has no `{path}`")
    return follow_path(data, path)
