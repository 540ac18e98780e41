"""OpenAPI 3.0 / 3.1 (JSON or YAML, `$ref`s across files) as `.voiden` documents: a document per tag, a
request per operation (named by its operationId), the servers as `base_url` of an environment each, the
parameters and bodies from the spec's examples or else fake data chosen by schema type, format and name,
the security schemes as headers reading `.env` names, and an `expect` line for the documented success status.

`$ref`s are resolved by `referencing` (the resolver jsonschema uses), lazily, with a retriever that reads
only files inside the spec's folder and never the network; a cycle ends in a note, YAML aliases are capped
(no billion laughs), and every file read is size-capped."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from referencing import Registry, Resource
from referencing.exceptions import Unresolvable
from referencing.jsonschema import DRAFT202012

from voiden_lsp.document.markup import slugify
from voiden_lsp.formats.building import (
    MULTIPART_TYPE,
    FormField,
    Written,
    as_dict,
    encoded,
    has_scheme,
    make_request,
    multipart,
    unique_name,
)
from voiden_lsp.formats.openapi_files import MAX_FILE, OpenApiError, SpecFiles, load_text, looks_like_openapi
from voiden_lsp.formats.openapi_values import MAX_EXAMPLE_NODES, is_binary, plain, string_sample, too_big
from voiden_lsp.formats.voiden import render_request
from voiden_lsp.templating.samples import BOOLEAN, INTEGER, NUMBER, Bare, render, string_template

if TYPE_CHECKING:
    from referencing._core import Resolver  # what `lookup` gives: the package names it only there

MAX_DEPTH = 8
MAX_PROPERTIES = 25
MAX_HOPS = 64
METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
BODY_TYPES = ("application/json", "application/x-www-form-urlencoded", "multipart/form-data", "application/xml")


@dataclass
class Imported:
    documents: list[Written] = field(default_factory=list)
    environments: dict[str, dict[str, str]] = field(default_factory=dict)
    default_env: str | None = None
    secret_names: list[str] = field(default_factory=list)
    """Names the security schemes read, for `.env.example` (the values are the user's)."""
    notes: list[str] = field(default_factory=list)
    """About the whole spec (a relative server URL)."""


def read_openapi(path: Path) -> Imported:
    if path.stat().st_size > MAX_FILE:
        raise OpenApiError(f"{path} is over {MAX_FILE // (1024 * 1024)} MB")
    data = load_text(path.read_text(encoding="utf-8"), str(path))
    if not looks_like_openapi(data):
        raise OpenApiError(f"{path}: not OpenAPI 3: expected `openapi: 3.x` and `paths`")
    if not str(data["openapi"]).startswith("3."):
        raise OpenApiError(f"{path}: OpenAPI {data['openapi']}: only 3.0 and 3.1 are read")
    uri = path.resolve().as_uri()
    files = SpecFiles(path.parent)
    root = Resource.from_contents(data, default_specification=DRAFT202012)
    files.cache[uri] = root
    registry: Registry[Any] = Registry(retrieve=files).with_resource(uri, root)  # type: ignore[call-arg]
    reader = _Reader(data, registry.resolver(base_uri=uri), path)
    reader.read()
    return reader.result


class _Reader:
    def __init__(self, data: dict[str, Any], resolver: Resolver[Any], path: Path) -> None:
        self.data = data
        self.resolver = resolver
        self.path = path
        self.result = Imported()
        self.schemes: dict[str, Any] = {}

    def deref(self, node: Any, resolver: Resolver[Any]) -> tuple[Any, Resolver[Any]]:
        """`node` with its `$ref`s followed (a chain of them too), and the resolver of where it lies."""
        hops = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str):
            hops += 1
            if hops > MAX_HOPS:
                raise OpenApiError(f"`$ref: {node['$ref']}` goes round in a cycle")
            try:
                resolved = resolver.lookup(node["$ref"])
            except Unresolvable as exc:
                raise OpenApiError(f"cannot resolve `$ref: {node['$ref']}`: {_cause(exc)}") from None
            node, resolver = resolved.contents, resolved.resolver
        return node, resolver

    def read(self) -> None:
        data = self.data
        info = as_dict(data.get("info"))
        title = str(info.get("title") or self.path.stem)
        self._servers(data.get("servers"))
        schemes = as_dict(as_dict(data.get("components")).get("securitySchemes"))
        for name, scheme in schemes.items():
            try:
                self.schemes[name] = self.deref(scheme, self.resolver)[0]
            except OpenApiError:
                continue
        tags = {
            str(t.get("name")): str(t.get("description") or "") for t in data.get("tags") or [] if isinstance(t, dict)
        }
        groups: dict[str, list[tuple[str, list[str]]]] = {}
        names: dict[str, set[str]] = {}
        for route, item in (data.get("paths") or {}).items():
            notes: list[str] = []
            try:
                item_node, item_resolver = self.deref(item, self.resolver)
            except OpenApiError as exc:
                groups.setdefault(title, []).append((f"## {route}\n\n> Not carried over: {exc}", [f"{route}: {exc}"]))
                continue
            if not isinstance(item_node, dict):
                continue
            shared = item_node.get("parameters") or []
            for method in METHODS:
                if method not in item_node:
                    continue
                tag = title
                try:
                    operation, resolver = self.deref(item_node[method], item_resolver)
                    if not isinstance(operation, dict):
                        continue
                    op_tags = operation.get("tags")
                    tag = str(op_tags[0]) if isinstance(op_tags, list) and op_tags else title
                    section, notes = self._operation(
                        route, method, operation, resolver, shared, item_resolver, names.setdefault(tag, set())
                    )
                except OpenApiError as exc:
                    section, notes = f"## {method.upper()} {route}\n\n> Not carried over: {exc}", [str(exc)]
                groups.setdefault(tag, []).append((section, [f"{method.upper()} {route}: {n}" for n in notes]))
        for tag, sections in groups.items():
            parts = [f"# {tag}"]
            description = tags.get(tag) or (str(info.get("description") or "") if tag == title else "")
            if description.strip():
                parts.append(description.strip())
            text = "\n\n".join([*parts, *(s for s, _ in sections)]) + "\n"
            notes = [n for _, ns in sections for n in ns]
            file = (slugify(tag) or "api") + ".voiden"
            self.result.documents.append(Written(file, text, len(sections), notes))

    def _servers(self, servers: Any) -> None:
        for index, server in enumerate(servers if isinstance(servers, list) else []):
            if not isinstance(server, dict) or not server.get("url"):
                continue
            url = str(server["url"])
            for key, variable in (server.get("variables") or {}).items():
                if isinstance(variable, dict):
                    url = url.replace("{" + key + "}", str(variable.get("default", "")))
            if not has_scheme(url) and not url.startswith("{{"):
                self.result.notes.append(
                    f"the server URL {url} is relative to where the spec is served: base_url is set to "
                    f"http://localhost{url}; change it in voiden.toml"
                )
                url = f"http://localhost{url if url.startswith('/') else '/' + url}"
            name = slugify(str(server.get("description") or "")) or ("default" if index == 0 else f"server-{index + 1}")
            while name in self.result.environments:
                name += "-2"
            self.result.environments[name] = {"base_url": url.rstrip("/")}
            if self.result.default_env is None:
                self.result.default_env = name
        if not self.result.environments:
            self.result.environments["default"] = {"base_url": "http://localhost"}
            self.result.default_env = "default"

    def _operation(
        self,
        route: str,
        method: str,
        operation: dict[str, Any],
        resolver: Resolver[Any],
        shared: list[Any],
        shared_resolver: Resolver[Any],
        taken: set[str],
    ) -> tuple[str, list[str]]:
        notes: list[str] = []
        base = re.sub(r"[^A-Za-z0-9_-]+", "-", str(operation.get("operationId") or "")).strip("-")
        base = base or slugify(f"{method} {route}") or "request"
        name = unique_name(base, taken)
        params: dict[tuple[str, str], tuple[dict[str, Any], Resolver[Any]]] = {}
        for group, group_resolver in ((shared, shared_resolver), (operation.get("parameters") or [], resolver)):
            for raw in group if isinstance(group, list) else []:
                param, param_resolver = self.deref(raw, group_resolver)
                if isinstance(param, dict) and param.get("name") and param.get("in"):
                    params[(str(param["in"]), str(param["name"]))] = (param, param_resolver)
        path = route
        query: list[str] = []
        headers: list[tuple[str, str]] = []
        for (where, key), (param, param_resolver) in params.items():
            required = bool(param.get("required")) or where == "path"
            example = self._param_example(param, param_resolver)
            if where == "path":
                path = path.replace("{" + key + "}", encoded(plain(example), form=False))
            elif where == "query" and (required or "example" in param):
                query.append(f"{encoded(key)}={encoded(plain(example))}")
            elif where == "header" and required and key.lower() not in ("accept", "content-type", "authorization"):
                headers.append((key, plain(example)))
            elif where == "cookie" and required:
                headers.append(("Cookie", f"{key}={plain(example)}"))
        body: str | None = None
        request_body, body_resolver = self.deref(operation.get("requestBody"), resolver)
        if isinstance(request_body, dict):
            body = self._body(request_body, body_resolver, headers, notes)
        self._security(operation, headers, query, notes)
        target = "{{base_url}}" + path + ("?" + "&".join(query) if query else "")
        status = self._success(operation)
        metadata = [("no-redirect", "")] if status is not None and 300 <= status < 400 else []
        request = make_request(name, "http", target, method=method.upper(), headers=headers, body=body,
                               metadata=metadata)  # fmt: skip
        parts = [f"## {operation.get('summary') or name}"]
        description = str(operation.get("description") or "").strip()
        if description:
            parts.append(description)
        if operation.get("deprecated"):
            parts.append("**Deprecated** in the spec.")
        parts += [f"> Not carried over: {note}" for note in notes]
        parts.append(render_request(request))
        if status is not None:
            parts.append(f"```expect\nstatus == {status}\n```")
        return "\n\n".join(parts), notes

    def _param_example(self, param: dict[str, Any], resolver: Resolver[Any]) -> Any:
        if "example" in param and not too_big(param["example"]):
            return param["example"]
        examples = param.get("examples")
        if isinstance(examples, dict) and examples:
            first, _ = self.deref(next(iter(examples.values())), resolver)
            if isinstance(first, dict) and "value" in first:
                return first["value"]
        schema, schema_resolver = self.deref(param.get("schema") or {}, resolver)
        return self.sample(schema, schema_resolver, str(param.get("name") or ""), 0, frozenset())

    def _body(
        self, body: dict[str, Any], resolver: Resolver[Any], headers: list[tuple[str, str]], notes: list[str]
    ) -> str | None:
        content = as_dict(body.get("content"))
        if not content:
            return None
        kind = next((t for t in BODY_TYPES if t in content), None) or next(
            (t for t in content if "json" in t or t.startswith("text/")), next(iter(content))
        )
        media = content[kind] if isinstance(content[kind], dict) else {}
        value: Any = None
        if "example" in media:
            value = media["example"]
        elif isinstance(media.get("examples"), dict) and media["examples"]:
            first, _ = self.deref(next(iter(media["examples"].values())), resolver)
            value = first.get("value") if isinstance(first, dict) else None
        schema, schema_resolver = self.deref(media.get("schema") or {}, resolver)
        if value is not None and too_big(value):
            notes.append(f"the spec's example has over {MAX_EXAMPLE_NODES:,} values (YAML aliases?): a sample instead")
            value = None
        if value is None:
            value = self.sample(schema, schema_resolver, "", 0, frozenset())
        if kind == "multipart/form-data":
            fields = [
                FormField(k, file="./upload.bin") if is_binary(v) else FormField(k, plain(v))
                for k, v in (value.items() if isinstance(value, dict) else [])
            ]
            if any(f.file for f in fields):
                notes.append("a file part is sent from ./upload.bin: put the file there, or change the path")
            headers.append(("Content-Type", MULTIPART_TYPE))
            return multipart(fields)
        headers.append(("Content-Type", kind))
        if kind == "application/x-www-form-urlencoded":
            pairs = value.items() if isinstance(value, dict) else []
            return "&".join(f"{encoded(str(k))}={encoded(plain(v))}" for k, v in pairs)
        if "json" in kind:
            return render(value)
        if is_binary(value) or kind == "application/octet-stream":
            notes.append("the body is a file: sent from ./upload.bin")
            return "< ./upload.bin"
        return plain(value) if not isinstance(value, dict | list) else render(value)

    def _security(
        self, operation: dict[str, Any], headers: list[tuple[str, str]], query: list[str], notes: list[str]
    ) -> None:
        requirements = operation.get("security", self.data.get("security"))
        if not isinstance(requirements, list) or not requirements or not isinstance(requirements[0], dict):
            return
        for scheme_name in requirements[0]:
            scheme = self.schemes.get(scheme_name)
            if not isinstance(scheme, dict):
                notes.append(f"the security scheme `{scheme_name}` is not defined")
                continue
            env = re.sub(r"[^A-Z0-9]+", "_", str(scheme_name).upper()).strip("_") or "API"
            kind = scheme.get("type")
            if kind == "apiKey" and scheme.get("in") == "header":
                headers.append((str(scheme.get("name")), "{{" + env + "}}"))
            elif kind == "apiKey" and scheme.get("in") == "cookie":
                headers.append(("Cookie", f"{scheme.get('name')}={{{{{env}}}}}"))
            elif kind == "apiKey":
                notes.append(
                    f"the API key `{scheme.get('name')}` goes in the query: add `{scheme.get('name')}={{{{{env}}}}}`"
                )
            elif kind == "http" and str(scheme.get("scheme", "")).lower() == "basic":
                headers.append(("Authorization", f"Basic {{{{{env}_USER}}}}:{{{{{env}_PASSWORD}}}}"))
                self._name(f"{env}_USER")
                self._name(f"{env}_PASSWORD")
                continue
            elif kind in ("http", "oauth2", "openIdConnect"):
                headers.append(("Authorization", f"Bearer {{{{{env}_TOKEN}}}}"))
                if kind != "http":
                    notes.append(f"{kind}: fetch a token by hand and put it in .env as {env}_TOKEN")
                self._name(f"{env}_TOKEN")
                continue
            else:
                notes.append(f"the security scheme `{scheme_name}` ({kind})")
                continue
            self._name(env)

    def _name(self, name: str) -> None:
        if name not in self.result.secret_names:
            self.result.secret_names.append(name)

    @staticmethod
    def _success(operation: dict[str, Any]) -> int | None:
        codes = [str(c) for c in (operation.get("responses") or {}) if str(c).isdigit()]
        good = sorted(int(c) for c in codes if c.startswith("2")) or sorted(int(c) for c in codes if c.startswith("3"))
        return good[0] if good else None

    def sample(self, schema: Any, resolver: Resolver[Any], name: str, depth: int, seen: frozenset[str]) -> Any:
        """An example value for `schema`: its own example, default or first enum value, else fake data by
        type, format and name; objects up to MAX_PROPERTIES properties, MAX_DEPTH deep, a cycle cut."""
        if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            if ref in seen or depth > MAX_DEPTH:
                return {}
            schema, resolver = self.deref(schema, resolver)
            seen = seen | {ref}
        if not isinstance(schema, dict):
            return string_template(name.lower())
        for key in ("example", "default"):
            if key in schema:
                return schema[key]
        if isinstance(schema.get("examples"), list) and schema["examples"]:
            return schema["examples"][0]
        if isinstance(schema.get("enum"), list) and schema["enum"]:
            return schema["enum"][0]
        if "const" in schema:
            return schema["const"]
        for key in ("oneOf", "anyOf"):
            if isinstance(schema.get(key), list) and schema[key]:
                return self.sample(schema[key][0], resolver, name, depth + 1, seen)
        if isinstance(schema.get("allOf"), list):
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                value = self.sample(part, resolver, name, depth + 1, seen)
                if isinstance(value, dict):
                    merged.update(value)
            return merged
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = next((k for k in kind if k != "null"), None)
        if kind is None and isinstance(schema.get("properties"), dict):
            kind = "object"
        if kind == "object" or (kind is None and "additionalProperties" in schema):
            if depth >= MAX_DEPTH:
                return {}
            properties = as_dict(schema.get("properties"))
            return {
                key: self.sample(value, resolver, key, depth + 1, seen)
                for key, value in list(properties.items())[:MAX_PROPERTIES]
                if not (isinstance(value, dict) and value.get("readOnly"))
            }
        if kind == "array":
            if depth >= MAX_DEPTH:
                return []
            return [self.sample(schema.get("items") or {}, resolver, name, depth + 1, seen)]
        if kind == "integer":
            low, high = schema.get("minimum"), schema.get("maximum")
            if isinstance(low, int) or isinstance(high, int):
                low = low if isinstance(low, int) else 0
                high = high if isinstance(high, int) else low + 100
                return Bare(f"{{{{$randomInt {low} {high}}}}}")
            return Bare(INTEGER)
        if kind == "number":
            return Bare(NUMBER)
        if kind == "boolean":
            return Bare(BOOLEAN)
        return string_sample(schema, name)


def _cause(exc: BaseException) -> str:
    seen = exc
    while seen.__cause__ is not None or seen.__context__ is not None:
        nxt = seen.__cause__ or seen.__context__
        if nxt is None:
            break
        seen = nxt
        if isinstance(seen, OpenApiError):
            return str(seen)
    return str(exc)
