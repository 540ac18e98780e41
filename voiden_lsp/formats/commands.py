"""grpcurl, websocat and wscat command lines read into requests (and curl's, through `formats.curl`): a flag
table each, every flag with no meaning here a note, credentials of an `Authorization` header to `.env`.
Nothing is run: `-d @` (standard input) and the like are notes.

grpcurl's flags are Go's (`-flag value`, `-flag=value`, `--flag`; positionals are the address and the
method); websocat 1.x's are `-H`/`--header`, `--protocol`, `-k`, `-1`, `-b`...; wscat's `-c URL`, `-H`,
`-s`, `--auth`, `-x`, `-n`. A websocat line fed by `echo` or `printf` sends those lines as messages."""

from __future__ import annotations

import json
import re

from voiden_lsp.formats.building import Imported, credentials_to_env, make_request
from voiden_lsp.formats.curl import MAX_COMMAND, CurlError, looks_like_curl, read_curl
from voiden_lsp.formats.shell import ShellError, shell_words

PROGRAMS = ("curl", "grpcurl", "websocat", "wscat")
_START = re.compile(r"(?m)^[ \t]*(?:\$[ \t]*)?(?=(?:echo|printf|grpcurl|websocat|wscat)\s)")

#: grpcurl flag -> takes a value
_GRPCURL: dict[str, bool] = {
    "d": True, "H": True, "rpc-header": True, "reflect-header": True, "plaintext": False, "insecure": False,
    "proto": True, "import-path": True, "protoset": True, "max-time": True, "connect-timeout": True,
    "authority": True, "servername": True, "cacert": True, "cert": True, "key": True, "format": True,
    "emit-defaults": False, "allow-unknown-fields": False, "use-reflection": True, "expand-headers": False,
    "user-agent": True, "max-msg-sz": True, "keepalive-time": True, "v": False, "vv": False,
    "format-error": False, "unix": False, "alts": False, "msg-template": False,
}  # fmt: skip
_GRPCURL_QUIET = frozenset({"format", "emit-defaults", "v", "vv", "format-error", "use-reflection", "msg-template"})

#: websocat / wscat flag -> (meaning, takes a value)
_WEBSOCAT: dict[str, tuple[str, bool]] = {
    "-H": ("header", True), "--header": ("header", True), "--protocol": ("protocol", True),
    "-k": ("insecure", False), "--insecure": ("insecure", False), "-1": ("one", False),
    "--one-message": ("one", False), "-b": ("binary", False), "--binary": ("binary", False),
    "-t": ("text", False), "--text": ("text", False), "-q": ("quiet", False), "-E": ("exit", False),
    "--exit-on-eof": ("exit", False), "-n": ("no-close", False), "--no-close": ("no-close", False),
    "--ping-interval": ("ping", True), "--origin": ("origin", True), "-s": ("server", True),
    "--jsonrpc": ("jsonrpc", False),
}  # fmt: skip
_WSCAT: dict[str, tuple[str, bool]] = {
    "-c": ("url", True), "--connect": ("url", True), "-H": ("header", True), "--header": ("header", True),
    "-s": ("protocol", True), "--subprotocol": ("protocol", True), "--auth": ("auth", True),
    "-x": ("message", True), "--execute": ("message", True), "-n": ("insecure", False),
    "--no-check": ("insecure", False), "-w": ("wait", True), "--wait": ("wait", True), "-o": ("origin", True),
    "--origin": ("origin", True), "-l": ("server", True), "--listen": ("server", True), "-P": ("quiet", False),
}  # fmt: skip


def looks_like_command(text: str) -> bool:
    """Text that starts with a command line one of our readers reads."""
    return looks_like_curl(text) or re.match(r"\s*(?:\$\s*)?(?:grpcurl|websocat|wscat|echo|printf)\s", text) is not None


def read_commands(text: str) -> list[Imported]:
    """Every command of `text` (curl, grpcurl, websocat, wscat), in order. Raises CurlError in words."""
    if len(text) > MAX_COMMAND:
        raise CurlError(f"the text is {len(text):,} characters: a paste of at most {MAX_COMMAND:,} is read")
    if looks_like_curl(text):
        return read_curl(text)
    found: list[Imported] = []
    for chunk in _START.split(text.replace("\r\n", "\n")):
        try:
            words = shell_words(chunk)
        except ShellError as exc:
            raise CurlError(str(exc)) from None
        if not words:
            continue
        ordinal = len(found) + 1
        if words[0] in ("echo", "printf"):
            messages, words = _piped(words)
            if words and words[0] == "websocat":
                found.append(_websocat(words[1:], ordinal, messages))
            elif words and words[0] == "wscat":
                found.append(_wscat(words[1:], ordinal, messages))
            elif words:
                raise CurlError(f"`{' '.join(words[:2])}`: only websocat or wscat is read after a pipe")
        elif words[0] == "grpcurl":
            found.append(_grpcurl(words[1:], ordinal))
        elif words[0] == "websocat":
            found.append(_websocat(words[1:], ordinal, []))
        elif words[0] == "wscat":
            found.append(_wscat(words[1:], ordinal, []))
    if not found:
        raise CurlError("no command found: expected a line starting with curl, grpcurl, websocat or wscat")
    return found


def _piped(words: list[str]) -> tuple[list[str], list[str]]:
    """`echo TEXT | websocat ...` or `printf FORMAT ARGS | websocat ...`: the lines sent, and the command."""
    if "|" not in words:
        return [], []
    bar = words.index("|")
    source, command = words[:bar], words[bar + 1 :]
    args = [w for w in source[1:] if w not in ("-n", "-e")]
    if source[0] == "echo":
        text = " ".join(args)
        if "-e" in source:
            text = text.encode().decode("unicode_escape", errors="replace")
    else:  # printf FORMAT ARGS...: `%s\n` with arguments is a line each
        form, rest = (args[0], args[1:]) if args else ("", [])
        form = form.replace("\\n", "\n")
        text = "".join(form.replace("%s", arg, 1) for arg in rest) if rest and "%s" in form else form
    return [line for line in text.split("\n") if line.strip()], command


def _header(value: str, notes: list[str]) -> tuple[str, str] | None:
    name, colon, rest = value.partition(":")
    if not colon or not name.strip():
        notes.append(f"`{value}` is not a `Name: value` header")
        return None
    return name.strip(), rest.strip()


def _grpcurl(words: list[str], ordinal: int) -> Imported:
    notes: list[str] = []
    options: list[tuple[str, str]] = []
    positionals: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        if word.startswith("-") and len(word) > 1:
            name, eq, value = word.lstrip("-").partition("=")
            takes = _GRPCURL.get(name)
            if takes is None:
                notes.append(f"`{word}` is not a grpcurl flag read here")
            elif takes and not eq:
                if i + 1 >= len(words):
                    raise CurlError(f"grpcurl command {ordinal}: `{word}` needs a value")
                value = words[i + 1]
                i += 1
            options.append((name, value if eq or takes else "true"))
        else:
            positionals.append(word)
        i += 1
    verb = next((p for p in positionals if p in ("list", "describe")), None)
    if verb is not None:
        raise CurlError(f"grpcurl command {ordinal} is `{verb}`, not a call: nothing to import")
    if len(positionals) < 2:
        raise CurlError(f"grpcurl command {ordinal}: expected an address and a method (host:port pkg.Service/Method)")
    address, method = positionals[0], positionals[1]
    if len(positionals) > 2:
        notes.append(f"words after the method are left out: {' '.join(positionals[2:])}")
    values = dict(options)
    plaintext = "plaintext" in values
    target = ("grpc://" if plaintext else "grpcs://") + address
    headers: list[tuple[str, str]] = []
    metadata: list[tuple[str, str]] = []
    body: str | None = None
    messages: list[str] = []
    for name, value in options:
        if name in ("H", "rpc-header"):
            header = _header(value, notes)
            if header:
                headers.append(header)
        elif name == "reflect-header":
            metadata.append(("reflect-header", value))
        elif name in ("proto", "protoset", "import-path", "authority"):
            metadata.append((name, value))
        elif name in ("max-time", "connect-timeout") and name == "max-time":
            metadata.append(("timeout", f"{value}s"))
        elif name == "insecure":
            metadata.append(("insecure", ""))
        elif name in ("cacert", "cert", "key"):
            metadata.append(({"cacert": "ca"}.get(name, name), value))
        elif name == "d":
            if value.strip() == "@":
                notes.append("`-d @` reads the messages from standard input: write them into the request")
                continue
            parts = _json_values(value, notes)
            if parts:
                body, messages = parts[0], parts[1:]
        elif name == "servername":
            metadata.append(("authority", value))
        elif name == "user-agent":
            headers.append(("user-agent", value))
        elif name not in _GRPCURL_QUIET and name != "plaintext" and name in _GRPCURL:
            notes.append(f"`-{name}` has no equivalent here")
    secrets = credentials_to_env(headers, "GRPCURL", ordinal)
    request = make_request(f"call-{ordinal}", "grpc", target, headers=headers, body=body, metadata=metadata,
                           rpc=method)  # fmt: skip
    return Imported(request, notes, secrets, messages)


def _json_values(text: str, notes: list[str]) -> list[str]:
    """The JSON values of a `-d` one after another (a stream's messages), each as written."""
    decoder = json.JSONDecoder()
    values: list[str] = []
    at = 0
    while at < len(text):
        while at < len(text) and text[at].isspace():
            at += 1
        if at >= len(text):
            break
        try:
            _, end = decoder.raw_decode(text, at)
        except json.JSONDecodeError as exc:
            notes.append(f"`-d` is not JSON from character {at + 1} ({exc.msg}): kept as it is")
            values.append(text[at:].strip())
            break
        values.append(text[at:end])
        at = end
    return values


def _websocat(words: list[str], ordinal: int, messages: list[str]) -> Imported:
    return _websocket(words, ordinal, messages, _WEBSOCAT, "websocat")


def _wscat(words: list[str], ordinal: int, messages: list[str]) -> Imported:
    return _websocket(words, ordinal, messages, _WSCAT, "wscat")


def _websocket(
    words: list[str], ordinal: int, messages: list[str], table: dict[str, tuple[str, bool]], program: str
) -> Imported:
    notes: list[str] = []
    urls: list[str] = []
    headers: list[tuple[str, str]] = []
    metadata: list[tuple[str, str]] = []
    sent = list(messages)
    i = 0
    while i < len(words):
        word = words[i]
        flag, eq, inline = word.partition("=")
        if word.startswith("-") and flag in table:
            meaning, takes = table[flag]
            value = inline if eq else ""
            if takes and not eq:
                if i + 1 >= len(words):
                    raise CurlError(f"{program} command {ordinal}: `{word}` needs a value")
                value = words[i + 1]
                i += 1
            if meaning == "header":
                header = _header(value, notes)
                if header:
                    headers.append(header)
            elif meaning == "protocol":
                metadata.append(("subprotocol", value))
            elif meaning == "insecure":
                metadata.append(("insecure", ""))
            elif meaning == "one":
                metadata.append(("max-messages", "1"))
            elif meaning == "url":
                urls.append(value)
            elif meaning == "message":
                sent.append(value)
            elif meaning == "origin":
                headers.append(("Origin", value))
            elif meaning == "auth":
                headers.append(("Authorization", f"Basic {value}"))
            elif meaning == "server":
                raise CurlError(f"{program} command {ordinal} starts a server (`{word}`): nothing to import")
            elif meaning not in ("quiet", "text", "exit"):
                notes.append(f"`{word}` has no equivalent here")
        elif word.startswith("-") and len(word) > 1:
            notes.append(f"`{word}` is not a {program} flag read here")
        else:
            urls.append(word)
        i += 1
    if not urls:
        raise CurlError(f"{program} command {ordinal} names no ws:// or wss:// URL")
    secrets = credentials_to_env(headers, program.upper(), ordinal)
    request = make_request(f"socket-{ordinal}", "ws", urls[0], headers=headers, metadata=metadata)
    return Imported(request, notes, secrets, sent)
