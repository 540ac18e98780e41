"""Bruno collections (a folder of `.bru` files with `bruno.json`, `collection.bru`, `folder.bru` and
`environments/*.bru`) as `.voiden` documents: a document per folder, a heading per request in `seq` order,
`docs` as prose, `assert` rows as `expect` lines, the environments as `voiden.toml` environments with their
`vars:secret` names and every credential in `.env`; scripts and tests are notes (voiden runs no scripts).
The files are read by formats/bru (`.bru`) and formats/opencollection (OpenCollection YAML)."""

from __future__ import annotations

import contextlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from voiden_lsp.document.markup import slugify
from voiden_lsp.formats.bru import BruFile, BrunoError, parse_bru
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
from voiden_lsp.formats.opencollection import OPENCOLLECTION, opencollection_as_bru, opencollection_problem
from voiden_lsp.formats.voiden import render_request
from voiden_lsp.templating import secret_name

MAX_FILES = 10_000
MAX_FILE = 4 * 1024 * 1024
_METHODS = ("get", "post", "put", "delete", "patch", "options", "head", "connect", "trace")
#: Bruno assert operators -> ours (None: no single expectation)
_OPERATORS = {
    "eq": "==", "neq": "!=", "gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "contains": "contains",
    "notContains": "not-contains", "startsWith": "starts-with", "endsWith": "ends-with", "matches": "matches",
    "isDefined": "exists", "isUndefined": "not-exists", "isEmpty": "is-empty", "isNotEmpty": "not-empty",
    "isNull": "== null", "isString": "type-is string", "isNumber": "type-is number",
    "isBoolean": "type-is boolean", "isArray": "type-is array", "isJson": "type-is object",
}  # fmt: skip


_UNMAPPED = frozenset({"in", "notIn", "length", "notMatches", "isTruthy", "isFalsy", "isNotNull", "between"})
"""Bruno operators with no single expectation here: a note each."""


@dataclass
class Imported:
    documents: list[Written] = field(default_factory=list)
    environments: dict[str, dict[str, str]] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    secret_names: list[str] = field(default_factory=list)


_SETTINGS_FILES = ("collection.bru", "folder.bru", OPENCOLLECTION, "folder.yml")


def looks_like_bruno(path: Path) -> bool:
    """A Bruno collection: a folder with `bruno.json` (`.bru` files) or `opencollection.yml` (OpenCollection
    YAML, which Bruno reads and writes too), or one `.bru` file."""
    if path.is_dir():
        return (path / "bruno.json").is_file() or (path / OPENCOLLECTION).is_file()
    return path.suffix == ".bru"


def _load(path: Path, where: str) -> BruFile:
    text = path.read_text(encoding="utf-8", errors="replace")
    if path.suffix == ".bru":
        return parse_bru(text, where)
    try:
        data = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError) as exc:
        raise BrunoError(f"{where}: not YAML: {str(exc).splitlines()[0]}") from None
    data = data if isinstance(data, dict) else {}
    bru = opencollection_as_bru(data)
    problem = opencollection_problem(data, _definition(path))
    if problem is not None:
        bru.problems.append(f"{where} does not follow the OpenCollection schema: {problem}")
    return bru


def _definition(path: Path) -> str:
    if path.name == OPENCOLLECTION:
        return "root"
    if path.parent.name == "environments":
        return "Environment"
    return "Folder" if path.name == "folder.yml" else "Item"


def read_bruno(root: Path) -> Imported:
    """A collection folder (or one `.bru` file) as documents, its environments and secrets."""
    result = Imported()
    yml = root.is_dir() and (root / OPENCOLLECTION).is_file()
    if root.is_file():
        files = [root]
        base = root.parent
    else:
        base = root
        found = [*root.rglob("*.yml"), *root.rglob("*.yaml")] if yml else list(root.rglob("*.bru"))
        files = sorted(p for p in found if "node_modules" not in p.parts)
    if len(files) > MAX_FILES:
        raise BrunoError(f"{root} holds more than {MAX_FILES:,} .bru files")
    parsed: dict[Path, BruFile] = {}
    for path in files:
        if path.is_symlink() or not path.resolve().is_relative_to(base.resolve()):
            continue  # a link out of the collection is not followed
        if path.stat().st_size > MAX_FILE:
            raise BrunoError(f"{path} is over {MAX_FILE // (1024 * 1024)} MB")
        parsed[path] = _load(path, str(path.relative_to(base)))
    name = root.stem
    if root.is_dir() and (root / "bruno.json").is_file():
        with contextlib.suppress(ValueError, OSError, AttributeError):
            name = str(json.loads((root / "bruno.json").read_text(encoding="utf-8")).get("name") or name)
    collection = parsed.get(base / ("opencollection.yml" if yml else "collection.bru"), BruFile())
    if yml:
        with contextlib.suppress(ValueError, OSError, AttributeError, yaml.YAMLError):
            name = str(yaml.safe_load((root / OPENCOLLECTION).read_text(encoding="utf-8"))["info"]["name"] or name)
    for path, bru in parsed.items():
        if path.parent.name == "environments" and path.parent.parent == base:
            env = slugify(path.stem) or path.stem
            secret = set(bru.lists.get("vars:secret", []))
            values: dict[str, str] = {}
            for key, value, on in bru.dicts.get("vars", []):
                if on and key not in secret and secret_name(key) and value and "{{" not in value:
                    result.secrets.setdefault(key, value)  # named like a secret: .env, not voiden.toml
                elif on and key not in secret:
                    values[key] = _templates(value)
            result.environments[env] = values
            for key in sorted(secret):
                if key not in result.secret_names:
                    result.secret_names.append(key)
    groups: dict[Path, list[tuple[int, Path, BruFile]]] = {}
    for path, bru in parsed.items():
        if (
            path.name in ("collection.bru", "folder.bru", OPENCOLLECTION, "folder.yml")
            or path.parent.name == "environments"
        ):
            continue
        if not any(m in bru.dicts for m in _METHODS) and "meta" not in bru.dicts:
            continue
        seq = bru.value("meta", "seq") or "0"
        groups.setdefault(path.parent, []).append((int(seq) if seq.isdigit() else 0, path, bru))
    for folder, items in sorted(groups.items()):
        relative = folder.relative_to(base)
        folder_bru = parsed.get(folder / ("folder.yml" if yml else "folder.bru"), BruFile())
        title = folder_bru.value("meta", "name") or (folder.name if relative.parts else name)
        file = "/".join(slugify(p) or "folder" for p in relative.parts) or (slugify(name) or "collection")
        sections: list[str] = []
        notes: list[str] = []
        taken: set[str] = set()
        for _, path, bru in sorted(items, key=lambda item: (item[0], item[1].name)):
            section, request_notes = _request(path, bru, [folder_bru, collection], taken, result)
            sections.append(section)
            notes += request_notes
        parts = [f"# {title}"]
        if folder_bru.texts.get("docs"):
            parts.append(folder_bru.texts["docs"])
        result.documents.append(Written(f"{file}.voiden", "\n\n".join([*parts, *sections]) + "\n", len(items), notes))
    return result


def _request(
    path: Path, bru: BruFile, parents: list[BruFile], taken: set[str], result: Imported
) -> tuple[str, list[str]]:
    notes: list[str] = list(bru.problems)
    title = bru.value("meta", "name") or path.stem
    kind = bru.value("meta", "type") or "http"
    base = slugify(title) or "request"
    name = unique_name(base, taken)
    method = next((m for m in _METHODS if m in bru.dicts), "get")
    url = _templates(bru.value(method, "url") or "")
    url = importable_url(url, notes)
    query = [f"{encoded(k)}={encoded(_templates(v))}" for k, v, on in bru.dicts.get("params:query", []) if on]
    if query and "?" not in url:
        url += "?" + "&".join(query)
    for key, value, on in bru.dicts.get("params:path", []):
        if on:
            url = re.sub(rf":{re.escape(key)}(?=/|\?|$)", encoded(_templates(value), form=False), url)
    headers: list[tuple[str, str]] = []
    for source in [*reversed(parents), bru]:  # the collection's, the folder's, then the request's own
        headers += [(k, _templates(v)) for k, v, on in source.dicts.get("headers", []) if on]
    body_kind = bru.value(method, "body") or "none"
    body, variables, protocol = _body(bru, body_kind, headers, notes)
    if kind == "graphql":
        protocol = "graphql"
    auth = bru.value(method, "auth") or "none"
    owner = bru
    if auth == "inherit":
        owner = next((p for p in parents if p.value("auth", "mode") not in (None, "inherit")), BruFile())
        auth = owner.value("auth", "mode") or "none"
    _auth(auth, owner, headers, name, notes, result)
    if kind not in ("http", "graphql"):
        notes.append(f"a `{kind}` request: kept as HTTP to fix by hand")
    for block in ("script:pre-request", "script:post-response", "tests"):
        if bru.texts.get(block, "").strip():
            notes.append(f"`{block}`: voiden runs no scripts")
    for block in ("vars:pre-request", "vars:post-response"):
        if bru.dicts.get(block):
            notes.append(f"`{block}` ({', '.join(k for k, _, _ in bru.dicts[block])}): set them by hand")
    metadata: list[tuple[str, str]] = []
    if (bru.value("settings", "encodeUrl") or "").lower() == "false":
        notes.append("`encodeUrl: false` has no equivalent here")
    request = make_request(name, protocol, url, method=method.upper(), headers=headers, body=body,
                           variables=variables, metadata=metadata)  # fmt: skip
    expects: list[str] = []
    for subject, assertion, on in bru.dicts.get("assert", []):
        if not on:
            continue
        line = _assertion(subject, assertion)
        if line is None:
            notes.append(f"the assert `{subject}: {assertion}` has no expectation here")
        else:
            expects.append(line)
    parts = [f"## {title}"]
    if bru.texts.get("docs"):
        parts.append(bru.texts["docs"])
    parts += [f"> Not carried over: {note}" for note in notes]
    parts.append(render_request(request))
    if expects:
        parts.append("```expect\n" + "\n".join(expects) + "\n```")
    return "\n\n".join(parts), [f"{name}: {note}" for note in notes]


def _body(
    bru: BruFile, kind: str, headers: list[tuple[str, str]], notes: list[str]
) -> tuple[str | None, str | None, str]:
    """(body, GraphQL variables, protocol)."""
    has_type = any(k.lower() == "content-type" for k, _ in headers)
    if kind == "none":
        return None, None, "http"
    if kind == "graphql":
        variables = bru.texts.get("body:graphql:vars", "").strip() or None
        return _templates(bru.texts.get("body:graphql", "")), variables, "graphql"
    if kind in ("json", "text", "xml", "sparql"):
        text = bru.texts.get(f"body:{kind}", "")
        types = {"json": "application/json", "text": "text/plain", "xml": "application/xml",
                 "sparql": "application/sparql-query"}  # fmt: skip
        if text and not has_type:
            headers.append(("Content-Type", types[kind]))
        return (_templates(text) or None), None, "http"
    if kind == "formUrlEncoded":
        rows = [(k, v) for k, v, on in bru.dicts.get("body:form-urlencoded", []) if on]
        if not has_type:
            headers.append(("Content-Type", "application/x-www-form-urlencoded"))
        return "&".join(f"{encoded(k)}={encoded(_templates(v))}" for k, v in rows), None, "http"
    if kind == "multipartForm":
        fields: list[FormField] = []
        for key, value, on in bru.dicts.get("body:multipart-form", []):
            if not on:
                continue
            content_type = re.search(r"\s*@contentType\(([^)]*)\)\s*$", value)
            value = value[: content_type.start()] if content_type else value
            file = re.fullmatch(r"@file\(([^)]*)\)", value.strip())
            if file:
                for path in file.group(1).split("|"):
                    fields.append(
                        FormField(key, file=path, content_type=content_type.group(1) if content_type else None)
                    )
            else:
                fields.append(FormField(key, _templates(value)))
        headers[:] = [(k, v) for k, v in headers if k.lower() != "content-type"]
        headers.append(("Content-Type", MULTIPART_TYPE))
        return multipart(fields), None, "http"
    if kind == "file":
        for _, value, on in bru.dicts.get("body:file", []):
            chosen = re.match(r"\s*@file\(([^)]*)\)(?:\s*@contentType\(([^)]*)\))?", value)
            if on and chosen:
                if chosen.group(2) and not has_type:
                    headers.append(("Content-Type", chosen.group(2)))
                return f"< {chosen.group(1)}", None, "http"
    notes.append(f"a body of kind `{kind}`")
    return None, None, "http"


def _auth(
    mode: str, owner: BruFile, headers: list[tuple[str, str]], name: str, notes: list[str], result: Imported
) -> None:
    if mode in ("none", "inherit"):
        return
    block = f"auth:{mode}"
    if mode == "bearer":
        token = owner.value(block, "token") or ""
        headers.append(("Authorization", f"Bearer {_secret(token, name, 'TOKEN', result)}"))
    elif mode == "basic":
        user = _templates(owner.value(block, "username") or "")
        password = _secret(owner.value(block, "password") or "", name, "PASSWORD", result)
        headers.append(("Authorization", f"Basic {user}:{password}"))
    elif mode == "apikey":
        key = owner.value(block, "key") or "X-API-Key"
        value = _secret(owner.value(block, "value") or "", name, "API_KEY", result)
        if (owner.value(block, "placement") or "header") == "header":
            headers.append((key, value))
        else:
            notes.append(f"the API key `{key}` goes in the query: add `{key}={value}` to the URL")
    else:
        notes.append(f"`{mode}` auth: set its header by hand")


def _secret(value: str, request: str, kind: str, result: Imported) -> str:
    return credential(_templates(value), request, kind, result.secrets)


def _templates(text: str) -> str:
    """Bruno's `{{process.env.X}}` is the collection's `.env` value X, as ours `{{X}}` is."""
    return re.sub(r"\{\{\s*process\.env\.([\w.-]+)\s*\}\}", r"{{\1}}", text)


def _assertion(subject: str, assertion: str) -> str | None:
    operator, _, expected = assertion.strip().partition(" ")
    if operator in _UNMAPPED:
        return None
    if operator not in _OPERATORS:  # no operator: Bruno reads `res.status: 200` as `eq 200`
        operator, expected = "eq", assertion.strip()
    ours = _OPERATORS[operator]
    if subject == "res.status":
        target = "status"
    elif subject == "res.responseTime":
        target, expected = "time", f"{expected}ms" if expected.strip().isdigit() else expected
    elif subject.startswith("res.headers."):
        target = "header " + subject[len("res.headers.") :].strip("'\"[]")
    elif subject == "res.body" or subject.startswith("res.body.") or subject.startswith("res.body["):
        target = "body" + subject[len("res.body") :]
    else:
        return None
    expected = expected.strip()
    if len(expected) >= 2 and expected[0] == expected[-1] == "'":
        expected = json.dumps(expected[1:-1])
    elif expected and not re.fullmatch(r"[\w.+-]+|\{\{[^{}]*\}\}", expected):
        try:
            json.loads(expected)
        except ValueError:
            expected = json.dumps(expected)  # Bruno reads the rest of the line as one text
    return f"{target} {ours} {expected}".rstrip()
