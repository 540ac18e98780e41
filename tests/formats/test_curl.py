"""curl command lines imported (`voiden import`), with real curl as the oracle: the command and the imported
request are both sent to a recording server, and must agree on method, path and query, every header the
command sets, and the body."""

from __future__ import annotations

import email.parser
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import voiden
from tests.recording import Recorder, command_headers
from voiden_lsp.formats.curl import CurlError, read_curl

COMMANDS = [
    "curl '{url}/users?page=2' \\\n  -H 'Accept: application/json' \\\n  -H $'X-Note: it\\'s\\tok' \\\n"
    '  --data-raw \'{{"name":"ada"}}\'',
    "curl -XPUT {url}/items/1 -d a=1 -d 'b=two words'",
    "curl -G {url}/search --data-urlencode 'q=hello world' --data-urlencode '=x&y' -u 'ada:s3cr#t' -b 'sid=1; x=2'",
    "curl {url}/json --json '{{\"a\": [1, 2]}}' -A 'my-agent/1.0' -e https://ref.example/",
    "curl -X DELETE \"{url}/items/2\" -H 'X-Empty;' --oauth2-bearer tok123 -sS",
    "curl -I {url}/head",
    "curl --url-query 'tag=a b' {url}/q?x=1 -H 'X-Trace: $not-a-var'",
    "curl -F 'name=ada' -F 'file=@a.txt;type=text/plain' {url}/upload",
    "curl -T a.txt {url}/put",
]


def _parts(record: dict[str, Any]) -> list[tuple[str | None, str | None, bytes]]:
    kind = next(v for k, v in record["headers"] if k.lower() == "content-type")
    head = b"Content-Type: " + kind.encode() + b"\r\n\r\n"
    message = email.parser.BytesParser().parsebytes(head + record["body"])
    return [
        (p.get_param("name", header="content-disposition"), p.get_filename(), p.get_payload(decode=True))
        for p in message.get_payload()
    ]


@pytest.mark.skipif(shutil.which("curl") is None, reason="the oracle is the real curl")
@pytest.mark.parametrize("command", COMMANDS, ids=[c.split()[1] + "-" + str(i) for i, c in enumerate(COMMANDS)])
def test_the_imported_request_puts_what_curl_puts_on_the_wire(recorder: str, tmp_path: Path, command: str) -> None:
    (tmp_path / "a.txt").write_text("file text\n", encoding="utf-8")
    text = command.format(url=recorder)
    subprocess.run(["bash", "-c", text + " -o /dev/null"], cwd=tmp_path, check=True, timeout=30, capture_output=True)
    (tmp_path / "cmd.txt").write_text(text, encoding="utf-8")
    imported = voiden("import", "cmd.txt", cwd=tmp_path)
    assert imported.returncode in (0, 1), imported.stderr
    run = voiden("run", "cmd.voiden", cwd=tmp_path)
    assert run.returncode == 0, run.stdout + run.stderr
    theirs, ours = Recorder.seen
    assert ours["method"] == theirs["method"]
    assert ours["path"] == theirs["path"]
    assert command_headers(ours) == command_headers(theirs), (theirs, ours)
    if "-F" in text:
        assert _parts(ours) == _parts(theirs)
    else:
        assert ours["body"] == theirs["body"]
    document = (tmp_path / "cmd.voiden").read_text(encoding="utf-8")
    assert "s3cr#t" not in document and "tok123" not in document  # credentials go to .env, never a document


def test_shell_syntax_of_real_pastes() -> None:
    """Continued lines, $'...' strings, glued flags, the cmd variant's ^ escapes, several commands, comments."""
    bash = (
        "# from the browser\n"
        "curl $'https://x.example/a\\u00e9?q=1' -H $'Cookie: a=\\'b\\'' -XPATCH --data-raw $'line\\nnext'\n"
        "curl https://x.example/two -sSLk\n"
    )
    first, second = read_curl(bash)
    assert (first.request.method, first.request.target.text) == ("PATCH", "https://x.example/aé?q=1")
    assert next((h.name, h.value.text) for h in first.request.headers) == ("Cookie", "a='b'")
    assert first.request.body is not None and first.request.body.text == "line\nnext"
    assert [m.key for m in second.request.metadata] == ["insecure"]  # -L: redirects followed, so no @no-redirect
    (cmd,) = read_curl('curl ^"https://x.example/c^" ^\n  -H ^"X-A: 1^" ^\n  --data-raw ^"^{^\\^"k^\\^":1^}^"')
    assert cmd.request.target is not None and cmd.request.target.text == "https://x.example/c"
    assert next((h.name, h.value.text) for h in cmd.request.headers) == ("X-A", "1")


def test_what_does_not_carry_over_is_a_note_and_bad_text_an_error_in_words() -> None:
    (item,) = read_curl("curl https://x.example --digest -u a:b --proxy http://p:3128 --weird -Z")
    assert any("`--digest` auth is not sent here" in n for n in item.notes)
    assert any("`--proxy http://p:3128` has no equivalent here" in n for n in item.notes)
    assert any("`--weird` has no equivalent here" in n for n in item.notes)
    assert any("`-Z` has no equivalent here" in n for n in item.notes)
    for text, said in (
        ("echo hi", "no curl command found"),
        ("curl -H 'X: 1", "is never closed"),
        ("curl -H 'X: 1'", "names no URL"),
        ("curl " + "x" * (1024 * 1024), "a curl paste of at most"),
    ):
        with pytest.raises(CurlError, match=said):
            read_curl(text)


def test_import_from_standard_input_keeps_files_and_secrets_safe(tmp_path: Path) -> None:
    paste = "curl -d @/etc/passwd -H 'Authorization: Bearer abc.def' https://x.example/p"
    result = subprocess.run(
        ["bash", "-c", f"printf '%s' \"$PASTE\" | {voiden_command()} import - --out out"],
        cwd=tmp_path,
        env={**__import__("os").environ, "PASTE": paste},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1, result.stderr  # written, with a note
    document = (tmp_path / "out" / "imported.voiden").read_text(encoding="utf-8")
    assert "< /etc/passwd" in document and "voiden sends files from inside the collection only" in result.stdout
    assert "abc.def" not in document and "Authorization: Bearer {{CURL_AUTH_1}}" in document
    assert (tmp_path / "out" / ".env").read_text(encoding="utf-8") == "CURL_AUTH_1=abc.def\n"
    assert (tmp_path / "out" / ".gitignore").read_text(encoding="utf-8") == ".env\n"
    (tmp_path / "imported.txt").write_text(paste, encoding="utf-8")
    again = voiden("import", "imported.txt", "--out", "out", cwd=tmp_path)
    assert again.returncode == 2 and "out/imported.voiden exists: pass --force" in again.stderr
    # the file outside the collection is not sent
    run = voiden("run", "out/imported.voiden", cwd=tmp_path)
    assert run.returncode == 1 and "passwd" not in run.stdout.split("✗")[0]


def voiden_command() -> str:
    import sys

    return f"{sys.executable} -m voiden_lsp.cli"


@pytest.mark.parametrize(
    "text",
    [
        "\n" * 1_000_000 + "curl https://x.example",
        "curl $'" + "\\x41" * 200_000 + "'",
        "curl https://x.example " + "-H 'a: b' " * 40_000,
        "curl " + "'" + "x" * 1_000_000,
    ],
    ids=["blank-lines", "escapes", "headers", "open-quote"],
)
def test_a_hostile_paste_is_read_in_bounded_time(text: str) -> None:
    """A megabyte of the worst shapes is read (or refused in words) in linear time."""
    import time

    started = time.process_time()
    try:
        read_curl(text)
    except CurlError as exc:
        assert str(exc)
    assert time.process_time() - started < 2.0


def test_a_second_import_never_changes_a_secret_the_first_wrote(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_text("curl -u ada:one http://x.example/a\n")
    (tmp_path / "b.txt").write_text("curl -u ada:two http://x.example/a\n")
    voiden("import", "a.txt", cwd=tmp_path)
    voiden("import", "b.txt", cwd=tmp_path)
    voiden("import", "a.txt", "--force", cwd=tmp_path)  # the same credential again: its name is reused
    assert (tmp_path / ".env").read_text().splitlines() == ["CURL_AUTH_1=ada:one", "CURL_AUTH_1_2=ada:two"]
    assert "Basic {{CURL_AUTH_1_2}}" in (tmp_path / "b.voiden").read_text()
    assert "Basic {{CURL_AUTH_1}}" in (tmp_path / "a.voiden").read_text()
