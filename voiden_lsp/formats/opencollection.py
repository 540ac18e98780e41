"""OpenCollection YAML (the format Bruno reads and writes beside `.bru`): a file checked against its JSON Schema
(shipped beside this module; MIT, opencollection-dev/opencollection) and read into the BruFile a `.bru` file
gives, so one reader turns both into documents."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from voiden_lsp.formats.bru import BruFile
from voiden_lsp.formats.building import as_dict

OPENCOLLECTION = "opencollection.yml"


@cache
def _validators() -> dict[str, Any]:
    """Validators of the OpenCollection JSON Schema (draft-07, shipped beside this module; MIT,
    opencollection-dev/opencollection), for a whole file and for each `$defs` entry a directory file holds."""
    import jsonschema  # type: ignore[import-untyped]

    schema = json.loads((Path(__file__).parent / "opencollection.schema.json").read_text(encoding="utf-8"))
    defs = schema["$defs"]
    root = {k: v for k, v in schema.items() if k != "required"}
    root["properties"] = {k: v for k, v in schema["properties"].items() if k != "items"}
    made = {"root": jsonschema.Draft7Validator(root)}
    for name in ("Item", "Folder", "Environment"):
        made[name] = jsonschema.Draft7Validator({"$ref": f"#/$defs/{name}", "$defs": defs})
    return made


def opencollection_problem(data: dict[str, Any], definition: str) -> str | None:
    """The first way `data` breaks the OpenCollection schema (where, and what), or None."""
    from jsonschema.exceptions import best_match  # type: ignore[import-untyped]

    error = best_match(_validators()[definition].iter_errors(data))
    if error is None:
        return None
    where = "/".join(str(p) for p in error.absolute_path) or "the top"
    return f"at {where}: {error.message[:200]}"


def opencollection_as_bru(data: dict[str, Any]) -> BruFile:
    """An OpenCollection YAML file (a request, a `folder.yml`, `opencollection.yml` or an environment) in the
    shape a `.bru` file reads as, so both go through one importer. The fields are those of its JSON Schema
    (opencollection-dev/opencollection, `packages/oc-schema/src/opencollection.schema.json`)."""
    bru = BruFile()
    info = as_dict(data.get("info"))
    kind = "graphql" if "graphql" in data else "http"
    bru.dicts["meta"] = [(k, str(info[k]), True) for k in ("name", "seq") if info.get(k) is not None]
    bru.dicts["meta"].append(("type", str(info.get("type") or kind), True))
    if isinstance(data.get("variables"), list):  # an environment
        secret = [str(v.get("name")) for v in data["variables"] if isinstance(v, dict) and v.get("secret")]
        bru.lists["vars:secret"] = secret
        bru.dicts["vars"] = [
            (str(v.get("name")), _oc_value(v.get("value")), not v.get("disabled"))
            for v in data["variables"]
            if isinstance(v, dict) and v.get("name") and not v.get("secret")
        ]
    details = as_dict(data.get("http") or data.get("graphql") or data.get("request"))
    bru.dicts["headers"] = _oc_rows(details.get("headers"))
    params = _seq(details.get("params"))
    bru.dicts["params:query"] = _oc_rows(
        [p for p in params if isinstance(p, dict) and p.get("type", "query") == "query"]
    )
    bru.dicts["params:path"] = _oc_rows([p for p in params if isinstance(p, dict) and p.get("type") == "path"])
    body_kind = _oc_body(details.get("body"), bru, kind)
    auth = details.get("auth")
    mode = "inherit" if auth == "inherit" else str(auth.get("type")) if isinstance(auth, dict) else "none"
    if isinstance(auth, dict):
        bru.dicts[f"auth:{mode}"] = [(k, str(v), True) for k, v in auth.items() if k != "type"]
    bru.dicts["auth"] = [("mode", mode, True)]
    if details.get("url") is not None or "method" in details:
        method = str(details.get("method") or ("post" if kind == "graphql" else "get")).lower()
        bru.dicts[method] = [
            ("url", str(details.get("url") or ""), True),
            ("body", body_kind, True),
            ("auth", mode, True),
        ]
    runtime = as_dict(data.get("runtime"))
    bru.dicts["assert"] = [
        (str(a.get("expression")), f"{a.get('operator')} {a.get('value') or ''}".strip(), not a.get("disabled"))
        for a in _seq(runtime.get("assertions"))
        if isinstance(a, dict) and a.get("expression")
    ]
    for script in _seq(runtime.get("scripts")):
        if isinstance(script, dict) and str(script.get("code") or "").strip():
            bru.texts["tests" if script.get("type") == "tests" else f"script:{script.get('type')}"] = str(
                script["code"]
            )
    if _seq(runtime.get("variables")):
        names = [str(v.get("name")) for v in _seq(runtime.get("variables")) if isinstance(v, dict)]
        bru.dicts["vars:pre-request"] = [(name, "", True) for name in names]
    docs = data.get("docs")
    if isinstance(docs, str) and docs.strip():
        bru.texts["docs"] = docs.strip()
    return bru


def _seq(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _oc_rows(items: Any) -> list[tuple[str, str, bool]]:
    """OpenCollection's `[{name, value, disabled | enabled}]` as `.bru` rows."""
    if not isinstance(items, list):
        return []
    return [
        (str(i.get("name")), str(i.get("value") or ""), not i.get("disabled", not i.get("enabled", True)))
        for i in items
        if isinstance(i, dict) and i.get("name")
    ]


def _oc_value(value: Any) -> str:
    """A variable's value: a string, or `{type, data}` for a typed one."""
    if isinstance(value, dict):
        return str(value.get("data") or "")
    return "" if value is None else str(value)


def _oc_body(body: Any, bru: BruFile, kind: str) -> str:
    """The body into the `.bru` blocks; the body kind `.bru` names it by."""
    if isinstance(body, list):  # variants: the selected one, else the first
        variant = next((b for b in body if isinstance(b, dict) and b.get("selected")), body[0] if body else None)
        body = variant.get("body") if isinstance(variant, dict) and "body" in variant else variant
    if not isinstance(body, dict):
        return "none"
    if kind == "graphql" or "query" in body:
        bru.texts["body:graphql"] = str(body.get("query") or "")
        if body.get("variables"):
            bru.texts["body:graphql:vars"] = str(body["variables"])
        return "graphql"
    form = str(body.get("type") or body.get("mode") or "")
    data = body.get("data", body.get(form))
    if form in ("json", "text", "xml", "sparql"):
        bru.texts[f"body:{form}"] = str(data or "")
        return form
    if form == "form-urlencoded" and isinstance(data, list):
        bru.dicts["body:form-urlencoded"] = [
            (str(d.get("name")), str(d.get("value") or ""), not d.get("disabled")) for d in data if isinstance(d, dict)
        ]
        return "formUrlEncoded"
    if form == "multipart-form" and isinstance(data, list):
        parts = []
        for d in (d for d in data if isinstance(d, dict)):
            value = d.get("value")
            if d.get("type") == "file":
                paths = value if isinstance(value, list) else [value]
                value = "@file(" + "|".join(str(p) for p in paths if p) + ")"
            parts.append((str(d.get("name")), str(value or ""), not d.get("disabled")))
        bru.dicts["body:multipart-form"] = parts
        return "multipartForm"
    if form == "file" and isinstance(data, list):
        chosen = next((d for d in data if isinstance(d, dict) and d.get("selected")), data[0] if data else {})
        if isinstance(chosen, dict) and chosen.get("filePath"):
            bru.dicts["body:file"] = [("file", f"@file({chosen['filePath']})", True)]
            return "file"
    return "none"
