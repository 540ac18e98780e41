"""Snapshot expectations (FORMAT.md section 13): written on the first run, compared after, a diff when they
differ, `--update-snapshots`, `ignoring`, masked, of a body and of a stream's messages; and the lines that
are no snapshot say so."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.helpers import voiden
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.document.expect import BadLine, read_line
from voiden_lsp.document.model import Position, Range

TOKEN = "tok-snapshot-secret-77"


def collection(tmp_path: Path, base: str, text: str) -> Path:
    (tmp_path / "voiden.toml").write_text(f'default_env = "local"\n\n[env.local]\nbase = "{base}"\n', encoding="utf-8")
    (tmp_path / ".env").write_text(f"API_TOKEN={TOKEN}\n", encoding="utf-8")
    doc = tmp_path / "api.voiden"
    doc.write_text(text, encoding="utf-8")
    return doc


ECHO = """```http name=echo
POST {{base}}/echo
Authorization: Bearer {{API_TOKEN}}
Content-Type: application/json

{"token": "{{API_TOKEN}}", "name": "NAME", "n": {{$randomInt 1 1000000}}}
```

```expect
status == 200
body.json matches snapshot ignoring n
```
"""


def test_a_body_snapshot_is_written_then_kept_then_fails_with_a_diff_then_updated(
    http_server: DemoHttpServer, tmp_path: Path
) -> None:
    doc = collection(tmp_path, http_server.url, ECHO.replace("NAME", "Ada"))
    first = voiden("test", str(doc), "--no-color")
    assert first.returncode == 0, first.stdout + first.stderr
    stored = tmp_path / "__snapshots__" / "api.voiden.json"
    text = stored.read_text(encoding="utf-8")
    assert TOKEN not in text and "tok…" in text, "the snapshot holds the secret, or not masked as outputs are"
    assert json.loads(text) == {"echo": {"body.json": {"name": "Ada", "token": "tok…"}}}  # `n` left out

    again = voiden("test", str(doc), "--no-color")  # a fresh random `n`: ignored
    assert again.returncode == 0, again.stdout
    assert stored.read_text(encoding="utf-8") == text, "a passing run rewrote the snapshot"

    doc.write_text(ECHO.replace("NAME", "Grace"), encoding="utf-8")
    report = tmp_path / "junit.xml"
    changed = voiden("test", str(doc), "--no-color", "--report", f"junit:{report}")
    assert changed.returncode == 1
    assert "differs from the snapshot" in changed.stdout
    assert '-  "name": "Ada",' in changed.stdout and '+  "name": "Grace",' in changed.stdout, changed.stdout
    failure = ET.parse(report).find(".//failure")
    assert failure is not None and '+  "name": "Grace",' in (failure.text or "")
    assert stored.read_text(encoding="utf-8") == text, "a failed comparison wrote the snapshot"

    updated = voiden("test", str(doc), "--no-color", "--update-snapshots")
    assert updated.returncode == 0, updated.stdout
    assert json.loads(stored.read_text(encoding="utf-8"))["echo"]["body.json"]["name"] == "Grace"
    assert voiden("test", str(doc), "--no-color").returncode == 0


def test_a_streams_messages_and_one_message_are_snapshotted(http_server: DemoHttpServer, tmp_path: Path) -> None:
    doc = collection(
        tmp_path,
        http_server.url,
        "```sse name=ticks\nGET {{base}}/events?count=4&interval=10\n```\n\n"
        "```expect\nmessages matches snapshot\nmessage[1] matches snapshot ignoring price\n```\n",
    )
    assert voiden("test", str(doc), "--no-color").returncode == 0
    stored = json.loads((tmp_path / "__snapshots__" / "api.voiden.json").read_text(encoding="utf-8"))["ticks"]
    assert [m if isinstance(m, str) else m["seq"] for m in stored["messages"]] == [
        1,
        2,
        "summary after 3 ticks\n(a multi-line event)",
        4,
    ]
    assert stored["message[1]"] == {"seq": 2, "symbol": "VOID"}
    doc.write_text(doc.read_text(encoding="utf-8").replace("count=4", "count=5"), encoding="utf-8")
    longer = voiden("test", str(doc), "--no-color")
    assert longer.returncode == 1 and "messages matches snapshot" in longer.stdout
    assert '+    "seq": 5,' in longer.stdout, longer.stdout  # the fifth message, as the diff's addition


def test_lines_that_are_no_snapshot_say_what_to_write() -> None:
    def where(a: int, b: int) -> Range:
        return Range(Position(0, a), Position(0, b))

    line = read_line("body matches snapshot ignoring id, items[*].createdAt", where, "http")
    assert line.snapshot and line.ignoring == ("id", "items[*].createdAt")
    assert not read_line("body matches /x/", where, "http").snapshot  # `matches` is still a pattern
    for text, said in (
        ("status matches snapshot", "snapshots are of `body`"),
        ("body matches snapshot ignoring", "needs the paths"),
        ("body matches snapshot please", "only `ignoring PATH, ...`"),
        ("body matches snapshot ignoring a b", "`a b` is not a path"),
    ):
        try:
            read_line(text, where, "http")
        except BadLine as bad:
            assert said in bad.message, bad.message
        else:
            raise AssertionError(f"`{text}` was read as an expectation")
