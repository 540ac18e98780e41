"""Files and resources are bounded: a document sends files from inside its collection only (symlinks
resolved first) unless the Voiden app marked them external, fake data has a size cap in hovers and sends,
and finished sessions are released."""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from pathlib import Path

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.helpers import received_json, voiden
from tests.server.test_lsp import open_doc, until
from voiden_lsp.demo.http_server import DemoHttpServer

REST_FILE = """```void
---
type: request
content:
  - type: method
    content: POST
  - type: url
    content: {url}
---
```

```void
---
type: restFile
content:
  - type: fileLink
    attrs:
      filePath: {path}
      filename: body.bin
      isExternal: {external}
---
```
"""


def app_collection(tmp_path: Path, url: str, path: str, external: bool = False) -> Path:
    root = tmp_path / "collection"
    (root / "files").mkdir(parents=True, exist_ok=True)
    (root / ".voiden").mkdir(exist_ok=True)
    doc = root / "upload.void"
    doc.write_text(REST_FILE.format(url=url, path=path, external=str(external).lower()), encoding="utf-8")
    return doc


def test_a_void_file_body_outside_the_collection_is_not_sent(http_server: DemoHttpServer, tmp_path: Path) -> None:
    outside = tmp_path / "private.txt"
    outside.write_bytes(b"the user's private key")
    for path in ("/../../../../../../../../etc/passwd", "/../private.txt", "/files/link.txt"):
        doc = app_collection(tmp_path, f"{http_server.url}/echo", path)
        (doc.parent / "files" / "link.txt").unlink(missing_ok=True)
        (doc.parent / "files" / "link.txt").symlink_to(outside)  # a symlink out of the collection
        result = voiden("run", str(doc), "--json")
        assert result.returncode == 1, result.stdout
        kinds = [json.loads(line)["kind"] for line in result.stdout.splitlines()]
        assert "received" not in kinds and "connecting" not in kinds
        assert "is outside the collection" in result.stdout
    # inside the collection, and where the app marked a file external, it goes out
    (doc.parent / "files" / "inside.bin").write_bytes(b"inside")
    for path, external, body in (("/files/inside.bin", False, b"inside"), (str(outside), True, outside.read_bytes())):
        doc = app_collection(tmp_path, f"{http_server.url}/echo", path, external)
        result = voiden("run", str(doc), "--json")
        assert result.returncode == 0, result.stdout + result.stderr
        echoed = received_json(result.stdout)[0]
        assert echoed["sha256"] == hashlib.sha256(body).hexdigest()


def test_a_voiden_document_sends_no_file_from_outside_its_collection(
    http_server: DemoHttpServer, tmp_path: Path
) -> None:
    root = tmp_path / "api"
    root.mkdir()
    (root / "voiden.toml").write_text("", encoding="utf-8")
    (tmp_path / "secret.txt").write_text("outside", encoding="utf-8")
    doc = root / "doc.voiden"
    for body in ("< ../secret.txt", "< /etc/hostname", "< /dev/zero"):
        doc.write_text(f"```http\nPOST {http_server.url}/echo\n\n{body}\n```\n", encoding="utf-8")
        result = voiden("run", str(doc))
        assert result.returncode == 1
        assert "outside the collection" in result.stdout or "not a regular file" in result.stdout


async def test_fake_data_is_capped_in_hovers(client: LanguageClient, tmp_path: Path) -> None:
    line = "GET http://127.0.0.1:9/{{$faker.pystr(min_chars=200000000, max_chars=200000000)}}"
    uri = open_doc(client, tmp_path, f"```http\n{line}\n```\n")
    started = time.monotonic()
    hover = await client.text_document_hover_async(
        types.HoverParams(text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(1, 40))
    )
    assert time.monotonic() - started < 5  # was 14.5 s and 1.8 GB
    assert hover is not None and "at most 100000" in str(hover.contents)
    result = voiden("run", str(tmp_path / "doc.voiden"))
    assert result.returncode == 1 and "at most 100000" in result.stdout


async def test_finished_sessions_are_released(client: LanguageClient, tmp_path: Path) -> None:
    with DemoHttpServer() as server:
        uri = open_doc(client, tmp_path, f"```http name=ping\nGET {server.url}/echo\n```\n")
        ids = []
        for _ in range(20):
            started = await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="voiden.run", arguments=[uri, "ping"])
            )
            ids.append(started["session"])
            await until(
                lambda sid=ids[-1]: any(e.session == sid and e.kind == "closed" for e in client.recorder.events)
            )  # type: ignore[attr-defined,misc]
        await asyncio.sleep(0.1)
        result = await client.protocol.send_request_async("voiden/sessions", {})
        kept = [s.id for s in result.sessions]
        assert kept == ids[-5:]  # the newest five, with their logs
        assert all(s.events for s in result.sessions)
