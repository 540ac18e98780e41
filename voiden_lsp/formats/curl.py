"""curl command lines (a terminal's, or a browser's "Copy as cURL" for bash or cmd) read into requests, with a
note for everything that does not carry over. Pure: text in, requests and notes out; no file is read, no
command run. The shell syntax is read by a small tokenizer of our own (quotes, `$'...'` ANSI-C strings,
backslash and `^` escapes, continued lines), the flags by a table."""

from __future__ import annotations

import re
from urllib.parse import quote_plus, urlsplit, urlunsplit

from voiden_lsp.formats.building import (
    MULTIPART_TYPE,
    FormField,
    Imported,
    credentials_to_env,
    make_request,
    multipart,
    set_default,
)
from voiden_lsp.formats.shell import ShellError, shell_words

MAX_COMMAND = 1024 * 1024
"""A paste longer than this is refused in words (a command line is a few kilobytes)."""

#: flag -> takes a value. Short flags map to their long names below.
_FLAGS: dict[str, bool] = {
    "request": True, "header": True, "url": True, "url-query": True, "get": False, "head": False,
    "data": True, "data-raw": True, "data-binary": True, "data-ascii": True, "data-urlencode": True,
    "json": True, "form": True, "form-string": True, "upload-file": True, "user": True, "basic": False,
    "digest": False, "ntlm": False, "oauth2-bearer": True, "cookie": True, "user-agent": True, "referer": True,
    "compressed": False, "insecure": False, "location": False, "max-redirs": True, "max-time": True,
    "connect-timeout": True, "cacert": True, "cert": True, "key": True, "http1.1": False, "http2": False,
    "retry": True, "proxy": True,
    # what curl shows or writes, not what it sends: read and left aside without a note
    "silent": False, "show-error": False, "verbose": False, "include": False, "output": True,
    "write-out": True, "fail": False, "progress-bar": False, "no-progress-meter": False, "remote-name": False,
    "fail-with-body": False,
}  # fmt: skip
_SHORT = {
    "X": "request", "H": "header", "G": "get", "I": "head", "d": "data", "F": "form", "T": "upload-file",
    "u": "user", "b": "cookie", "A": "user-agent", "e": "referer", "k": "insecure", "L": "location",
    "m": "max-time", "x": "proxy", "s": "silent", "S": "show-error", "v": "verbose", "i": "include",
    "o": "output", "w": "write-out", "f": "fail", "#": "progress-bar", "O": "remote-name",
}  # fmt: skip
_OUTPUT_ONLY = frozenset(
    {"silent", "show-error", "verbose", "include", "output", "write-out", "fail", "progress-bar",
     "no-progress-meter", "remote-name", "fail-with-body", "compressed", "http1.1", "http2"}
)  # fmt: skip
_COMMAND_START = re.compile(r"(?m)^[ \t]*(?:\$[ \t]*)?(?=curl(?:\.exe)?\s)")
"""Where a command starts: a line beginning with `curl` (blanks only before it, so the search stays linear)."""


class CurlError(ValueError):
    """The text cannot be read as curl commands; the message says where and what was expected."""


def looks_like_curl(text: str) -> bool:
    return re.match(r"\s*(?:\$\s*)?curl(?:\.exe)?\s", text) is not None


def read_curl(text: str) -> list[Imported]:
    """Every curl command of `text` (a paste may hold several), in order. Raises CurlError when there is
    none, or a quote is never closed."""
    if len(text) > MAX_COMMAND:
        raise CurlError(f"the text is {len(text):,} characters: a curl paste of at most {MAX_COMMAND:,} is read")
    try:
        commands = [words for words in _commands(text) if words]
    except ShellError as exc:
        raise CurlError(str(exc)) from None
    if not commands:
        raise CurlError("no curl command found: expected text starting with `curl`")
    return [_request(words, n) for n, words in enumerate(commands, start=1)]


def _commands(text: str) -> list[list[str]]:
    """The words of each `curl` command: a new command starts at a line beginning with `curl`."""
    text = text.replace("\r\n", "\n")
    if re.search(r"\^\n|\^\"", text) and "\\\n" not in text:  # "Copy as cURL (cmd)": ^ escapes, ^ continuations
        text = re.sub(r"\^(.)", r"\1", text.replace("^\n", " "), flags=re.DOTALL)
    chunks = _COMMAND_START.split(text)
    found = []
    for chunk in chunks:
        words = shell_words(chunk)
        if words and words[0].lower() in ("curl", "curl.exe"):
            found.append(words[1:])
    return found


def _options(words: list[str], notes: list[str]) -> tuple[list[tuple[str, str]], list[str]]:
    """(flag, value) pairs in order, and the words that are not flags (URLs)."""
    options: list[tuple[str, str]] = []
    loose: list[str] = []
    i = 0
    while i < len(words):
        word = words[i]
        i += 1
        if word == "--":
            loose += words[i:]
            break
        if word.startswith("--") and len(word) > 2:
            name, eq, value = word[2:].partition("=")
            takes = _FLAGS.get(name)
            if takes is None:
                notes.append(f"`{word}` has no equivalent here: left out")
                continue
            if takes and not eq:
                if i >= len(words):
                    notes.append(f"`{word}` has no value: left out")
                    continue
                value, i = words[i], i + 1
            options.append((name, value if takes else ""))
        elif word.startswith("-") and len(word) > 1:
            j = 1
            while j < len(word):  # glued short flags: -sSL, -XPOST
                short = _SHORT.get(word[j])
                if short is None:
                    notes.append(f"`-{word[j]}` has no equivalent here: left out")
                    j += 1
                    continue
                name = short
                if _FLAGS[name]:
                    value = word[j + 1 :]
                    if not value:
                        if i >= len(words):
                            notes.append(f"`-{word[j]}` has no value: left out")
                            break
                        value, i = words[i], i + 1
                    options.append((name, value))
                    break
                options.append((name, ""))
                j += 1
        else:
            loose.append(word)
    return options, loose


def _request(words: list[str], ordinal: int) -> Imported:
    notes: list[str] = []
    options, loose = _options(words, notes)
    urls = [value for name, value in options if name == "url"] + loose
    if not urls:
        raise CurlError(f"curl command {ordinal} names no URL")
    if len(urls) > 1:
        notes.append(f"curl sends to each of {len(urls)} URLs; this request sends to the first, {urls[0]}")
    url = urls[0] if "://" in urls[0] else f"http://{urls[0]}"
    headers: list[tuple[str, str]] = []
    data: list[str] = []
    form: list[tuple[str, str]] = []
    query: list[str] = []
    method: str | None = None
    get = head = json_body = follow = False
    metadata: list[tuple[str, str]] = []
    body_file: str | None = None
    for name, value in options:
        if name == "request":
            method = value.upper()
        elif name == "header":
            if value.startswith("@"):
                notes.append(f"`-H {value}` reads headers from a file: add them by hand")
            elif ":" in value:
                key, _, val = value.partition(":")
                headers.append((key.strip(), val.strip()))
            elif value.endswith(";"):
                headers.append((value[:-1].strip(), ""))
            else:
                notes.append(f"`-H {value}` is not a header line (`Name: value`): left out")
        elif name == "url-query":
            query.append(_urlencoded(value, notes) if not value.startswith("+") else value[1:])
        elif name == "get":
            get = True
        elif name == "head":
            head = True
        elif name in ("data", "data-ascii", "data-raw", "data-binary", "json"):
            if value.startswith("@") and name != "data-raw":
                body_file = value[1:]
                if name in ("data", "data-ascii"):
                    notes.append(f"curl strips the newlines of {body_file} (`-d @file`); this sends the file as it is")
            else:
                data.append(value.replace("\r", "").replace("\n", "") if name in ("data", "data-ascii") else value)
            json_body |= name == "json"
        elif name == "data-urlencode":
            data.append(_urlencoded(value, notes))
        elif name in ("form", "form-string"):
            key, eq, val = value.partition("=")
            if not eq:
                notes.append(f"`-F {value}` is not `name=value`: left out")
            else:
                form.append((key, val if name == "form" else "\0" + val))
        elif name == "upload-file":
            body_file = value
            method = method or "PUT"
        elif name == "user":
            headers.append(("Authorization", f"Basic {value}"))
        elif name in ("digest", "ntlm"):
            notes.append(f"`--{name}` auth is not sent here: the request sends the user as Basic auth")
        elif name == "oauth2-bearer":
            headers.append(("Authorization", f"Bearer {value}"))
        elif name == "cookie":
            if "=" in value:
                headers.append(("Cookie", value))
            else:
                notes.append(f"`-b {value}` reads cookies from a file: add them as a `Cookie:` header by hand")
        elif name == "user-agent":
            headers.append(("User-Agent", value))
        elif name == "referer":
            headers.append(("Referer", value.removesuffix(";auto")))
        elif name == "insecure":
            metadata.append(("insecure", ""))
        elif name == "location":
            follow = True
        elif name == "max-time":
            metadata.append(("timeout", f"{_seconds(value)}s"))
        elif name in ("cacert", "cert", "key"):
            metadata.append(({"cacert": "ca"}.get(name, name), value))
        elif name in ("max-redirs", "connect-timeout", "retry", "proxy"):
            notes.append(f"`--{name} {value}` has no equivalent here: left out")
    if not follow:
        metadata.append(("no-redirect", ""))  # curl follows a redirect only with -L
    if json_body:
        set_default(headers, "Content-Type", "application/json")
        set_default(headers, "Accept", "application/json")
    body: str | None = None
    if data and (get or head):
        query.append("&".join(data))
    elif data:
        body = "&".join(data)
        set_default(headers, "Content-Type", "application/x-www-form-urlencoded")
    if form:
        body = _multipart(form, notes)
        headers = [(k, v) for k, v in headers if k.lower() != "content-type"]
        headers.append(("Content-Type", MULTIPART_TYPE))
    if body_file is not None:
        if body is not None:
            notes.append(f"both a body and a file ({body_file}) are given: the file is sent")
        body = f"< {body_file}"
        if body_file.startswith("/") or ".." in body_file.split("/"):
            notes.append(f"the body is the file {body_file}: voiden sends files from inside the collection only")
    if query:
        url = _with_query(url, query)
    if method is None:
        method = "HEAD" if head else "GET" if get else "POST" if body is not None else "GET"
    secrets = credentials_to_env(headers, "CURL", ordinal)
    request = make_request(f"request-{ordinal}", "http", url, method=method, headers=headers, body=body,
                           metadata=metadata)  # fmt: skip
    if any("{{" in text for text in [url, body or "", *(v for k, v in headers if k.lower() != "authorization")]):
        notes.append("`{{` in the command is read as a template by voiden: check those values")
    if body is not None and any(line.lstrip().startswith(("```", "~~~")) for line in body.splitlines()):
        notes.append("a body line starts with a code fence, which ends the request block: move it to a file")
    return Imported(request, notes, secrets)


def _urlencoded(value: str, notes: list[str]) -> str:
    """`--data-urlencode` forms: `content`, `=content`, `name=content`; `@file` / `name@file` are notes."""
    name, eq, content = value.partition("=")
    if not eq:
        if "@" in value:
            notes.append(f"`--data-urlencode {value}` encodes a file: send it with `< file` by hand")
            return ""
        return quote_plus(value, safe="")
    return f"{name}={quote_plus(content, safe='')}" if name else quote_plus(content, safe="")


def _multipart(form: list[tuple[str, str]], notes: list[str]) -> str:
    fields: list[FormField] = []
    for key, value in form:
        if value.startswith("\0") or not value.startswith(("@", "<")):
            fields.append(FormField(key, value.lstrip("\0")))
            continue
        path, *params = value[1:].split(";")
        kind = next((p.split("=", 1)[1] for p in params if p.strip().startswith("type=")), None)
        filename = next((p.split("=", 1)[1] for p in params if p.strip().startswith("filename=")), None)
        if value.startswith("<"):
            notes.append(f"`-F {key}=<{path}` sends the file's text as a field: it is sent as a file here")
        fields.append(FormField(key, file=path, content_type=kind.strip() if kind else None, filename=filename))
    return multipart(fields)


def _with_query(url: str, pairs: list[str]) -> str:
    parts = urlsplit(url)
    joined = "&".join(p for p in [parts.query, *pairs] if p)
    return urlunsplit(parts._replace(query=joined))


def _seconds(value: str) -> str:
    try:
        return f"{float(value):g}"
    except ValueError:
        raise CurlError(f"`--max-time {value}` is not a number of seconds") from None
