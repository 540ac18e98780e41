"""A secret is masked in every form it takes on the way out (Basic credentials, percent-encoding, JSON
escaping, case-folded host names) and in every face: the CLI, `--json`, `voiden/events`, `voiden/sessions`,
error texts and logs at every level."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any
from urllib.parse import quote, quote_plus

from lsprotocol import types
from pytest_lsp import LanguageClient

from tests.helpers import voiden
from tests.server.test_lsp import open_doc, until
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.templating import mask_secrets

PASS = 'Pa ss/wörd"x!'
HOST = "SecretHostName"
DOC = """```http name=basic
POST {{base_url}}/echo?p={{PASS}}
Authorization: Basic ada:{{PASS}}
Content-Type: application/json

{"p": "{{PASS}}"}
```

```http name=host
GET http://{{HOST}}.invalid/
```
"""


def forms(secret: str) -> list[str]:
    """Every spelling of the secret a leak could show."""
    basic = base64.b64encode(f"ada:{secret}".encode()).decode()
    return [secret, quote(secret, safe=""), quote(secret), quote_plus(secret), json.dumps(secret)[1:-1], basic]


def assert_masked(text: str) -> None:
    for form in [*forms(PASS), HOST]:
        assert form.lower() not in text.lower(), f"{form!r} leaked"


def collection(tmp_path: Path, base_url: str) -> Path:
    (tmp_path / "voiden.toml").write_text(f'[env.dev]\nbase_url = "{base_url}"\n', encoding="utf-8")
    (tmp_path / ".env").write_text(f"PASS='{PASS}'\nHOST={HOST}\n", encoding="utf-8")
    doc = tmp_path / "doc.voiden"
    doc.write_text(DOC, encoding="utf-8")
    return doc


def test_the_cli_masks_every_form_in_every_output(tmp_path: Path) -> None:
    with DemoHttpServer() as server:
        doc = collection(tmp_path, server.url)
        for extra in ([], ["--json"]):
            result = voiden("run", str(doc), "--env", "dev", "--log-level", "DEBUG", *extra, cwd=tmp_path)
            output = result.stdout + result.stderr
            assert result.returncode == 1  # the second host does not exist
            assert "/echo" in output and "200" in output  # the first request went out and came back
            assert "ada:" not in output
            assert_masked(output)
    # what the server saw was the real secret: masking is only in what we show
    echoed = [e["data"] for e in map(json.loads, result.stdout.splitlines()) if e["kind"] == "received"]
    assert echoed[0]["query"]["p"] == "Pa …"
    assert "http" in result.stderr.lower()  # httpx logged its requests at DEBUG, masked


def test_basic_credentials_and_forms_are_masked_by_meaning() -> None:
    secrets = frozenset({PASS})
    for form in forms(PASS)[:-1]:
        assert mask_secrets(f"<{form}>", secrets) != f"<{form}>"
    assert mask_secrets(quote(PASS, safe="").lower(), secrets) != quote(PASS, safe="").lower()


async def test_the_language_server_masks_events_and_sessions(client: LanguageClient, tmp_path: Path) -> None:
    with DemoHttpServer() as server:
        collection(tmp_path, server.url)
        uri = open_doc(client, tmp_path, DOC)
        client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={"env": "dev"}))
        for name in ("basic", "host"):
            started = await client.workspace_execute_command_async(
                types.ExecuteCommandParams(command="voiden.run", arguments=[uri, name])
            )
            sid = started["session"]

            def ended(sid: str = sid) -> bool:
                recorded: list[Any] = client.recorder.events  # type: ignore[attr-defined]
                return any(e.session == sid and e.kind in ("closed", "error") for e in recorded)

            await until(ended)
        events = json.dumps(plain(client.recorder.events), default=str, ensure_ascii=False)  # type: ignore[attr-defined]
        assert "received" in events and re.search(r"Basic [A-Za-z0-9+/=]{3}…", events)
        assert_masked(events)
        sessions = await client.protocol.send_request_async("voiden/sessions", {})
        assert "received" in json.dumps(plain(sessions), default=str, ensure_ascii=False)
        assert_masked(json.dumps(plain(sessions), default=str, ensure_ascii=False))


def plain(value: Any) -> Any:
    """What pygls hands a client (named tuples of named tuples) as plain JSON values."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return {k: plain(v) for k, v in zip(value._fields, value, strict=True)}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
