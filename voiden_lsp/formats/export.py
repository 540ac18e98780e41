"""A resolved request as the command a user would type: curl, HTTPie, grpcurl, websocat, or a `.http` request.

Each puts the same bytes on the wire as `voiden run` (method, URL, the request's headers, the body; TLS and
redirect settings as flags). A secret is written as the shell variable of its `.env` name (`"$API_TOKEN"`),
or `{{API_TOKEN}}` in a `.http` request, never as its value unless the caller asks for values; whatever
form of a secret is still left (percent-encoded in a URL, say) is masked and noted, so nothing leaks."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import quote

from voiden_lsp.templating import ResolvedRequest, looks_like_json, mask_secrets, masked
from voiden_lsp.templating.targets import Target, parse_target

TARGETS = ("curl", "httpie", "grpcurl", "websocat", "http")
"""What `voiden export --to` writes, and for which protocols."""
SUPPORTS = {
    "curl": ("http", "sse", "graphql"),
    "httpie": ("http", "sse", "graphql"),
    "http": ("http", "sse", "graphql", "grpc", "ws"),
    "grpcurl": ("grpc",),
    "websocat": ("ws",),
}


class ExportError(ValueError):
    """A request the target cannot express; the message says which and what to use instead."""


@dataclass(frozen=True)
class Var:
    """A secret, written as a reference to the variable that holds it."""

    name: str


Piece = str | Var


@dataclass
class Exported:
    text: str
    notes: list[str] = field(default_factory=list)


@dataclass
class Secrets:
    """The secrets in scope, by value, with the `.env` name each is written as (`reveal`: values stay)."""

    names: Mapping[str, str]
    reveal: bool = False

    def pieces(self, text: str) -> list[Piece]:
        """`text` cut at every secret value, each becoming a Var (longest values first)."""
        if self.reveal or not self.names:
            return [text]
        values = sorted((v for v in self.names if len(v) >= 3), key=len, reverse=True)
        if not values:
            return [text]
        pattern = re.compile("|".join(re.escape(v) for v in values))
        out: list[Piece] = []
        at = 0
        for match in pattern.finditer(text):
            if match.start() > at:
                out.append(text[at : match.start()])
            out.append(Var(self.names[match.group(0)]))
            at = match.end()
        if at < len(text):
            out.append(text[at:])
        return out

    def url_pieces(self, url: str, notes: list[str]) -> list[Piece]:
        """A URL cut at its secrets; a secret that a URL would carry encoded (a space, a quote) cannot be
        a plain `$NAME` there: it is masked, and a note says so."""
        out: list[Piece] = []
        for piece in self.pieces(url):
            value = next((v for v, n in self.names.items() if isinstance(piece, Var) and n == piece.name), "")
            if isinstance(piece, Var) and quote(value, safe=_URL_SAFE) != value:
                notes.append(
                    f"the secret {piece.name} is sent percent-encoded in the URL: it is masked here "
                    "(pass --reveal-secrets to write it)"
                )
                out.append(masked(value))
            else:
                out.append(piece)
        return out

    def scrub(self, text: str, notes: list[str]) -> str:
        """The last line of defence: any form of a secret left in `text` (encoded, in a body) masked."""
        if self.reveal or not self.names:
            return text
        masked = mask_secrets(text, frozenset(v for v in self.names if len(v) >= 3))
        if masked != text:
            notes.append(
                "a secret in an encoded form (percent-encoded, JSON-escaped or base64) is masked: "
                "pass --reveal-secrets to write its value"
            )
        return masked


_URL_SAFE = "/:?#[]@!&()*+,;=-._~%"
_SAFE = re.compile(r"[A-Za-z0-9_@%+=:,./-]+")


def shell_word(pieces: list[Piece]) -> str:
    """One POSIX shell word: literal text single-quoted (or bare when safe), a secret as `"$NAME"`; double
    quotes around the whole when the text allows it, for a readable `"Authorization: Bearer $TOKEN"`."""
    if not pieces:
        return "''"
    literal = [p for p in pieces if isinstance(p, str)]
    if all(isinstance(p, str) for p in pieces):
        text = "".join(literal)
        return text if _SAFE.fullmatch(text) else "'" + text.replace("'", "'\\''") + "'"
    if all(not re.search(r'["$`\\!\n]', p) for p in literal):
        return '"' + "".join(p if isinstance(p, str) else "${" + p.name + "}" for p in pieces) + '"'
    return "".join(("'" + p.replace("'", "'\\''") + "'") if isinstance(p, str) else f'"${{{p.name}}}"' for p in pieces)


def template_text(pieces: list[Piece]) -> str:
    return "".join(p if isinstance(p, str) else "{{" + p.name + "}}" for p in pieces)


def export_request(
    request: ResolvedRequest,
    to: str,
    secrets: Secrets,
    *,
    messages: list[str | bytes] | None = None,
    fresh: list[str] | None = None,
) -> Exported:
    """`request` as a `to` command. `messages` are what a live request sends after opening (its message
    blocks, expanded); `fresh` names the templates (fake data) that were expanded once for this text."""
    if to not in SUPPORTS:
        raise ExportError(f"no exporter for `{to}`: choose one of {', '.join(TARGETS)}")
    protocol = request.protocol
    if protocol == "graphql" and request.graphql_kind == "subscription":
        raise ExportError(
            f"`{request.name}` is a GraphQL subscription (graphql-transport-ws): no command-line client speaks it"
        )
    if protocol not in SUPPORTS[to]:
        fits = [t for t in TARGETS if protocol in SUPPORTS[t]]
        hint = f": try --to {' or '.join(fits)}" if fits else ": no command-line client speaks it"
        raise ExportError(f"`{request.name}` is a {protocol} request, which {to} cannot send{hint}")
    notes: list[str] = []
    header: list[str] = []
    if fresh:
        shown = ", ".join(f"{{{{{t}}}}}" for t in fresh[:4]) + (", ..." if len(fresh) > 4 else "")
        header.append(f"fake data ({shown}) was expanded once: each voiden run sends new values")
    body = _writers[to](request, secrets, messages or [], notes).split("\n")
    at = 1 if to == "http" else 0  # a .http comment after the `###` line: before it, it would end the last body
    text = "\n".join([*body[:at], *(f"# {line}" for line in header), *body[at:]]) + "\n"
    return Exported(secrets.scrub(text, notes), notes)


def _basic_credentials(request: ResolvedRequest, secrets: Secrets) -> tuple[str, list[Piece]] | None:
    """An `Authorization: Basic` header that holds a secret: its name and `user:password` cut at the secrets,
    so a command can take the credentials (`-u`) and encode them itself."""
    for name, value in request.headers:
        scheme, _, token = value.strip().partition(" ")
        if name.lower() != "authorization" or scheme.lower() != "basic":
            continue
        try:
            credentials = base64.b64decode(token.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError, ValueError):
            return None
        pieces = secrets.pieces(credentials)
        return (name, pieces) if any(isinstance(p, Var) for p in pieces) else None
    return None


def _tls_flags(request: ResolvedRequest, flags: dict[str, str]) -> list[str]:
    out = []
    if request.insecure and "insecure" in flags:
        out.append(flags["insecure"])
    for key in ("ca", "cert", "key"):
        value = request.meta(key)
        if value is not None and key in flags:
            out.append(f"{flags[key]} {shell_word([str(request.path(value))])}")
    return out


def _body_pipe(request: ResolvedRequest) -> str | None:
    """A body of text and files (`< file` lines) as a shell group that writes its bytes in order."""
    if request.body_parts is None:
        return None
    steps = [
        f"printf '%s' {shell_word([part])}" if isinstance(part, str) else f"cat {shell_word([str(part)])}"
        for part in request.body_parts
    ]
    return steps[0] if len(steps) == 1 else "{ " + "; ".join(steps) + "; }"


def _curl(request: ResolvedRequest, secrets: Secrets, messages: list[str | bytes], notes: list[str]) -> str:
    args = ["curl"]
    method = request.method or "GET"
    has_body = request.body is not None or request.body_parts is not None
    if method == "HEAD":
        args.append("--head")
    elif method != "GET" or has_body:
        args.append(f"-X {shell_word([method])}")
    if "no-redirect" not in request.metadata:
        args.append("-L")
    if request.protocol == "sse":
        args.append("-N")
        args.append("-H 'Accept: text/event-stream'")
    args.extend(_tls_flags(request, {"insecure": "-k", "ca": "--cacert", "cert": "--cert", "key": "--key"}))
    if request.timeout:
        args.append(f"--max-time {request.timeout:g}")
    basic = _basic_credentials(request, secrets)
    for name, value in request.headers:
        if basic is not None and name == basic[0]:
            continue
        # curl drops a header whose value is empty; `Name;` is how it sends one
        args.append(f"-H {shell_word(secrets.pieces(f'{name}: {value}' if value else f'{name};'))}")
    if basic is not None:
        args.append(f"-u {shell_word(basic[1])}")
    body_type = request.implied_content_type()
    if body_type:
        args.append(f"-H 'Content-Type: {body_type}'")
    elif has_body and request.header("content-type") is None:
        args.append("-H 'Content-Type:'")  # curl would add x-www-form-urlencoded; voiden sends none
    pipe = _body_pipe(request)
    if pipe is not None:
        args.append("--data-binary @-")
    elif request.body is not None:
        args.append(f"--data-binary {shell_word(secrets.pieces(request.body))}")
    url = request.target
    if re.search(r"[\[\]{}]", url):
        args.append("-g")  # no URL globbing: brackets and braces are sent as they are
    args.append(shell_word(secrets.url_pieces(url, notes)))
    command = " \\\n  ".join(args)
    return f"{pipe} | {command}" if pipe is not None else command


def _httpie(request: ResolvedRequest, secrets: Secrets, messages: list[str | bytes], notes: list[str]) -> str:
    args = ["http", "--ignore-stdin"]
    if "no-redirect" not in request.metadata:
        args.append("--follow")
    if request.protocol == "sse":
        args.append("--stream")
    if request.insecure:
        args.append("--verify=no")
    elif (ca := request.meta("ca")) is not None:
        args.append(f"--verify={shell_word([str(request.path(ca))])}")
    args.extend(_tls_flags(request, {"cert": "--cert", "key": "--cert-key"}))
    if request.timeout:
        args.append(f"--timeout={request.timeout:g}")
    basic = _basic_credentials(request, secrets)
    if basic is not None:
        args.append(f"-a {shell_word(basic[1])}")
    pipe = _body_pipe(request)
    if pipe is not None:
        args.remove("--ignore-stdin")  # the body comes on standard input
    args.append(shell_word([request.method or "GET"]))
    args.append(shell_word(secrets.url_pieces(request.target, notes)))
    if re.search(r"[\[\]{}|^`]", request.target):
        notes.append("HTTPie percent-encodes [ ] { } | ^ ` in the URL (the same to a server that decodes its query)")
    if request.protocol == "sse":
        args.append("'Accept:text/event-stream'")
    for name, value in request.headers:
        if basic is not None and name == basic[0]:
            continue
        # `Name:value` is a header to HTTPie; an empty value is written `Name;`
        args.append(shell_word(secrets.pieces(f"{name}:{value}" if value else f"{name};")))
    has_body = request.body is not None or pipe is not None
    body_type = request.implied_content_type()
    if body_type:
        args.append(f"'Content-Type:{body_type}'")
    elif has_body and request.header("content-type") is None:
        args.append("'Content-Type:'")  # HTTPie would say JSON; voiden sends none
    if not has_body:
        pass
    elif pipe is None and request.body is not None:
        args.append(f"--raw {shell_word(secrets.pieces(request.body))}")
    command = " \\\n  ".join(args)
    return f"{pipe} | {command}" if pipe is not None else command


def _plain_grpc(request: ResolvedRequest, tool: str) -> Target:
    """The address of a plain gRPC request; a Connect or gRPC-Web one (an http(s):// address) is refused in
    words: the tool would call its server in the wrong protocol."""
    target = parse_target(request)
    if target.dialect != "grpc":
        raise ExportError(
            f"`{request.name}` speaks {target.dialect} (an http(s):// address), and {tool} speaks plain gRPC "
            "only: `buf curl` speaks all three"
        )
    return target


def _grpcurl(request: ResolvedRequest, secrets: Secrets, messages: list[str | bytes], notes: list[str]) -> str:
    target = _plain_grpc(request, "grpcurl")
    args = ["grpcurl"]
    if not target.tls:
        args.append("-plaintext")
    args.extend(_tls_flags(request, {"insecure": "-insecure", "ca": "-cacert", "cert": "-cert", "key": "-key"}))
    if (authority := request.meta("authority")) is not None:
        args.append(f"-authority {shell_word([authority])}")
    if request.timeout:
        args.append(f"-max-time {request.timeout:g}")
    for proto in request.metadata.get("proto", []):
        path = request.path(proto)
        args.append(f"-import-path {shell_word([str(path.parent)])} -proto {shell_word([path.name])}")
    for protoset in request.metadata.get("protoset", []):
        args.append(f"-protoset {shell_word([str(request.path(protoset))])}")
    for name, value in request.headers:
        args.append(f"-H {shell_word(secrets.pieces(f'{name}: {value}'))}")
    for line in request.metadata.get("reflect-header", []):
        args.append(f"-reflect-header {shell_word(secrets.pieces(line))}")
    sent: list[str] = []
    if request.body is not None and request.body.strip():
        sent.append(request.body.strip())
    for message in messages:
        if isinstance(message, bytes):
            raise ExportError(f"`{request.name}` sends a binary message: grpcurl takes JSON messages only")
        sent.append(message.strip())
    if sent:
        args.append(f"-d {shell_word(secrets.pieces(chr(10).join(sent)))}")
    args.append(shell_word([target.address]))
    args.append(shell_word([request.rpc]))
    return " \\\n  ".join(args)


def _websocat(request: ResolvedRequest, secrets: Secrets, messages: list[str | bytes], notes: list[str]) -> str:
    args = ["websocat"]
    if request.insecure:
        args.append("-k")
    for protocol in request.metadata.get("subprotocol", []):
        args.append(f"--protocol={shell_word([protocol])}")
    for name, value in request.headers:  # `-H=...`: a bare -H may eat the arguments after it (websocat --help)
        args.append(f"-H={shell_word(secrets.pieces(f'{name}: {value}'))}")
    lines: list[str] = []
    for message in messages:
        if isinstance(message, bytes):
            raise ExportError(f"`{request.name}` sends a binary message: websocat's line mode sends text only")
        text = message
        if "\n" in text.strip():
            if not looks_like_json(text):
                raise ExportError(
                    f"`{request.name}` sends a message of several lines: websocat sends one message per line"
                )
            text = json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":"))
            notes.append("a JSON message of several lines is sent on one line (websocat sends a message per line)")
        lines.append(text.strip("\n"))
    args.append(shell_word(secrets.url_pieces(request.target, notes)))
    command = " ".join(args)
    if not lines:
        return command
    printed = " ".join(shell_word(secrets.pieces(line)) for line in lines)
    return f"printf '%s\\n' {printed} \\\n  | {command}"


def _http(request: ResolvedRequest, secrets: Secrets, messages: list[str | bytes], notes: list[str]) -> str:
    """The JetBrains `.http` dialect (also read by REST Client, httpyac and kulala)."""
    out = [f"### {request.name}", f"# @name {request.name}"]
    for flag in ("no-redirect", "insecure"):
        if flag in request.metadata or (flag == "insecure" and request.insecure):
            out.append(f"# @{flag}")
    if request.timeout:
        out.append(f"# @timeout {request.timeout:g}")
    if any(isinstance(p, Var) for _, v in request.headers for p in secrets.pieces(v)):
        out.append("# secrets are {{NAME}}: define them in http-client.private.env.json")
    if request.protocol == "grpc":
        target = _plain_grpc(request, "the .http format's GRPC request")
        out.append(f"GRPC {target.address}/{request.rpc}")
    elif request.protocol == "ws":
        out.append(f"WEBSOCKET {template_text(secrets.url_pieces(request.target, notes))}")
    else:
        out.append(f"{request.method or 'GET'} {template_text(secrets.url_pieces(request.target, notes))}")
    for name, value in request.headers:
        out.append(template_text(secrets.pieces(f"{name}: {value}")))
    if request.protocol == "sse":
        out.append("Accept: text/event-stream")
    if (body_type := request.implied_content_type()) is not None:
        out.append(f"Content-Type: {body_type}")
    if request.body_parts is not None:
        out.append("")
        for part in request.body_parts:
            out.append(template_text(secrets.pieces(part)).rstrip("\r\n") if isinstance(part, str) else f"< {part}")
    elif request.body is not None:
        out.extend(["", template_text(secrets.pieces(request.body)).rstrip("\n")])
    for message in messages:
        if isinstance(message, bytes):
            raise ExportError(f"`{request.name}` sends a binary message: a .http request sends text only")
        out.extend(["===", template_text(secrets.pieces(message)).rstrip("\n")])
    return "\n".join(out)


_writers = {"curl": _curl, "httpie": _httpie, "grpcurl": _grpcurl, "websocat": _websocat, "http": _http}
