"""Postman's git-native v3 collections (YAML folders) read as the v2.1 shapes `postman.Reader` knows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from voiden_lsp.formats.building import as_dict
from voiden_lsp.formats.postman import MAX_DEPTH, Imported, PostmanError, Reader, read_environment, rows_of

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
        reader = Reader(data, folder.name)
        reader.read()
        result.documents += reader.result.documents
        result.secrets.update(reader.result.secrets)
    for path in sorted(environments.glob("*.environment.yaml")) if environments.is_dir() else []:
        env = read_environment(_yaml(path) | {"_postman_variable_scope": "environment"})
        result.environments.update(env.environments)
        result.secrets.update(env.secrets)
    return result


def _yaml(path: Path) -> dict[str, Any]:

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
    return {"type": kind, kind: rows_of(auth.get("credentials"))}


def _v3_events(scripts: Any) -> list[dict[str, Any]]:
    return [
        {"listen": _V3_SCRIPTS.get(str(s.get("type")).split(":")[-1], "test"),
         "script": {"exec": str(s.get("code") or "").splitlines()}}
        for s in rows_of(scripts)
    ]  # fmt: skip


def _v3_request(request: dict[str, Any], name: str) -> dict[str, Any]:
    kind = str(request.get("$kind") or "http-request")
    url: Any = str(request.get("url") or "")
    query = [q for q in rows_of(request.get("queryParams")) if not q.get("disabled")]
    if query:
        url += ("&" if "?" in url else "?") + "&".join(f"{q.get('key')}={q.get('value') or ''}" for q in query)
    if request.get("pathVariables"):
        url = {"raw": url, "variable": rows_of(request.get("pathVariables"))}
    spec: dict[str, Any] = {
        "$kind": kind,
        "url": url,
        "method": request.get("method") or ("POST" if kind == "graphql-request" else "GET"),
        "header": rows_of(request.get("headers")),
        "metadata": rows_of(request.get("metadata")),
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
        spec["body"] = {"mode": kind_of_body, kind_of_body: rows_of(content)}
    elif kind_of_body == "file":
        spec["body"] = {
            "mode": "file",
            "file": {"src": content if isinstance(content, str) else as_dict(content).get("src")},
        }
    return {"name": name, "request": spec, "event": _v3_events(request.get("scripts"))}
