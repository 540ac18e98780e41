"""Where a template's names come from, in precedence order, and what must never be shown in full."""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from voiden_lsp.document import Document, Request
from voiden_lsp.errors import TemplateError
from voiden_lsp.templating.collection import Collection


@dataclass
class Response:
    """The last response of a request, for `{{NAME.response.body.PATH}}` references."""

    status: int | str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    body: str = ""
    _json: Any = field(default=None, repr=False)
    _parsed: bool = field(default=False, repr=False)

    def json(self) -> Any:
        if not self._parsed:
            self._parsed = True
            try:
                self._json = json.loads(self.body)
            except ValueError:
                self._json = None
        return self._json

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers.items() if k.lower() == lowered), None)


@dataclass
class Scope:
    """Variables in layers (first hit wins), plus what expansion needs besides names."""

    layers: list[tuple[str, Mapping[str, Any]]] = field(default_factory=list)
    responses: Mapping[str, Response] = field(default_factory=dict)
    example_names: frozenset[str] = frozenset()
    """The names the collection's `.env.example` defines when it has no `.env` (Collection.example_names)."""
    failed: Mapping[str, str] = field(default_factory=dict)
    """Requests whose last run failed, with why: a reference to one says so instead of "not sent yet"."""
    secrets: frozenset[str] = frozenset()
    locale: str | None = None
    base_dir: Path | None = None
    root: Path | None = None
    """The collection's root: files a request names (`@proto`) must lie inside it or an `@import-path`."""
    process_env: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))

    def lookup(self, name: str) -> tuple[str, Any] | None:
        """(layer name, value) of the first layer that defines `name`."""
        for layer, values in self.layers:
            if name in values:
                return layer, values[name]
        return None

    def names(self) -> dict[str, tuple[str, Any]]:
        """Every visible variable with the layer it comes from (for completion and hover)."""
        seen: dict[str, tuple[str, Any]] = {}
        for layer, values in self.layers:
            for key, value in values.items():
                seen.setdefault(key, (layer, value))
        return seen

    def mask(self, text: str) -> str:
        return mask_secrets(text, self.secrets)

    @classmethod
    def for_request(
        cls,
        doc: Document,
        request: Request | None,
        collection: Collection,
        *,
        env: str | None = None,
        overrides: Mapping[str, Any] | None = None,
        responses: Mapping[str, Response] | None = None,
        process_env: Mapping[str, str] | None = None,
        base_dir: Path | None = None,
        runtime: Mapping[str, Any] | None = None,
        failed: Mapping[str, str] | None = None,
    ) -> Scope:
        """The scope of one request: CLI overrides > request attributes > front matter `vars` >
        the selected `voiden.toml` environment > `.env` > the process environment."""
        front = doc.front_matter
        env_name = env or (front.env if front else None) or collection.default_env
        environment = collection.environment(env_name)
        attributes = {k: v for k, v in (request.attributes if request else {}).items() if k != "name"}
        process = dict(os.environ) if process_env is None else dict(process_env)
        layers: list[tuple[str, Mapping[str, Any]]] = [
            ("--var", dict(overrides or {})),
            ("request attribute", attributes),
            ("front matter", front.vars if front else {}),
            (f"environment {env_name}" if env_name else "environment", environment),
            (".env", collection.dotenv),
            ("runtime variables", {**collection.runtime, **(runtime or {})}),
            ("process environment", process),
        ]
        locale = (request.meta("locale") if request else None) or (front.locale if front else None) or collection.locale
        return cls(
            layers=layers,
            responses=responses or {},
            failed=failed or {},
            example_names=collection.example_names,
            secrets=collection.secrets,
            locale=locale,
            base_dir=base_dir or collection.root,
            root=collection.root,
            process_env=process,
        )


def mask_secrets(text: str, secrets: frozenset[str]) -> str:
    """Replace every secret in `text`, in any form it takes on the way out (see `secret_forms`), by its first
    three characters and `…` (short ones by `…` alone). Every event of a stream passes here, so the secrets
    become one compiled pattern, made once."""
    pattern = _secret_pattern(secrets)
    return pattern.sub(lambda match: masked(match.group(0)), text) if pattern is not None else text


def secret_forms(secret: str) -> set[str]:
    """What a secret looks like once encoded on its way out: percent-encoded in a URL (hex digits of either
    case, since the pattern ignores case, as it does for host names that are case-folded), JSON-escaped in a
    body, base64 (standard and URL-safe, with or without padding)."""
    forms = {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}
    forms |= {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    encoded = secret.encode("utf-8", errors="surrogatepass")
    for b64 in (base64.b64encode(encoded).decode(), base64.urlsafe_b64encode(encoded).decode()):
        forms |= {b64, b64.rstrip("=")}
    return {form for form in forms if len(form) >= 3}


def basic_credential_secrets(header_value: str, secrets: frozenset[str]) -> frozenset[str]:
    """An `Authorization: Basic` token whose credentials hold a secret is a secret itself (base64 hides the
    secret from a plain search)."""
    scheme, _, token = header_value.strip().partition(" ")
    if scheme.lower() != "basic" or not token.strip() or not secrets:
        return frozenset()
    try:
        credentials = base64.b64decode(token.strip(), validate=True).decode("utf-8", errors="replace")
    except ValueError:
        return frozenset()
    return frozenset({token.strip()}) if mask_secrets(credentials, secrets) != credentials else frozenset()


@lru_cache(maxsize=32)
def _secret_pattern(secrets: frozenset[str]) -> re.Pattern[str] | None:
    forms = set().union(*(secret_forms(s) for s in secrets if len(s) >= 3)) if secrets else set()
    longest_first = sorted(forms, key=len, reverse=True)
    if not longest_first:
        return None
    return re.compile("|".join(re.escape(s) for s in longest_first), re.IGNORECASE)


def masked(secret: str) -> str:
    return secret[:3] + "…" if len(secret) >= 8 else "…"


_PATH_PART = re.compile(r"[^.\[\]]+")


def follow_path(value: Any, path: str) -> Any:
    """`items.0.id` (or `items[0].id`) into parsed JSON; raises TemplateError with the failing step."""
    current = value
    walked: list[str] = []
    for part in _PATH_PART.findall(path):
        walked.append(part)
        if isinstance(current, list) and part.lstrip("-").isdigit():
            index = int(part)
            if -len(current) <= index < len(current):
                current = current[index]
                continue
            raise TemplateError(f"`{'.'.join(walked)}`: index {index} is outside the list of {len(current)}")
        if isinstance(current, dict) and part in current:
            current = current[part]
            continue
        keys = f" (keys: {', '.join(list(current)[:10])})" if isinstance(current, dict) else ""
        raise TemplateError(f"the response has no `{'.'.join(walked)}`{keys}")
    return current
