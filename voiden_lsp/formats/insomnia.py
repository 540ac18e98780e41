"""Insomnia exports (v4, JSON or YAML: `_type: export`, `__export_format: 4`; and v5 YAML collections,
`type: collection.insomnia.rest/5.0`) as `.voiden` documents: a document per folder (per workspace when the
export holds several), HTTP, GraphQL, gRPC and WebSocket requests, the environments as `voiden.toml`
environments (sub-environments on top of the base one), credentials in `.env`. Nunjucks `{{ _.name }}`
becomes `{{name}}`; a `{% tag %}` (Insomnia's template tags run code) is a note."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from voiden_lsp.document.markup import slugify
from voiden_lsp.formats.building import (
    MULTIPART_TYPE,
    FormField,
    Written,
    credential,
    encoded,
    importable_url,
    make_request,
    multipart,
    unique_name,
)
from voiden_lsp.formats.voiden import render_request

_TAG = re.compile(r"\{%.*?%\}", re.DOTALL)


class InsomniaError(ValueError):
    """Not an Insomnia export: what was expected."""


@dataclass
class Imported:
    documents: list[Written] = field(default_factory=list)
    environments: dict[str, dict[str, str]] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)


def looks_like_insomnia(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    return (data.get("_type") == "export" and isinstance(data.get("resources"), list)) or str(
        data.get("type", "")
    ).startswith("collection.insomnia.rest/")


def read_insomnia(data: Any) -> Imported:
    if not looks_like_insomnia(data):
        raise InsomniaError("not an Insomnia export: expected `_type: export` with `resources`, or a v5 collection")
    reader = _Reader()
    if data.get("_type") == "export":
        if data.get("__export_format") != 4:
            raise InsomniaError(f"Insomnia export format {data.get('__export_format')}: only 4 (and v5 YAML) is read")
        reader.v4([r for r in data["resources"] if isinstance(r, dict)])
    else:
        reader.v5(data)
    return reader.result


def _text(value: Any) -> str:
    """Nunjucks as our templates: `{{ _.name }}` / `{{ _['name'] }}` -> `{{name}}`."""
    text = "" if value is None else str(value)
    text = re.sub(r"\{\{\s*_\.([\w.-]+)\s*\}\}", r"{{\1}}", text)
    return re.sub(r"\{\{\s*_\[['\"]([^'\"]+)['\"]\]\s*\}\}", r"{{\1}}", text)


class _Reader:
    def __init__(self) -> None:
        self.result = Imported()
        self.paths: set[str] = set()

    # ---- v4: a flat list of resources linked by parentId
    def v4(self, resources: list[dict[str, Any]]) -> None:
        children: dict[Any, list[dict[str, Any]]] = {}
        for resource in resources:
            children.setdefault(resource.get("parentId"), []).append(resource)
        payloads = {r.get("parentId"): r for r in resources if r.get("_type") == "websocket_payload"}
        workspaces = [r for r in resources if r.get("_type") == "workspace"]
        for workspace in workspaces:
            prefix = (slugify(str(workspace.get("name") or "")) or "insomnia") if len(workspaces) > 1 else ""
            self._v4_environments(workspace, children)
            self._v4_folder(workspace, children, payloads, prefix, str(workspace.get("name") or "Insomnia"), 0)

    def _v4_environments(self, workspace: dict[str, Any], children: dict[Any, list[dict[str, Any]]]) -> None:
        for base in (r for r in children.get(workspace.get("_id"), []) if r.get("_type") == "environment"):
            values = _flat(base.get("data"))
            if values:
                self._environment("base", values)
            for sub in (r for r in children.get(base.get("_id"), []) if r.get("_type") == "environment"):
                self._environment(str(sub.get("name") or "env"), {**values, **_flat(sub.get("data"))})

    def _v4_folder(
        self,
        folder: dict[str, Any],
        children: dict[Any, list[dict[str, Any]]],
        payloads: dict[Any, dict[str, Any]],
        path: str,
        title: str,
        depth: int,
    ) -> None:
        if depth > 64:
            return
        items = sorted(children.get(folder.get("_id"), []), key=lambda r: r.get("metaSortKey") or 0)
        sections: list[str] = []
        notes: list[str] = []
        taken: set[str] = set()
        for item in items:
            kind = item.get("_type")
            if kind == "request_group":
                name = str(item.get("name") or "folder")
                sub = f"{path}/{slugify(name) or 'folder'}" if path else slugify(name) or "folder"
                self._v4_folder(item, children, payloads, sub, name, depth + 1)
            elif kind in ("request", "grpc_request", "websocket_request", "socketio_request"):
                section, item_notes = self._request(item, kind, payloads.get(item.get("_id")), taken)
                sections.append(section)
                notes += item_notes
        self._document(
            path or slugify(title) or "insomnia", title, str(folder.get("description") or ""), sections, notes
        )

    # ---- v5: a tree under `collection`
    def v5(self, data: dict[str, Any]) -> None:
        name = str(data.get("name") or "Insomnia")
        environments = data.get("environments")
        if isinstance(environments, dict):
            base = _flat(environments.get("data"))
            if base:
                self._environment("base", base)
            for sub in environments.get("subEnvironments") or []:
                if isinstance(sub, dict):
                    self._environment(str(sub.get("name") or "env"), {**base, **_flat(sub.get("data"))})
        self._v5_folder(
            data.get("collection") or [], "", name, str((data.get("meta") or {}).get("description") or ""), 0
        )

    def _v5_folder(self, items: Any, path: str, title: str, description: str, depth: int) -> None:
        if depth > 64 or not isinstance(items, list):
            return
        sections: list[str] = []
        notes: list[str] = []
        taken: set[str] = set()
        for item in (i for i in items if isinstance(i, dict)):
            if "children" in item:
                name = str(item.get("name") or "folder")
                sub = f"{path}/{slugify(name) or 'folder'}" if path else slugify(name) or "folder"
                self._v5_folder(
                    item["children"], sub, name, str((item.get("meta") or {}).get("description") or ""), depth + 1
                )
                continue
            kind = (
                "request" if "method" in item else "grpc_request" if "protoMethodName" in item else "websocket_request"
            )
            section, item_notes = self._request(item, kind, None, taken)
            sections.append(section)
            notes += item_notes
        self._document(path or slugify(title) or "insomnia", title, description, sections, notes)

    # ---- shared
    def _document(self, path: str, title: str, description: str, sections: list[str], notes: list[str]) -> None:
        if not sections:
            return
        file, n = f"{path}.voiden", 2
        while file in self.paths:
            file, n = f"{path}-{n}.voiden", n + 1
        self.paths.add(file)
        parts = [f"# {title}", *([description.strip()] if description.strip() else [])]
        self.result.documents.append(Written(file, "\n\n".join([*parts, *sections]) + "\n", len(sections), notes))

    def _environment(self, name: str, values: dict[str, str]) -> None:
        key = slugify(name) or "env"
        while key in self.result.environments:
            key += "-2"
        plain = {}
        for k, v in values.items():
            if re.search(r"(?i)token|secret|password|api_?key", k) and v and "{{" not in v:
                self.result.secrets.setdefault(k, v)
            else:
                plain[k] = _text(v)
        self.result.environments[key] = plain

    def _request(
        self, item: dict[str, Any], kind: str, payload: dict[str, Any] | None, taken: set[str]
    ) -> tuple[str, list[str]]:
        notes: list[str] = []
        title = str(item.get("name") or "request")
        base = slugify(title) or "request"
        name = unique_name(base, taken)
        url = _text(item.get("url"))
        headers = [
            (str(h.get("name")), _text(h.get("value")))
            for h in item.get("headers") or item.get("metadata") or []
            if isinstance(h, dict) and h.get("name") and not h.get("disabled")
        ]
        params = [
            p for p in item.get("parameters") or [] if isinstance(p, dict) and p.get("name") and not p.get("disabled")
        ]
        if params:
            query = "&".join(f"{encoded(str(p['name']))}={encoded(_text(p.get('value')))}" for p in params)
            url += ("&" if "?" in url else "?") + query
        body: str | None = None
        variables: str | None = None
        rpc: str | None = None
        protocol = "http"
        if kind == "grpc_request":
            protocol = "grpc"
            rpc = str(item.get("protoMethodName") or "").lstrip("/") or None
            if rpc is None:
                notes.append("no method chosen in Insomnia: write `package.Service/Method` after the address")
                rpc = "package.Service/Method"
            body = _text((item.get("body") or {}).get("text")) or None
            if not url.startswith(("grpc://", "grpcs://")):
                url = ("grpcs://" if url.startswith("grpcs") else "grpc://") + url.split("://", 1)[-1]
        elif kind in ("websocket_request", "socketio_request"):
            protocol = "ws" if kind == "websocket_request" else "socketio"
        else:
            body, variables, protocol = self._body(item.get("body"), headers, notes)
        self._auth(item.get("authentication"), headers, name, notes)
        url = importable_url(url, notes, default_scheme=kind == "request")
        texts = [url, body or "", *(v for _, v in headers)]
        if any(_TAG.search(t) for t in texts):
            notes.append("an Insomnia template tag (`{% ... %}`) runs code: replace it with a value or a variable")
        method = str(item.get("method") or "GET").upper() if protocol in ("http", "graphql") else ""
        request = make_request(name, protocol, url, method=method, headers=headers, body=body, variables=variables,
                               rpc=rpc)  # fmt: skip
        parts = [f"## {title}"]
        description = str(item.get("description") or "").strip()
        if description:
            parts.append(description)
        for script in ("preRequestScript", "afterResponseScript"):
            if str(item.get(script) or "").strip():
                which = "pre-request" if script.startswith("pre") else "after-response"
                notes.append(f"a {which} script: voiden runs no scripts")
        parts += [f"> Not carried over: {note}" for note in notes]
        parts.append(render_request(request))
        if payload and str(payload.get("value") or "").strip():
            parts.append(f"```message\n{_text(payload.get('value'))}\n```")
        return "\n\n".join(parts), [f"{name}: {note}" for note in notes]

    def _body(self, body: Any, headers: list[tuple[str, str]], notes: list[str]) -> tuple[str | None, str | None, str]:
        if not isinstance(body, dict) or not body:
            return None, None, "http"
        mime = str(body.get("mimeType") or "")
        has_type = any(k.lower() == "content-type" for k, _ in headers)
        if mime == "application/graphql":
            try:
                graphql = json.loads(body.get("text") or "{}")
            except ValueError:
                graphql = {"query": body.get("text") or ""}
            headers[:] = [(k, v) for k, v in headers if k.lower() != "content-type"]
            variables = graphql.get("variables")
            text_vars = json.dumps(variables, indent=2) if variables else None
            return _text(graphql.get("query") or ""), text_vars, "graphql"
        if mime == "application/x-www-form-urlencoded":
            rows = [p for p in body.get("params") or [] if isinstance(p, dict) and not p.get("disabled")]
            if not has_type:
                headers.append(("Content-Type", mime))
            return (
                "&".join(f"{encoded(str(p.get('name')))}={encoded(_text(p.get('value')))}" for p in rows),
                None,
                "http",
            )
        if mime == "multipart/form-data":
            fields = []
            for p in body.get("params") or []:
                if not isinstance(p, dict) or p.get("disabled"):
                    continue
                if p.get("type") == "file":
                    fields.append(FormField(str(p.get("name")), file=str(p.get("fileName") or "./upload.bin")))
                    notes.append(
                        f"form field `{p.get('name')}` sends the file {p.get('fileName')}: keep it in the collection"
                    )
                else:
                    fields.append(FormField(str(p.get("name")), _text(p.get("value"))))
            headers[:] = [(k, v) for k, v in headers if k.lower() != "content-type"]
            headers.append(("Content-Type", MULTIPART_TYPE))
            return multipart(fields), None, "http"
        if body.get("fileName"):
            notes.append(f"the body is the file {body['fileName']}: keep it in the collection")
            return f"< {body['fileName']}", None, "http"
        text = _text(body.get("text"))
        if text and mime and not has_type:
            headers.append(("Content-Type", mime))
        return (text or None), None, "http"

    def _auth(self, auth: Any, headers: list[tuple[str, str]], name: str, notes: list[str]) -> None:
        if not isinstance(auth, dict) or not auth.get("type") or auth.get("disabled"):
            return
        kind = auth["type"]
        if kind == "bearer":
            prefix = str(auth.get("prefix") or "Bearer")
            headers.append(("Authorization", f"{prefix} {self._secret(auth.get('token'), name, 'TOKEN')}"))
        elif kind == "basic":
            user = _text(auth.get("username"))
            headers.append(("Authorization", f"Basic {user}:{self._secret(auth.get('password'), name, 'PASSWORD')}"))
        elif kind == "apikey":
            key = str(auth.get("key") or "X-API-Key")
            value = self._secret(auth.get("value"), name, "API_KEY")
            if auth.get("addTo") == "queryParams":
                notes.append(f"the API key `{key}` goes in the query: add `{key}={value}` to the URL")
            else:
                headers.append((key, value))
        elif kind != "none":
            notes.append(f"`{kind}` auth: set its header by hand")

    def _secret(self, value: Any, request: str, kind: str) -> str:
        return credential(_text(value), request, kind, self.result.secrets)


def _flat(data: Any, prefix: str = "") -> dict[str, str]:
    """Environment data as flat names: nested objects as `a.b` (how Insomnia's `{{ _.a.b }}` reads them)."""
    out: dict[str, str] = {}
    if not isinstance(data, dict):
        return out
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat(value, name + "."))
        elif isinstance(value, str | int | float | bool):
            out[name] = str(value).lower() if isinstance(value, bool) else str(value)
    return out
