"""The collection as tools for a coding agent (`voiden mcp`, FORMAT.md section 11): listing, describing,
running and testing the requests under one root. No MCP here: the command wires these to the SDK.

An agent is an untrusted caller. It names documents by their path under the root, and only `.voiden` and
`.void` files there (no `.env`, nothing outside, not through a link); every value it gets back passed the
masking every output does; it changes no file (a snapshot line that has no snapshot yet fails rather than
writes one); what it passes (`vars`) is bounded in number and size."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from voiden_lsp.document import Document, Request
from voiden_lsp.errors import VoidenError
from voiden_lsp.events import CHECK, ERROR, OPEN, RECEIVED, STATUS, Event
from voiden_lsp.formats import parse_document
from voiden_lsp.sessions.runner import Runner
from voiden_lsp.sessions.suite import find_documents, run_suite
from voiden_lsp.templating import Collection, iter_templates, mask_secrets, render_request, void_context

MAX_VARS = 50
MAX_VAR_BYTES = 16 * 1024
MAX_VARS_BYTES = 64 * 1024
MAX_BODY = 64 * 1024
"""What a run answers of a body (the rest is counted, not sent)."""
MAX_MESSAGES = 200
"""What a run answers of a stream's messages."""
_NAME = re.compile(r"[A-Za-z_][\w.-]{0,63}")
_VARIABLE = re.compile(r"[A-Za-z_][\w-]*")
_TOOL_NAME = re.compile(r"[^A-Za-z0-9_-]+")


class AgentError(ValueError):
    """A call the agent can correct, in words."""


@dataclass
class RequestTool:
    """A request marked `@tool DESCRIPTION`, offered as a tool of its own."""

    name: str
    description: str
    document: str
    request: str
    input_schema: dict[str, Any]


class Agent:
    def __init__(self, root: Path, *, env: str | None = None) -> None:
        self.root = root.resolve()
        self.env = env

    # -- documents ----------------------------------------------------------------------------------------

    def documents(self) -> list[Path]:
        found, _ = find_documents([self.root])
        return sorted(p.resolve() for p in found if self._inside(p.resolve()))

    def _inside(self, path: Path) -> bool:
        return path.is_relative_to(self.root) and not any(
            part.startswith(".") for part in path.relative_to(self.root).parts
        )

    def shown(self, path: Path) -> str:
        return path.relative_to(self.root).as_posix()

    def document_path(self, name: Any) -> Path:
        """The document an agent names, if it is one it may read."""
        if not isinstance(name, str) or not name.strip() or len(name) > 1024 or "\0" in name:
            raise AgentError("`document` is a path under the collection's root, as list_requests shows it")
        path = (self.root / name).resolve()
        if not path.is_relative_to(self.root):
            raise AgentError(f"`{name}` is outside the collection: name a document as list_requests shows it")
        if path.suffix not in (".voiden", ".void") or not self._inside(path):
            raise AgentError(f"`{name}` is not a request document: only .voiden and .void documents are read")
        if not path.is_file():
            raise AgentError(f"no document `{name}`: list_requests shows them")
        return path

    def open(self, name: Any) -> tuple[Path, Document, Collection]:
        path = self.document_path(name)
        try:
            text = path.read_text(encoding="utf-8")
            return path, parse_document(text, path.name, *void_context(path)), Collection.load(path, self.root)
        except (OSError, UnicodeDecodeError) as exc:
            raise AgentError(f"cannot read `{name}`: {getattr(exc, 'strerror', None) or exc}") from None
        except VoidenError as exc:
            raise AgentError(exc.message) from None

    def request(self, document: Document, name: Any, shown: str) -> Request:
        request = document.request(name) if isinstance(name, str) else None
        if request is None:
            known = ", ".join(r.name for r in document.requests) or "none"
            raise AgentError(f"no request `{name}` in {shown} (requests: {known})")
        return request

    # -- the tools ----------------------------------------------------------------------------------------

    def list_requests(self) -> list[dict[str, Any]]:
        found = []
        for path in self.documents():
            try:
                document = parse_document(path.read_text(encoding="utf-8"), path.name, *void_context(path))
            except (OSError, UnicodeDecodeError):
                continue
            for request in document.requests:
                found.append(
                    {
                        "document": self.shown(path),
                        "request": request.name,
                        "protocol": request.protocol,
                        "line": _request_line(request),
                        **({"tool": tool} if (tool := _tool_description(request)) else {}),
                    }
                )
        return found

    def describe(self, document: Any, name: Any, env: Any = None, values: Any = None) -> dict[str, Any]:
        path, doc, collection = self.open(document)
        request = self.request(doc, name, self.shown(path))
        runner = self._runner(path, doc, collection, request, env, values)
        try:
            resolved = render_request(request, runner.scope(request))
        except VoidenError as exc:
            raise AgentError(f"`{name}` cannot be resolved: {exc.message}; an agent passes a value in `vars`") from None

        def mask(text: str) -> str:
            return mask_secrets(text, runner.secrets) if runner.secrets else text

        return {
            "document": self.shown(path),
            "request": request.name,
            "protocol": resolved.protocol,
            "method": resolved.method or None,
            "target": mask(resolved.target),
            "operation": mask(resolved.rpc) or None,
            "headers": [[k, mask(v)] for k, v in resolved.headers],
            "body": mask(resolved.body) if isinstance(resolved.body, str) else None,
            "expectations": [e.text for e in request.expectations],
            "variables": variables(request),
        }

    async def run(self, document: Any, name: Any, env: Any = None, values: Any = None) -> dict[str, Any]:
        path, doc, collection = self.open(document)
        request = self.request(doc, name, self.shown(path))
        events: list[Event] = []
        runner = self._runner(path, doc, collection, request, env, values, sinks=[events.append])
        # the requests above it that it refers to (`{{login.response...}}`) run first, as `voiden run` would
        for earlier in doc.requests:
            if earlier.name == request.name:
                break
            if _refers_to(request, earlier.name):
                await runner.run(earlier)
        session = runner.session(request)
        await runner.run_session(session, request)
        mine = [e for e in events if e.session == session.id]
        return summary(self.shown(path), request, mine, Runner.failure(session, request))

    async def run_tests(self, paths: Any = None) -> dict[str, Any]:
        chosen = [self.document_path(p) for p in paths] if isinstance(paths, list) and paths else self.documents()
        if len(chosen) > 500:
            raise AgentError("over 500 documents: name fewer")
        passed = failed = 0
        failures: list[dict[str, Any]] = []
        for path in chosen:
            suite = await run_suite(path, env=self.env, overrides={}, write_snapshots=False)
            for case in suite.cases:
                if case.passed:
                    passed += 1
                    continue
                failed += 1
                failures.append(
                    {
                        "document": self.shown(path),
                        "request": case.name,
                        "line": case.line,
                        "failure": case.failure,
                        "checks": [c.message for c in case.checks if not c.passed],
                    }
                )
            if suite.problem:
                failures.append({"document": self.shown(path), "problem": suite.problem})
        return {"passed": passed, "failed": failed, "failures": failures}

    def request_tools(self) -> list[RequestTool]:
        """Every request marked `@tool DESCRIPTION`, named `request` (or `document_request` when two share it)."""
        marked = [r for r in self.list_requests() if "tool" in r]
        counts: dict[str, int] = {}
        for item in marked:
            counts[item["request"]] = counts.get(item["request"], 0) + 1
        tools = []
        for item in marked:
            base = (
                item["request"] if counts[item["request"]] == 1 else f"{Path(item['document']).stem}_{item['request']}"
            )
            name = _TOOL_NAME.sub("_", base).strip("_")[:64] or "request"
            path, doc, collection = self.open(item["document"])
            request = self.request(doc, item["request"], item["document"])
            scope = Runner(doc, path, collection, env=self.env).scope(request)
            properties = {  # what the collection leaves undefined: the rest is the collection's to say
                v: {"type": "string", "description": f"the `{{{{{v}}}}}` the request reads"}
                for v in variables(request)
                if scope.lookup(v) is None
            }
            schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False}
            tools.append(RequestTool(name, str(item["tool"]), item["document"], item["request"], schema))
        return tools

    def _runner(
        self,
        path: Path,
        doc: Document,
        collection: Collection,
        request: Request,
        env: Any,
        values: Any,
        sinks: list[Any] | None = None,
    ) -> Runner:
        """A runner with the agent's `vars`, which may only fill what the collection leaves undefined."""
        overrides = checked_vars(values)
        chosen = self._env(env)
        scope = Runner(doc, path, collection, env=chosen).scope(request)
        taken = [k for k in overrides if scope.lookup(k) is not None]
        if taken:  # else `base` pointed at the agent's host would carry the collection's token there
            raise AgentError(
                f"{', '.join(f'`{k}`' for k in taken)}: the collection defines {'it' if len(taken) == 1 else 'them'}; "
                "an agent sets only the variables a request leaves undefined"
            )
        steering = [k for k in overrides if k in _authority_variables(request)]
        if steering and collection.secrets:
            raise AgentError(
                f"{', '.join(f'`{k}`' for k in steering)} would choose the host of a request in a collection with "
                "secrets: define it in voiden.toml instead"
            )
        return Runner(doc, path, collection, env=chosen, overrides=overrides, sinks=sinks, write_snapshots=False)

    def _env(self, env: Any) -> str | None:
        if env is None or env == "":
            return self.env
        if not isinstance(env, str) or _NAME.fullmatch(env) is None:
            raise AgentError("`env` is the name of an environment of voiden.toml")
        return env


def checked_vars(values: Any) -> dict[str, str]:
    """An agent's `vars`: names and texts, bounded."""
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise AgentError('`vars` is an object of names and values: {"user_id": "42"}')
    if len(values) > MAX_VARS:
        raise AgentError(f"`vars` has {len(values)} entries: at most {MAX_VARS}")
    checked: dict[str, str] = {}
    total = 0
    for name, value in values.items():
        if not isinstance(name, str) or _NAME.fullmatch(name) is None:
            raise AgentError(f"`{str(name)[:40]}` is not a variable name (letters, digits, `_`, `.`, `-`)")
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise AgentError(f"`{name}`: a variable's value is a string or a number")
        text = str(value)
        size = len(text.encode("utf-8", errors="surrogatepass"))
        if size > MAX_VAR_BYTES:
            raise AgentError(f"`{name}` is {size} bytes: a variable holds at most {MAX_VAR_BYTES}")
        total += size
        if total > MAX_VARS_BYTES:
            raise AgentError(f"`vars` hold over {MAX_VARS_BYTES} bytes in all")
        checked[name] = text
    return checked


def variables(request: Request) -> list[str]:
    """The plain variables a request reads (`{{user_id}}`), in order; not fake data, not responses."""
    found: list[str] = []
    texts = [s.text for s in (request.target, request.rpc, request.body) if s is not None]
    texts += [h.value.text for h in request.headers] + [h.name for h in request.headers]
    for text in texts:
        for template in iter_templates(text):
            expr = template.expr
            if _VARIABLE.fullmatch(expr) and expr not in found:
                found.append(expr)
    return found


def summary(document: str, request: Request, events: list[Event], failure: str | None) -> dict[str, Any]:
    """What a run answers an agent: the status, headers and body (or a stream's messages), the verdicts and
    the errors; every value as the session masked it."""
    answer: dict[str, Any] = {"document": document, "request": request.name, "protocol": request.protocol}
    received = [e for e in events if e.kind == RECEIVED and not e.fields.get("control")]
    for event in events:
        if event.kind == STATUS:
            answer["status"] = event.fields.get("code")
        elif event.kind == OPEN and "headers" in event.fields and event.fields["headers"]:
            answer["headers"] = event.fields["headers"]
    if request.protocol == "mcp":
        final = [e for e in received if e.fields.get("event") == "result"]
        if final:
            answer["body"] = _cut(final[-1].fields.get("data"))
        notes = [e.fields.get("data") for e in received if e.fields.get("event") != "result"]
        answer["notifications"] = notes[:MAX_MESSAGES]
    elif request.protocol in ("http", "graphql") and not (request.target and request.target.text.startswith("ws")):
        if len(received) == 1:
            answer["body"] = _cut(received[0].fields.get("data"))
        elif received:  # a long body comes in chunks of text
            answer["body"] = _cut("".join(str(e.fields.get("data") or "") for e in received))
    else:
        answer["messages"] = [_cut(e.fields.get("data")) for e in received[:MAX_MESSAGES]]
        if len(received) > MAX_MESSAGES:
            answer["messages_left_out"] = len(received) - MAX_MESSAGES
    answer["errors"] = [str(e.fields.get("message")) for e in events if e.kind == ERROR]
    answer["checks"] = [
        {
            "line": e.fields.get("line"),
            "text": e.fields.get("text"),
            "passed": e.fields.get("passed"),
            "message": e.fields.get("message"),
        }
        for e in events
        if e.kind == CHECK
    ]
    answer["passed"] = failure is None
    if failure is not None:
        answer["failure"] = failure
    return answer


def _cut(value: Any) -> Any:
    if isinstance(value, str) and len(value) > MAX_BODY:
        return value[:MAX_BODY] + f"… ({len(value) - MAX_BODY} more characters)"
    if not isinstance(value, str):
        import json

        text = json.dumps(value, ensure_ascii=False)
        if len(text) > MAX_BODY:
            return text[:MAX_BODY] + f"… ({len(text) - MAX_BODY} more characters)"
    return value


def _request_line(request: Request) -> str:
    parts = [
        request.method if request.protocol in ("http", "sse", "graphql") else "",
        request.target.text if request.target else "",
    ]
    if request.rpc is not None:
        parts.append(request.rpc.text)
    return " ".join(p for p in parts if p)


def _tool_description(request: Request) -> str | None:
    return next((m.value.strip() or request.name for m in request.metadata if m.key == "tool"), None)


def _refers_to(request: Request, name: str) -> bool:
    texts = [s.text for s in (request.target, request.rpc, request.body) if s is not None]
    texts += [h.value.text for h in request.headers]
    return any(t.expr.startswith(f"{name}.response") for text in texts for t in iter_templates(text))


def _authority_variables(request: Request) -> set[str]:
    """The variables in the part of a request's target that chooses where it goes (scheme, host, port)."""
    if request.target is None:
        return set()
    text = request.target.text
    start = text.find("://") + 3 if "://" in text.split("{{")[0] else 0
    slash = text.find("/", start)
    head = text if slash == -1 else text[:slash]
    return {t.expr for t in iter_templates(head)}
