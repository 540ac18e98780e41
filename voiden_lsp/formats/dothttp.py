"""`.http` / `.rest` files (the JetBrains HTTP client's grammar, and the REST Client, httpyac and kulala
dialects) as a `.voiden` document; their `http-client.env.json` (+ `.private.env.json`) as environments.

Requests are split at `###` lines (the text after them names the request) and, as httpyac and REST
Client read them, at a request line after a blank line. `# @name x`, `@var = value` file variables,
`# @no-redirect` / `@no-cookie-jar` / `@timeout`, indented `?`/`&` continuation lines, `< file` bodies,
`GRPC`, `WEBSOCKET` (messages split by `===`, `=== wait-for-server`) and `SSE` requests are read; a
relative URL starts at `{{host}}` (httpyac's rule). Response handlers, `{{ script }}` blocks, saved
responses and everything else that runs code are kept as notes, never run."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

from voiden_lsp.document.markup import slugify
from voiden_lsp.formats.building import Written, make_request, unique_name
from voiden_lsp.formats.voiden import render_request
from voiden_lsp.templating import secret_name

_METHOD = r"[A-Z][A-Z-]{1,20}"
_TARGET = r"(?:https?://|wss?://|/|\{\{[^{}]*\}\})(?:\{\{[^{}]*\}\}|\S)*"
"""A URL, whose templates may hold spaces (`{{$randomInt 1 9}}`); one that starts with a template closes it."""
_REQUEST_LINE = re.compile(rf"^(?:(?P<method>{_METHOD})\s+)?(?P<target>{_TARGET})(?:\s+HTTP/[\d.]+)?\s*$")
_SPECIAL = {"GRPC", "WEBSOCKET", "WS", "SSE", "GRAPHQL", "MQTT", "AMQP"}
_SPECIAL_LINE = re.compile(rf"^(?P<method>{'|'.join(sorted(_SPECIAL))})\s+(?P<target>\S+)\s*$")
"""GRPC host:port/package.Service/Method and the others: their target need not be a URL."""
_META = re.compile(r"^\s*(?:#|//)\s*@(?P<key>[\w-]+)\s*(?:=\s*|\s+)?(?P<value>.*?)\s*$")
_FILE_VAR = re.compile(r"^@(?P<name>[\w.-]+)\s*=\s*(?P<value>.*?)\s*$")
_SEPARATOR = re.compile(r"^###(?P<rest>.*)$")
_DATETIME = re.compile(
    r"\{\{\s*\$(?:local)?[dD]atetime\s+(?P<format>rfc1123|iso8601)(?P<offset>\s+-?\d+\s+\w+)?\s*\}\}"
)


@dataclass
class _Block:
    name: str | None = None
    meta: list[tuple[str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def looks_like_http(text: str) -> bool:
    return bool(re.search(r"^###", text, re.MULTILINE)) or any(
        _REQUEST_LINE.match(line) and (line.split()[0] in _SPECIAL or re.match(_METHOD, line))
        for line in text.splitlines()[:200]
        if line and line[0].isupper()
    )


def read_http(text: str, title: str) -> tuple[Written, dict[str, str]]:
    """The document (its file variables, `@name = value`, in the front matter), and the file variables named
    like secrets (`@API_KEY = ...`), which go to `.env` instead."""
    variables: dict[str, str] = {}
    blocks = _split(text, variables)
    sections: list[str] = []
    notes: list[str] = []
    taken: set[str] = set()
    for block in blocks:
        section, block_notes = _request(block, taken)
        if section is None:
            continue
        sections.append(section)
        notes += block_notes
    secrets = {k: v for k, v in variables.items() if secret_name(k) and v and "{{" not in v}
    variables = {k: v for k, v in variables.items() if k not in secrets}
    head = ""
    if variables:
        rows = [f"  {json.dumps(k)}: {json.dumps(v)}" for k, v in variables.items()]
        head = "\n".join(["---", "vars:", *rows, "---"]) + "\n\n"
    text_out = head + "\n\n".join([f"# {title}", *sections]) + "\n"
    return Written(slugify(title) + ".voiden", text_out, len(sections), notes), secrets


def _split(text: str, variables: dict[str, str]) -> list[_Block]:
    blocks: list[_Block] = []
    current = _Block()
    seen_request = False
    in_script = False
    blank_before = True
    for raw in text.splitlines():
        line = raw.rstrip()
        if in_script:  # a `{{ ... }}` script block or `> {% ... %}` handler: not ours to run
            current.lines.append(line)
            if line.strip() in ("}}", "%}") or line.strip().endswith("%}"):
                in_script = False
            continue
        separator = _SEPARATOR.match(line)
        if separator:
            blocks.append(current)
            rest = separator.group("rest").strip()
            current = _Block(name=rest or None)
            seen_request = False
            blank_before = True
            continue
        if not seen_request:
            meta = _META.match(line)
            if meta:
                key, value = meta.group("key"), meta.group("value")
                if key == "name":
                    current.name = value or current.name
                else:
                    current.meta.append((key, value))
                continue
            variable = _FILE_VAR.match(line)
            if variable:
                variables[variable.group("name")] = variable.group("value")
                continue
            if line.lstrip().startswith(("#", "//")) or not line.strip():
                blank_before = True
                continue
            if line.strip().startswith("/*"):
                current.lines.append(line)
                in_script = not line.strip().endswith("*/")
                continue
        elif blank_before and _starts_request(line):  # httpyac / REST Client: a request line after a blank line
            blocks.append(current)
            current = _Block()
        elif blank_before and (variable := _FILE_VAR.match(line)):  # a file variable between requests (kulala)
            variables[variable.group("name")] = variable.group("value")
            continue
        if _starts_request(line) and not seen_request:
            seen_request = True
        elif not seen_request:
            if not any(n.startswith("text outside") for n in current.notes):
                current.notes.append(f"text outside any request is left out, from: {line.strip()[:60]}")
            continue
        if line.strip() == "{{" or (line.strip().startswith("> {%") and not line.strip().endswith("%}")):
            in_script = True
        current.lines.append(line)
        blank_before = not line.strip()
    blocks.append(current)
    return [b for b in blocks if b.lines]


def _request_line(line: str) -> re.Match[str] | None:
    return _SPECIAL_LINE.match(line) or _REQUEST_LINE.match(line)


def _starts_request(line: str) -> bool:
    match = _request_line(line)
    if match is None:
        return False
    method = match.group("method")
    return method is not None or match.group("target").startswith(("http", "/", "{{"))


def _request(block: _Block, taken: set[str]) -> tuple[str | None, list[str]]:
    notes = list(block.notes)
    lines = list(block.lines)
    first = lines.pop(0)
    match = _request_line(first)
    if match is None:
        return None, notes
    method = match.group("method") or "GET"
    target = match.group("target")
    while lines and re.match(r"^\s+[?&/]", lines[0]):  # continuation lines of the URL
        target += lines.pop(0).strip()
    if target.startswith("/"):
        target = "{{host}}" + target
    headers: list[tuple[str, str]] = []
    while lines and lines[0].strip():
        line = lines.pop(0)
        if line.lstrip().startswith(("#", "//")):
            continue
        name, colon, value = line.partition(":")
        if not colon:
            notes.append(f"not a header line: {line.strip()[:60]}")
            continue
        value = value.strip()
        basic = re.fullmatch(r"(?i)(basic)\s+(\S+)\s+(\S+)", value)
        if name.strip().lower() == "authorization" and basic:  # REST Client's `Basic user password`
            value = f"{basic.group(1)} {basic.group(2)}:{basic.group(3)}"
        headers.append((name.strip(), value))
    body, messages, body_notes = _body(lines, method)
    notes += body_notes
    protocol = "http"
    metadata: list[tuple[str, str]] = []
    for key, value in block.meta:
        if key in ("no-redirect", "no-cookie-jar"):
            metadata.append((key, ""))
        elif key in ("timeout", "connection-timeout") and value:
            metadata.append(("timeout", value if re.search(r"[a-z]$", value) else f"{value}ms"))
        elif key in ("insecure", "noRejectUnauthorized", "no-reject-unauthorized"):
            metadata.append(("insecure", ""))
        elif key not in ("no-log", "title", "description", "ref", "forceRef", "import"):
            notes.append(f"`# @{key}{' ' + value if value else ''}` has no equivalent here")
    request_name = _name(block.name, method, target, taken)
    rpc = None
    if method in _SPECIAL:
        protocol, method = _special(method, target, notes)
        if protocol == "grpc":  # GRPC host:port/package.Service/Method
            target, _, rpc = target.partition("/")
    target = _templates(target)
    headers = [(k, _templates(v)) for k, v in headers]
    body = _templates(body) if body is not None else None
    texts = [target, body or "", *(v for _, v in headers)]
    for unknown in sorted({m for t in texts for m in re.findall(r"\{\{\s*(\$(?:local)?[dD]atetime[^}]*)\}\}", t)}):
        notes.append(f"`{{{{{unknown.strip()}}}}}` has no equivalent here: use {{{{$isoTimestamp}}}} or $faker")
    request = make_request(request_name, protocol, target, method="" if protocol in ("grpc", "ws") else method,
                           headers=headers, body=body, metadata=metadata, rpc=rpc)  # fmt: skip
    if any(re.search(r"[()+;]|=>", expr) for t in texts for expr in re.findall(r"\{\{(.*?)\}\}", t)):
        notes.append("a `{{ script }}` expression: voiden runs no scripts")
    parts = [f"## {block.name or request_name}"]
    parts += [f"> Not carried over: {note}" for note in notes]
    parts.append(render_request(request))
    for wait, message in messages:
        parts.append(f"```message{' wait=1' if wait else ''}\n{_templates(message)}\n```")
    return "\n\n".join(parts), [f"{request_name}: {note}" for note in notes]


def _body(lines: list[str], method: str) -> tuple[str | None, list[tuple[bool, str]], list[str]]:
    """(body, messages for a WebSocket, notes): response handlers, script blocks and saved responses out."""
    notes: list[str] = []
    kept: list[str] = []
    messages: list[tuple[bool, str]] = []
    in_script = False
    wait = False
    for line in lines[1:] if lines and not lines[0].strip() else lines:
        stripped = line.strip()
        if in_script:
            if stripped in ("}}", "%}") or stripped.endswith("%}") or stripped.endswith("*/"):
                in_script = False
            continue
        if stripped == "{{" or (stripped.startswith("{{") and not stripped.endswith("}}") and not kept):
            notes.append("a `{{ script }}` block: voiden runs no scripts")
            in_script = True
            continue
        if stripped.startswith("> {%") or stripped.startswith(">{%"):
            notes.append("a response handler script: voiden runs no scripts (an `expect` block says what to check)")
            in_script = not stripped.endswith("%}")
            continue
        if re.match(r"^>>?!?\s", stripped) or stripped.startswith("> ./") or stripped.startswith("> /"):
            notes.append(f"`{stripped[:60]}`: a response handler or redirect, not carried over")
            continue
        if stripped.startswith("<> "):
            continue  # a reference to a saved response
        if re.match(r"^HTTP/[\d.]+ \d{3}", stripped):
            notes.append("a saved response after the request is left out")
            break
        if method in ("WEBSOCKET", "WS") and stripped.startswith("==="):
            messages.append((wait, "\n".join(kept).strip("\n")))
            kept = []
            wait = "wait-for-server" in stripped
            continue
        if stripped.startswith("<@"):
            notes.append("`<@ file` (a file with variables substituted) is sent as it is")
            line = "< " + stripped[2:].strip()
        if line.startswith("< ") and (line[2:].strip().startswith("/") or ".." in line[2:].strip().split("/")):
            notes.append(f"the body file {line[2:].strip()} is sent only once it is inside the collection")
        kept.append(line)
    text = "\n".join(kept).strip("\n")
    if method in ("WEBSOCKET", "WS"):
        if text or messages:
            messages.append((wait, text))
        return None, [(w, m) for w, m in messages if m], notes
    if text.lstrip().startswith("gql ") or re.match(r"^(?:query|mutation|subscription|fragment)\b", text.lstrip()):
        notes.append("a GraphQL body in httpyac's form: make it a `graphql` request by hand")
    return (text or None), messages, notes


def _special(keyword: str, target: str, notes: list[str]) -> tuple[str, str]:
    if keyword == "GRPC":
        return "grpc", ""
    if keyword in ("WEBSOCKET", "WS"):
        return "ws", ""
    if keyword == "SSE":
        return "sse", "GET"
    if keyword == "GRAPHQL":
        notes.append("a GRAPHQL request is sent as a POST of its text: make it a `graphql` request by hand")
        return "http", "POST"
    notes.append(f"{keyword} has no equivalent here: kept as an HTTP request to fix by hand")
    return "http", "GET"


def _name(given: str | None, method: str, target: str, taken: set[str]) -> str:
    base = slugify(given or "") or slugify(f"{method} {target.split('?')[0].rsplit('/', 1)[-1]}") or "request"
    name = unique_name(base, taken)
    return name


def _templates(text: str) -> str:
    """REST Client's and httpyac's system variables in our spelling: `$datetime iso8601` as `$isoTimestamp`,
    `$processEnv X` / `$dotenv X` as `X`, and a response reference's JSONPath `$.` dropped."""
    text = _DATETIME.sub(lambda m: "{{$isoTimestamp}}" if m.group("format") == "iso8601" else m.group(0), text)
    text = re.sub(r"\{\{\s*\$(?:processEnv|dotenv)\s+%?([\w.-]+)\s*\}\}", r"{{\1}}", text)
    return re.sub(r"(\.response\.body)\.\$\.", r"\1.", text)


def read_http_env(
    public: dict[str, Any], private: dict[str, Any] | None
) -> tuple[dict[str, dict[str, str]], dict[str, str]]:
    """JetBrains `http-client.env.json` (and its `.private.` twin, whose values are secrets): environments by
    name, and the secrets for `.env` (the first private value of each name)."""
    environments: dict[str, dict[str, str]] = {}
    for env, values in public.items():
        if isinstance(values, dict) and not env.startswith("$"):
            environments[slugify(env) or env] = {
                str(k): str(v) for k, v in values.items() if isinstance(v, str | int | float | bool)
            }
    secrets: dict[str, str] = {}
    for values in (private or {}).values():
        if isinstance(values, dict):
            for key, value in values.items():
                if isinstance(value, str | int | float) and str(key) not in secrets:
                    secrets[str(key)] = str(value)
    return environments, secrets
