"""Postman Collection v2.0 / v2.1 JSON (and Postman environment JSON) as `.voiden` documents.

A document per folder (the collection's own requests in one named after it, a nested folder in a folder of
files), a heading per request with its description as prose, the collection's variables as the front
matter's `vars` of each document (those named like secrets, and every credential of an `auth`, to `.env`),
auth inherited as Postman inherits it, and the common `pm.test` / `pm.expect` lines of a test script as
`expect` lines. What has no equivalent (other scripts, auth kinds, body modes) is a note, never dropped."""

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
    as_dict,
    credential,
    encoded,
    importable_url,
    make_request,
    multipart,
    set_default,
    unique_name,
)
from voiden_lsp.formats.postman_tests import script_expectations
from voiden_lsp.formats.voiden import render_request
from voiden_lsp.templating import secret_name

MAX_DEPTH = 64
"""Folders nested deeper are a note: a hostile collection cannot recurse us to death."""
_RAW_TYPES = {"json": "application/json", "xml": "application/xml", "html": "text/html", "text": "text/plain"}
_JS_TYPES = {"javascript": "application/javascript"}


class PostmanError(ValueError):
    """A source that is not a Postman collection or environment: says what was expected."""


@dataclass
class Imported:
    documents: list[Written] = field(default_factory=list)
    secrets: dict[str, str] = field(default_factory=dict)
    environments: dict[str, dict[str, str]] = field(default_factory=dict)
    """A Postman environment's plain values, for `voiden.toml` `[env.NAME]`."""


def looks_like_postman(data: Any) -> bool:
    if not isinstance(data, dict):
        return False
    info = data.get("info")
    schema = info.get("schema", "") if isinstance(info, dict) else ""
    return "getpostman.com" in str(schema) or data.get("_postman_variable_scope") == "environment"


def read_postman(text: str, source: str) -> Imported:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PostmanError(f"not JSON: line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except RecursionError:
        raise PostmanError("nested too deep to be a Postman collection (folders thousands deep)") from None
    if isinstance(data, dict) and data.get("_postman_variable_scope") == "environment":
        return read_environment(data)
    if not looks_like_postman(data):
        raise PostmanError(
            "not a Postman collection: expected an object with `info.schema` naming "
            "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
        )
    reader = Reader(data, source)
    reader.read()
    return reader.result


def read_environment(data: dict[str, Any]) -> Imported:
    name = slugify(str(data.get("name") or "postman")) or "postman"
    values: dict[str, str] = {}
    secrets: dict[str, str] = {}
    for row in data.get("values") or []:
        if not isinstance(row, dict) or row.get("enabled") is False or not row.get("key"):
            continue
        key, value = str(row["key"]), "" if row.get("value") is None else str(row.get("value"))
        if row.get("type") == "secret" or secret_name(key):
            secrets[key] = value
        else:
            values[key] = value
    return Imported(secrets=secrets, environments={name: values})


def _text(value: Any) -> str:
    """A description: a string, or `{content, type}`."""
    if isinstance(value, dict):
        value = value.get("content")
    return str(value).strip() if value else ""


def rows_of(value: Any) -> list[dict[str, Any]]:
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def _enabled(rows: Any) -> list[dict[str, Any]]:
    return [row for row in rows_of(rows) if not row.get("disabled")]


class Reader:
    def __init__(self, data: dict[str, Any], source: str) -> None:
        self.data = data
        self.source = source
        self.result = Imported()
        self.vars: dict[str, str] = {}
        self.taken_paths: set[str] = set()

    def read(self) -> None:
        data = self.data
        info = data.get("info")
        info = info if isinstance(info, dict) else {}
        title = str(info.get("name") or self.source)
        for row in rows_of(data.get("variable")):
            key = str(row.get("key") or row.get("id") or "")
            if not key or row.get("disabled"):
                continue
            value = "" if row.get("value") is None else str(row.get("value"))
            if secret_name(key) or row.get("type") == "secret":
                self.result.secrets[key] = value
            else:
                self.vars[key] = value
        collection_notes = self._script_notes(data.get("event"), "the collection")
        self._folder(title, slugify(title) or "collection", data, data.get("auth"), collection_notes, 0)

    def _folder(
        self, title: str, path: str, folder: dict[str, Any], auth: Any, inherited: list[str], depth: int
    ) -> None:
        if depth > MAX_DEPTH:
            self.result.documents.append(Written("", "", 0, [f"{title}: folders nested deeper than {MAX_DEPTH}"]))
            return
        sections: list[str] = []
        notes = [*inherited]
        count = 0
        names: set[str] = set()
        for item in rows_of(folder.get("item")):
            if "item" in item:  # a folder: a document of its own
                name = str(item.get("name") or "folder")
                folder_auth = item.get("auth") if item.get("auth") else auth
                folder_notes = self._script_notes(item.get("event"), f"folder {name}")
                self._folder(name, f"{path}/{slugify(name) or 'folder'}", item, folder_auth, folder_notes, depth + 1)
                continue
            if not isinstance(item.get("request"), dict | str):
                continue
            section, item_notes = self._request(item, auth, names)
            sections.append(section)
            notes += item_notes
            count += 1
        if not count:
            return
        info = folder.get("info")
        description = _text(folder.get("description") or (info.get("description") if isinstance(info, dict) else ""))
        head = "\n".join(
            ["---", "vars:", *(f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in self.vars.items()), "---"]
        )
        parts = [*([head] if self.vars else []), f"# {title}"]
        if description:
            parts.append(description)
        text = "\n\n".join([*parts, *sections]) + "\n"
        file = path + ".voiden"
        n = 2
        while file in self.taken_paths:
            file, n = f"{path}-{n}.voiden", n + 1
        self.taken_paths.add(file)
        self.result.documents.append(Written(file, text, count, notes))

    def _request(self, item: dict[str, Any], auth: Any, names: set[str]) -> tuple[str, list[str]]:
        title = str(item.get("name") or "request")
        base = slugify(title) or "request"
        name = unique_name(base, names)
        raw = item["request"]
        spec: dict[str, Any] = {"url": raw} if isinstance(raw, str) else raw
        notes: list[str] = []
        url = self._url(spec.get("url"), notes)
        method = str(spec.get("method") or "GET").upper()
        if spec.get("$kind") in ("grpc-request", "websocket-request", "socket.io-request"):
            return self._live(spec, name, title, url, notes)
        headers = [(str(h.get("key")), str(h.get("value") or "")) for h in _enabled(spec.get("header")) if h.get("key")]
        for index, (key, value) in enumerate(headers):  # a credential written into a header goes to .env too
            scheme, _, credential = value.strip().partition(" ")
            if key.lower() in ("authorization", "proxy-authorization") and credential and "{{" not in credential:
                headers[index] = (key, f"{scheme} {self._secret(credential, name, 'AUTH')}")
        body, protocol, variables = self._body(spec.get("body"), headers, notes, name)
        request_auth = spec.get("auth") if spec.get("auth") else auth
        url = self._auth(request_auth, headers, url, notes, name)
        request = make_request(name, protocol, url, method=method, headers=headers, body=body, variables=variables)
        script_notes, expects = self._tests(item.get("event"), name)
        notes += script_notes
        parts = [f"## {title}"]
        description = _text(spec.get("description") or item.get("description"))
        if description:
            parts.append(description)
        parts += [f"> Not carried over: {note}" for note in notes]
        parts.append(render_request(request))
        if expects:
            parts.append("```expect\n" + "\n".join(expects) + "\n```")
        return "\n\n".join(parts), [f"{name}: {note}" for note in notes]

    def _live(self, spec: dict[str, Any], name: str, title: str, url: str, notes: list[str]) -> tuple[str, list[str]]:
        """A v3 gRPC, WebSocket or Socket.IO request (v2.1 exports cannot hold them)."""
        kind = spec["$kind"]
        headers = [
            (str(h.get("key")), str(h.get("value") or ""))
            for h in _enabled(spec.get("metadata") or spec.get("header"))
            if h.get("key")
        ]
        body = None
        rpc = None
        protocol = {"grpc-request": "grpc", "websocket-request": "ws", "socket.io-request": "socketio"}[kind]
        if protocol == "grpc":
            address = re.sub(r"^[a-z]+://", "", url)
            secure = (as_dict(spec.get("settings")).get("secureConnection")) or url.startswith(("grpcs://", "https://"))
            url = ("grpcs://" if secure else "grpc://") + address
            rpc = str(spec.get("methodPath") or "").lstrip("/") or None
            if rpc is None:
                notes.append("no method chosen in Postman: write `package.Service/Method` after the address")
                rpc = "package.Service/Method"
            body = str(as_dict(spec.get("message")).get("content") or "") or None
        if protocol == "socketio":
            events = [str(e.get("name")) for e in rows_of(spec.get("events")) if e.get("subscribeOnConnect")]
            if events:
                notes.append(f"events listened to in Postman ({', '.join(events)}): every event is shown here")
        self._auth(spec.get("auth"), headers, url, notes, name)
        request = make_request(name, protocol, url, headers=headers, body=body, rpc=rpc)
        parts = [f"## {title}", *[f"> Not carried over: {note}" for note in notes], render_request(request)]
        return "\n\n".join(parts), [f"{name}: {note}" for note in notes]

    def _url(self, url: Any, notes: list[str]) -> str:
        """Postman builds the URL from its parts when it has them (as newman does), else from `raw`."""
        if isinstance(url, dict) and url.get("host"):
            host = url["host"]
            raw = ".".join(map(str, host)) if isinstance(host, list) else str(host)
            if url.get("port"):
                raw += f":{url['port']}"
            path = url.get("path")
            path_text = "/".join(map(str, path)) if isinstance(path, list) else str(path or "").lstrip("/")
            if path_text or isinstance(path, list):
                raw += "/" + path_text
            query = [
                str(q.get("key") or "") + ("" if q.get("value") is None else f"={q.get('value')}")
                for q in _enabled(url.get("query"))
            ]
            if query:
                raw += "?" + "&".join(query)
            if url.get("hash"):
                raw += f"#{url['hash']}"
            if url.get("protocol"):
                raw = f"{url['protocol']}://{raw}"
        elif isinstance(url, dict):
            raw = str(url.get("raw") or "")
        else:
            raw = str(url or "")
        if isinstance(url, dict):
            for variable in rows_of(url.get("variable")):  # path variables, `:id`
                key = str(variable.get("key") or "")
                if key:
                    value = variable.get("value")
                    raw = re.sub(rf":{re.escape(key)}(?=/|\?|#|$)", str(value) if value else f"{{{{{key}}}}}", raw)
        return importable_url(raw, notes)

    def _body(
        self, body: Any, headers: list[tuple[str, str]], notes: list[str], name: str
    ) -> tuple[str | None, str, str | None]:
        """(body text, protocol, GraphQL variables)."""
        if not isinstance(body, dict) or body.get("disabled"):
            return None, "http", None
        mode = body.get("mode")
        if mode == "raw":
            text = str(body.get("raw") or "")
            language = ((body.get("options") or {}).get("raw") or {}).get("language") or "text"  # Postman's default
            kind = _RAW_TYPES.get(str(language)) or _JS_TYPES.get(str(language))
            if text and kind and kind != "application/json":
                set_default(headers, "Content-Type", kind)
            elif text and kind == "application/json":
                set_default(headers, "Content-Type", "application/json")
            return (text or None), "http", None
        if mode == "urlencoded":
            pairs = [
                f"{encoded(str(r.get('key')))}={encoded(str(r.get('value') or ''))}"
                for r in _enabled(body.get("urlencoded"))
            ]
            set_default(headers, "Content-Type", "application/x-www-form-urlencoded")
            return "&".join(pairs), "http", None
        if mode == "formdata":
            fields: list[FormField] = []
            for row in _enabled(body.get("formdata")):
                key = str(row.get("key") or "")
                if row.get("type") == "file":
                    src_value = row.get("src")
                    sources = src_value if isinstance(src_value, list) else [src_value]
                    for src in sources:
                        if not src:
                            notes.append(f"form field `{key}` names no file")
                            continue
                        if str(src).startswith("/") or ".." in str(src).replace("\\", "/").split("/"):
                            notes.append(f"form field `{key}` sends {src}: copy the file into the collection")
                        fields.append(FormField(key, file=str(src), content_type=row.get("contentType")))
                else:
                    fields.append(FormField(key, str(row.get("value") or "")))
            headers[:] = [(k, v) for k, v in headers if k.lower() != "content-type"]
            headers.append(("Content-Type", MULTIPART_TYPE))
            return multipart(fields), "http", None
        if mode == "file":
            src = (body.get("file") or {}).get("src")
            if not src:
                notes.append("the body is a file that the collection does not name")
                return None, "http", None
            if str(src).startswith("/") or ".." in str(src).replace("\\", "/").split("/"):
                notes.append(f"the body is the file {src}: copy the file into the collection")
            return f"< {src}", "http", None
        if mode == "graphql":
            graphql = body.get("graphql") or {}
            variables = str(graphql.get("variables") or "").strip() or None
            return str(graphql.get("query") or ""), "graphql", variables
        if mode:
            notes.append(f"a body of mode `{mode}`")
        return None, "http", None

    def _auth(self, auth: Any, headers: list[tuple[str, str]], url: str, notes: list[str], name: str) -> str:
        if not isinstance(auth, dict) or auth.get("type") in (None, "noauth", "inherit"):
            return url
        kind = str(auth["type"])
        given = auth.get(kind)  # v2.1: a list of {key, value}; v2.0: an object
        values = given if isinstance(given, dict) else {str(r.get("key")): r.get("value") for r in rows_of(given)}
        if kind == "bearer":
            headers.append(("Authorization", f"Bearer {self._secret(values.get('token'), name, 'TOKEN')}"))
        elif kind == "basic":
            user = str(values.get("username") or "")
            headers.append(("Authorization", f"Basic {user}:{self._secret(values.get('password'), name, 'PASSWORD')}"))
        elif kind == "apikey":
            key = str(values.get("key") or "X-API-Key")
            value = self._secret(values.get("value"), name, "API_KEY")
            if values.get("in") == "query":
                url += ("&" if "?" in url else "?") + f"{key}={value}"
            else:
                headers.append((key, value))
        elif kind == "oauth2" and values.get("accessToken"):
            prefix = str(values.get("headerPrefix") or "Bearer")
            headers.append(("Authorization", f"{prefix} {self._secret(values.get('accessToken'), name, 'TOKEN')}"))
            notes.append("OAuth 2: the access token Postman held is in .env; voiden does not fetch a new one")
        elif kind == "oauth2":
            grant = values.get("grant_type") or values.get("grantType") or "a grant"
            where = values.get("accessTokenUrl") or "the token URL"
            notes.append(f"OAuth 2 ({grant}, from {where}): fetch a token and send it as `Authorization: Bearer ...`")
        else:
            notes.append(f"`{kind}` auth: set its header by hand")
        return url

    def _secret(self, value: Any, request: str, kind: str) -> str:
        return credential("" if value is None else str(value), request, kind, self.result.secrets)

    def _script_notes(self, events: Any, where: str) -> list[str]:
        notes = []
        for event in rows_of(events):
            script = _script(event)
            if script.strip():
                notes.append(f"{where} has a {event.get('listen')} script: voiden runs no scripts")
        return notes

    def _tests(self, events: Any, name: str) -> tuple[list[str], list[str]]:
        """(notes, expect lines) from a request's scripts."""
        notes: list[str] = []
        expects: list[str] = []
        for event in rows_of(events):
            script = _script(event)
            if not script.strip():
                continue
            if event.get("listen") != "test":
                notes.append(f"a {event.get('listen')} script: voiden runs no scripts")
                continue
            read, left = script_expectations(script)
            expects += [line for line in read if line not in expects]
            if left:
                shown = "; ".join(left[:3]) + ("; ..." if len(left) > 3 else "")
                notes.append(f"test script lines not read as expectations: {shown}")
        return notes, expects


def _script(event: dict[str, Any]) -> str:
    script = event.get("script")
    exec_ = script.get("exec") if isinstance(script, dict) else None
    return "\n".join(map(str, exec_)) if isinstance(exec_, list) else str(exec_ or "")
