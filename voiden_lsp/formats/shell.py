"""POSIX shell words, read by a small tokenizer of our own (what the curl, grpcurl and websocat importers
read): quotes, `$'...'` ANSI-C strings, backslash escapes, `\\`-newline continuations, `#` comments.
Nothing is expanded or run: `$HOME` stays the text it is."""

from __future__ import annotations

import re


class ShellError(ValueError):
    """Text that is not shell words (a quote never closed): says where."""


_HEX = {code: re.compile(rf"[0-9a-fA-F]{{1,{width}}}") for code, width in (("x", 2), ("u", 4), ("U", 8))}
_OCTAL = re.compile(r"[0-7]{1,3}")
_ANSI = {"a": "\a", "b": "\b", "e": "\x1b", "E": "\x1b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}


def shell_words(text: str) -> list[str]:
    """POSIX shell words: quotes, `$'...'`, backslash escapes, `\\`-newline continuations; `#` comments."""
    words: list[str] = []
    word: list[str] = []
    started = False
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "\\" and i + 1 < n:
            if text[i + 1] != "\n":
                word.append(text[i + 1])
                started = True
            i += 2
        elif ch == "'":
            end = text.find("'", i + 1)
            if end < 0:
                raise ShellError(f"a quote (') opened at character {i + 1} is never closed")
            word.append(text[i + 1 : end])
            started, i = True, end + 1
        elif ch == "$" and text.startswith("$'", i):
            value, i = _ansi_c(text, i + 2)
            word.append(value)
            started = True
        elif ch == '"':
            value, i = _double_quoted(text, i + 1)
            word.append(value)
            started = True
        elif ch in " \t\n":
            if started:
                words.append("".join(word))
                word, started = [], False
            i += 1
        elif ch == "#" and not started:
            end = text.find("\n", i)
            i = n if end < 0 else end
        else:
            word.append(ch)
            started = True
            i += 1
    if started:
        words.append("".join(word))
    return words


def _double_quoted(text: str, i: int) -> tuple[str, int]:
    out: list[str] = []
    while i < len(text):
        ch = text[i]
        if ch == '"':
            return "".join(out), i + 1
        if ch == "\\" and i + 1 < len(text) and text[i + 1] in '"\\$`\n':
            if text[i + 1] != "\n":
                out.append(text[i + 1])
            i += 2
            continue
        out.append(ch)
        i += 1
    raise ShellError('a quote (") is never closed')


def _ansi_c(text: str, i: int) -> tuple[str, int]:
    """A bash `$'...'` string from after its opening quote: its value and where it ends."""
    out: list[str] = []
    while i < len(text):
        ch = text[i]
        if ch == "'":
            return "".join(out), i + 1
        if ch != "\\" or i + 1 >= len(text):
            out.append(ch)
            i += 1
            continue
        code = text[i + 1]
        if code in _ANSI:
            out.append(_ANSI[code])
            i += 2
        elif code in ("x", "u", "U"):
            digits = _HEX[code].match(text, i + 2)
            if digits is None:
                out.append("\\" + code)
                i += 2
            else:
                out.append(chr(min(int(digits.group(0), 16), 0x10FFFF)))
                i += 2 + len(digits.group(0))
        elif code in "01234567":
            digits = _OCTAL.match(text, i + 1)
            assert digits is not None
            out.append(chr(int(digits.group(0), 8)))
            i += 1 + len(digits.group(0))
        else:
            out.append(code)  # \\ \' \" \? and anything else: the character itself
            i += 2
    raise ShellError("a $'...' string is never closed")
