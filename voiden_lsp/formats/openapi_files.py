"""The files of an OpenAPI spec, read safely: JSON or YAML with YAML aliases capped (no billion laughs) and
timestamps left as text, every file size-capped, and the `$ref` retriever that reads only files inside the
spec's folder and never the network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from referencing import Resource
from referencing.jsonschema import DRAFT202012

MAX_FILE = 16 * 1024 * 1024
MAX_FILES = 10_000
MAX_ALIASES = 1_000
"""YAML aliases in one file: a few are normal, a billion laughs is not."""


class OpenApiError(ValueError):
    """A source that cannot be read as OpenAPI: which file, and what was expected."""


class _CappedLoader(yaml.SafeLoader):
    aliases = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            self.aliases += 1
            if self.aliases > MAX_ALIASES:
                raise OpenApiError(f"more than {MAX_ALIASES} YAML aliases: refused (a billion-laughs file?)")
        return super().compose_node(parent, index)


# JSON has no dates: a YAML timestamp (`2024-01-01T00:00:00Z` in an example) stays the text it is
_CappedLoader.yaml_implicit_resolvers = {
    first: [(tag, pattern) for tag, pattern in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_text(text: str, where: str) -> Any:
    try:
        if text.lstrip().startswith("{"):
            return json.loads(text)
        return yaml.load(text, Loader=_CappedLoader)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise OpenApiError(f"{where}: not JSON or YAML: {str(exc).splitlines()[0]}") from None
    except RecursionError:
        raise OpenApiError(f"{where}: nested too deep") from None


def looks_like_openapi(data: Any) -> bool:
    return isinstance(data, dict) and isinstance(data.get("openapi"), str) and isinstance(data.get("paths"), dict)


class SpecFiles:
    """The retriever: files inside `root` only, read once each, never a URL."""

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.cache: dict[str, Resource[Any]] = {}

    def __call__(self, uri: str) -> Resource[Any]:
        if uri in self.cache:
            return self.cache[uri]
        parts = urlsplit(uri)
        if parts.scheme != "file":
            raise OpenApiError(f"`$ref: {uri}` points outside the spec's files: nothing is fetched over the network")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root):
            raise OpenApiError(f"`$ref` to {path}: outside the spec's folder ({self.root}), not read")
        if len(self.cache) >= MAX_FILES:
            raise OpenApiError(f"more than {MAX_FILES} files referenced")
        if not path.is_file():
            raise OpenApiError(f"`$ref` to {path}: no such file")
        if path.stat().st_size > MAX_FILE:
            raise OpenApiError(f"{path} is over {MAX_FILE // (1024 * 1024)} MB")
        resource = Resource.from_contents(
            load_text(path.read_text(encoding="utf-8"), str(path)), default_specification=DRAFT202012
        )
        self.cache[uri] = resource
        return resource
