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
from pathlib import Path
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
        return _environment(data)
    if not looks_like_postman(data):
        raise PostmanError(
            "not a Postman collection: expected an object with `info.schema` naming "
            "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"
        )
    reader = _Reader(data, source)
    reader.read()
    return reader.result


def _environment(data: dict[str, Any]) -> Imported:
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


def _rows(value: Any) -> list[dict[str, Any]]:
    return [row for row in value if isinstance(row, dict)] if isinstance(value, list) else []


def _enabled(rows: Any) -> list[dict[str, Any]]:
    return [row for row in _rows(rows) if not row.get("disabled")]


class _Reader:
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
        for row in _rows(data.get("variable")):
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
        for item in _rows(folder.get("item")):
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
            events = [str(e.get("name")) for e in _rows(spec.get("events")) if e.get("subscribeOnConnect")]
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
            for variable in _rows(url.get("variable")):  # path variables, `:id`
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
        values = given if isinstance(given, dict) else {str(r.get("key")): r.get("value") for r in _rows(given)}
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
        for event in _rows(events):
            script = _script(event)
            if script.strip():
                notes.append(f"{where} has a {event.get('listen')} script: voiden runs no scripts")
        return notes

    def _tests(self, events: Any, name: str) -> tuple[list[str], list[str]]:
        """(notes, expect lines) from a request's scripts."""
        notes: list[str] = []
        expects: list[str] = []
        for event in _rows(events):
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


# The test-script lines people write most (Postman's own snippets), as expectations. A line is read when it
# matches one of these whole; the rest is listed in a note.
_VALUE = r"(?P<value>-?\d+(?:\.\d+)?|true|false|null|\"[^\"]*\"|'[^']*')"
_PATH = r"(?P<path>(?:\.[A-Za-z_$][\w$]*|\[\d+\]|\[(?:\"[^\"]*\"|'[^']*')\])*)"
_BODY = rf"(?:pm\.response\.json\(\)|(?P<var>[A-Za-z_$][\w$]*)){_PATH}"
_PATTERNS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"pm\.response\.to\.have\.status\((?P<n>\d{3})\)"), "status == {n}"),
    (re.compile(r"pm\.response\.to\.be\.ok"), "status == 200"),
    (re.compile(r"pm\.expect\(pm\.response\.code\)\.to\.(?:eql|equal|be\.equal)\((?P<n>\d{3})\)"), "status == {n}"),
    (re.compile(r"pm\.expect\(pm\.response\.code\)\.to\.be\.oneOf\(\[(?P<list>[\d,\s]+)\]\)"), "status in {list}"),
    (
        re.compile(r"pm\.expect\(pm\.response\.responseTime\)\.to\.be\.(?:below|lessThan)\((?P<n>\d+)\)"),
        "time < {n}ms",
    ),
    (re.compile(r"pm\.response\.to\.have\.header\((?P<q>[\"'])(?P<h>[^\"']+)(?P=q)\)"), "header {h} exists"),
    (
        re.compile(
            r"pm\.expect\(pm\.response\.headers\.get\((?P<q>[\"'])(?P<h>[^\"']+)(?P=q)\)\)\.to\.(?:eql|equal|include)\((?P<v>[\"'][^\"']*[\"'])\)"
        ),
        "header {h} contains {v}",
    ),
    (re.compile(r"pm\.response\.to\.(?:be\.json|have\.jsonBody\(\))"), "header content-type contains json"),
    (
        re.compile(r"pm\.expect\(pm\.response\.text\(\)\)\.to\.include\((?P<v>\"[^\"]*\"|'[^']*')\)"),
        "body contains {v}",
    ),
    (re.compile(r"pm\.response\.to\.have\.body\((?P<v>\"[^\"]*\"|'[^']*')\)"), "body == {v}"),
    (
        re.compile(rf"pm\.expect\({_BODY}\)\.to\.(?:eql|equal|be\.equal|deep\.equal)\({_VALUE}\)"),
        "{subject} == {value}",
    ),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.not\.(?:eql|equal)\({_VALUE}\)"), "{subject} != {value}"),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.(?:be\.)?(?:above|greaterThan)\({_VALUE}\)"), "{subject} > {value}"),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.(?:be\.)?(?:below|lessThan)\({_VALUE}\)"), "{subject} < {value}"),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.(?:include|contain)\({_VALUE}\)"), "{subject} contains {value}"),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.(?:exist|not\.be\.undefined|be\.not\.undefined)"), "{subject} exists"),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.be\.(?:an?)\((?P<q>[\"'])(?P<t>\w+)(?P=q)\)"), "{subject} type-is {t}"),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.be\.(?P<t>true|false|null)\b"), "{subject} == {t}"),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.(?:be\.)?empty"), "{subject} is-empty"),
    (re.compile(rf"pm\.expect\({_BODY}\)\.to\.not\.be\.empty"), "{subject} not-empty"),
    (
        re.compile(rf"pm\.expect\({_BODY}\)\.to\.have\.property\((?P<q>[\"'])(?P<p>[^\"']+)(?P=q)\)"),
        "{subject}.{p} exists",
    ),
    (
        re.compile(r"tests\[(?P<q>[\"']).*?(?P=q)\]\s*=\s*\(?responseCode\.code\s*===?\s*(?P<n>\d{3})\)?"),
        "status == {n}",
    ),
]
_JSON_VAR = re.compile(
    r"(?:var|let|const)\s+(?P<var>[A-Za-z_$][\w$]*)\s*=\s*(?:pm\.response\.json\(\)|JSON\.parse\(responseBody\))"
)
_NOISE = re.compile(r"^(?:pm\.test\(.*(?:function\s*\(\)|=>)\s*\{?|\}\)?;?|\);?|//.*|)$")


def script_expectations(script: str) -> tuple[list[str], list[str]]:
    """(expect lines, the meaningful lines that were not read) of a Postman test script."""
    json_vars = {m.group("var") for m in _JSON_VAR.finditer(script)}
    read: list[str] = []
    left: list[str] = []
    for raw_line in script.splitlines():
        line = raw_line.strip().rstrip(";")
        inline = re.match(
            r"pm\.test\(.*?,\s*(?:function\s*\(\)\s*\{|\(\)\s*=>\s*\{?)\s*(?P<body>.+?)\s*\}?\s*\)$", line
        )
        if inline:  # pm.test("Status 200", () => pm.response.to.have.status(200));
            line = inline.group("body").strip().rstrip(";").rstrip("}").strip().rstrip(";")
        if _NOISE.match(line) or _JSON_VAR.fullmatch(line):
            continue
        found = _expectation(line, json_vars)
        if found is None:
            left.append(line)
        else:
            read.append(found)
    return read, left


def _expectation(line: str, json_vars: set[str]) -> str | None:
    for pattern, template in _PATTERNS:
        match = pattern.fullmatch(line)
        if match is None:
            continue
        groups = {k: v for k, v in match.groupdict().items() if v is not None}
        if "var" in groups and groups["var"] not in json_vars:
            return None  # a variable that is not the response's JSON
        if "path" in groups or "var" in groups or template.startswith("{subject}"):
            path = groups.get("path", "")
            path = re.sub(r"\[(\d+)\]", r".\1", path)
            path = re.sub(r"\[[\"']([^\"']+)[\"']\]", r".\1", path)
            groups["subject"] = "body" + path
        if "value" in groups and groups["value"].startswith("'"):
            groups["value"] = json.dumps(groups["value"][1:-1])
        if "v" in groups and groups["v"].startswith("'"):
            groups["v"] = json.dumps(groups["v"][1:-1])
        if "list" in groups:
            return None  # `status in [...]` has no single expectation: left as a note
        return template.format(**groups)
    return None


# Postman's git-native v3 collections (postman/collections/<name>/: a `*.request.yaml` per request,
# `.resources/definition.yaml` per collection or folder; postman/environments/*.environment.yaml), as the
# shapes of v2.1 that the reader above knows. The fields are those of Postman's own reference
# (postmanlabs/postman-plugin, skills/collection-schema-v3).
_V3_RAW = {"json": "json", "text": "text", "xml": "xml", "html": "html", "javascript": "javascript"}
_V3_SCRIPTS = {"beforeRequest": "prerequest", "afterResponse": "test", "beforeQuery": "prerequest",
               "beforeInvoke": "prerequest"}  # fmt: skip
MAX_V3_FILES = 10_000


def looks_like_postman_v3(path: Path) -> bool:
    """A v3 collection folder, or the `postman/` (or `postman/collections/`) folder that holds some."""
    if not path.is_dir():
        return False
    if (path / ".resources" / "definition.yaml").is_file() or any(path.glob("*.request.yaml")):
        return True
    return (path / "collections").is_dir() or (path.name == "collections" and any(path.iterdir()))


def read_postman_v3(root: Path) -> Imported:
    """Every v3 collection under `root`, and the environments beside them."""
    if (root / "collections").is_dir():
        collections = sorted(p for p in (root / "collections").iterdir() if p.is_dir())
        environments = root / "environments"
    elif root.name == "collections":
        collections = sorted(p for p in root.iterdir() if p.is_dir())
        environments = root.parent / "environments"
    else:
        collections = [root]
        environments = root.parent.parent / "environments" if root.parent.name == "collections" else root / "_"
    result = Imported()
    files = 0
    for folder in collections:
        data, count = _v3_folder(folder, root, 0)
        files += count
        if files > MAX_V3_FILES:
            raise PostmanError(f"{root} holds more than {MAX_V3_FILES:,} request files")
        reader = _Reader(data, folder.name)
        reader.read()
        result.documents += reader.result.documents
        result.secrets.update(reader.result.secrets)
    for path in sorted(environments.glob("*.environment.yaml")) if environments.is_dir() else []:
        env = _environment(_yaml(path) | {"_postman_variable_scope": "environment"})
        result.environments.update(env.environments)
        result.secrets.update(env.secrets)
    return result


def _yaml(path: Path) -> dict[str, Any]:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, OSError, RecursionError) as exc:
        raise PostmanError(f"{path}: not YAML: {str(exc).splitlines()[0]}") from None
    return data if isinstance(data, dict) else {}


def _v3_folder(folder: Path, root: Path, depth: int) -> tuple[dict[str, Any], int]:
    """A folder as a v2.1 folder item (the collection itself at depth 0), and how many files it read."""
    if depth > MAX_DEPTH:
        raise PostmanError(f"{folder}: folders nested deeper than {MAX_DEPTH}")
    definition = folder / ".resources" / "definition.yaml"
    meta = _yaml(definition) if definition.is_file() else {}
    entries: list[tuple[float, str, dict[str, Any]]] = []
    count = 0
    for path in sorted(folder.iterdir()):
        if path.is_symlink() or not path.resolve().is_relative_to(root.resolve()):
            continue  # a link out of the collection is not followed
        if path.is_dir() and not path.name.startswith("."):
            item, more = _v3_folder(path, root, depth + 1)
            count += more
            entries.append((float(item.pop("order", 0) or 0), path.name, item))
        elif path.name.endswith(".request.yaml"):
            count += 1
            request = _yaml(path)
            name = str(request.get("name") or path.name[: -len(".request.yaml")])
            entries.append((float(request.get("order") or 0), name, _v3_request(request, name)))
    items = [item for _, _, item in sorted(entries, key=lambda e: (e[0], e[1]))]
    name = str(meta.get("name") or folder.name)
    data: dict[str, Any] = {"name": name, "item": items, "description": meta.get("description") or ""}
    if meta.get("auth"):
        data["auth"] = _v3_auth(meta["auth"])
    if meta.get("order") is not None:
        data["order"] = meta["order"]
    if depth == 0:
        data = {"info": {"name": name, "description": data["description"],
                         "schema": "https://schema.getpostman.com/json/collection/v3/"},
                "item": items, "auth": data.get("auth"), "variable": meta.get("variables") or [],
                "event": _v3_events(meta.get("scripts"))}  # fmt: skip
    return data, count


def _v3_auth(auth: Any) -> Any:
    if isinstance(auth, list):  # multiAuth: the first
        auth = auth[0] if auth else None
    if not isinstance(auth, dict) or not auth.get("type"):
        return None
    kind = str(auth["type"])
    return {"type": kind, kind: _rows(auth.get("credentials"))}


def _v3_events(scripts: Any) -> list[dict[str, Any]]:
    return [
        {"listen": _V3_SCRIPTS.get(str(s.get("type")).split(":")[-1], "test"),
         "script": {"exec": str(s.get("code") or "").splitlines()}}
        for s in _rows(scripts)
    ]  # fmt: skip


def _v3_request(request: dict[str, Any], name: str) -> dict[str, Any]:
    kind = str(request.get("$kind") or "http-request")
    url: Any = str(request.get("url") or "")
    query = [q for q in _rows(request.get("queryParams")) if not q.get("disabled")]
    if query:
        url += ("&" if "?" in url else "?") + "&".join(f"{q.get('key')}={q.get('value') or ''}" for q in query)
    if request.get("pathVariables"):
        url = {"raw": url, "variable": _rows(request.get("pathVariables"))}
    spec: dict[str, Any] = {
        "$kind": kind,
        "url": url,
        "method": request.get("method") or ("POST" if kind == "graphql-request" else "GET"),
        "header": _rows(request.get("headers")),
        "metadata": _rows(request.get("metadata")),
        "auth": _v3_auth(request.get("auth")),
        "description": request.get("description") or "",
        "methodPath": request.get("methodPath"),
        "message": request.get("message"),
        "settings": request.get("settings"),
        "events": request.get("events"),
    }
    body = as_dict(request.get("body"))
    kind_of_body = str(body.get("type") or "none")
    content = body.get("content")
    if kind == "graphql-request":
        spec["body"] = {"mode": "graphql", "graphql": {"query": request.get("query") or "",
                                                       "variables": request.get("variables") or ""}}  # fmt: skip
    elif kind_of_body in _V3_RAW:
        spec["body"] = {
            "mode": "raw",
            "raw": str(content or ""),
            "options": {"raw": {"language": _V3_RAW[kind_of_body]}},
        }
    elif kind_of_body in ("urlencoded", "formdata"):
        spec["body"] = {"mode": kind_of_body, kind_of_body: _rows(content)}
    elif kind_of_body == "file":
        spec["body"] = {
            "mode": "file",
            "file": {"src": content if isinstance(content, str) else as_dict(content).get("src")},
        }
    return {"name": name, "request": spec, "event": _v3_events(request.get("scripts"))}
