"""`voiden run` and `voiden demo` end to end, as a user runs them: a real process against real servers."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import events, voiden
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.demo.ws_server import DemoWebSocketServer

ROOT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "doc.voiden"
    path.write_text(text, encoding="utf-8")
    return path


DOC = """# Health

```http name=health
GET {{base}}/health
```

# Missing

```http name=missing
GET {{base}}/users/99
```
"""


def test_json_output_is_one_event_per_line_and_exit_zero(http_server: DemoHttpServer, tmp_path: Path) -> None:
    result = voiden("run", str(write(tmp_path, DOC)), "--json", "--var", f"base={http_server.url}")
    assert result.returncode == 0, result.stderr
    lines = events(result.stdout)
    assert [e["kind"] for e in lines if e["request"] == "health"] == [
        "connecting",
        "sent",
        "open",
        "status",
        "received",
        "closed",
    ]
    assert {e["request"] for e in lines} == {"health", "missing"}
    for event in lines:
        assert {"session", "request", "seq", "time", "kind"} <= set(event)
    assert [e["code"] for e in lines if e["kind"] == "status"] == [200, 404]


def test_fail_on_status_and_named_requests(http_server: DemoHttpServer, tmp_path: Path) -> None:
    path = str(write(tmp_path, DOC))
    assert voiden("run", path, "--fail-on-status", "--var", f"base={http_server.url}").returncode == 1
    only = voiden("run", path, "health", "--fail-on-status", "--json", "--var", f"base={http_server.url}")
    assert only.returncode == 0
    assert {e["request"] for e in events(only.stdout)} == {"health"}


def test_failures_exit_one_and_the_run_goes_on(http_server: DemoHttpServer, tmp_path: Path) -> None:
    text = "# Down\n```http\nGET http://127.0.0.1:9/\n```\n# Up\n```http\nGET {{base}}/health\n```\n"
    result = voiden("run", str(write(tmp_path, text)), "--var", f"base={http_server.url}")
    assert result.returncode == 1
    assert "✗ connection refused by 127.0.0.1" in result.stdout
    assert "200 OK" in result.stdout  # the next request still ran


def test_usage_errors_exit_two(tmp_path: Path) -> None:
    path = str(write(tmp_path, DOC))
    unknown = voiden("run", path, "nope")
    assert unknown.returncode == 2 and "no request named nope" in unknown.stderr and "health, missing" in unknown.stderr
    assert voiden("run", str(tmp_path / "absent.voiden")).returncode == 2
    assert voiden("run", path, "--var", "novalue").returncode == 2
    (tmp_path / "voiden.toml").write_text("[env.dev]\nbase = 'http://127.0.0.1:9'\n", encoding="utf-8")
    bad_env = voiden("run", path, "--env", "prod", "--json")
    assert bad_env.returncode == 1
    assert "no environment `prod`" in bad_env.stdout


def test_env_selection_and_masking(http_server: DemoHttpServer, tmp_path: Path) -> None:
    (tmp_path / "voiden.toml").write_text(
        f'default_env = "dev"\n[env.dev]\nbase = "{http_server.url}"\n[env.other]\nbase = "http://127.0.0.1:9"\n',
        encoding="utf-8",
    )
    (tmp_path / ".env").write_text("API_KEY=super-secret-key-42\n", encoding="utf-8")
    text = '```http name=echo\nPOST {{base}}/echo\nX-Api-Key: {{API_KEY}}\n\n{"key": "{{API_KEY}}"}\n```\n'
    path = str(write(tmp_path, text))
    result = voiden("run", path, "--json")
    assert result.returncode == 0, result.stdout
    assert "super-secret-key-42" not in result.stdout and "sup…" in result.stdout
    human = voiden("run", path)
    assert "super-secret-key-42" not in human.stdout + human.stderr
    assert voiden("run", path, "--env", "other").returncode == 1


def test_parse_problems_are_printed_with_file_and_line(tmp_path: Path) -> None:
    result = voiden("run", str(write(tmp_path, "```http\n@timeout later\nGET ftp://x\n```\n")))
    assert result.returncode == 1
    assert "doc.voiden:2:10: error: `@timeout` needs a duration" in result.stderr
    assert "cannot be sent" in result.stdout


def test_demo_runs_every_example() -> None:
    result = voiden("demo", "--json", cwd=ROOT)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr
    lines = events(result.stdout)
    requests = {e["request"] for e in lines}
    assert {"list-users", "create-user", "fetch-user", "login", "me", "ticks"} <= requests
    assert not [e for e in lines if e["kind"] == "error"]
    assert "demo-password-123" not in result.stdout


ECHO = """```ws name=echo
@max-messages 3
{{ws}}/echo

{"hello": "world", "n": [1, 2]}
```

```message
plain words
```

```message binary
AAECAw==
```
"""


def test_payloads_are_values_in_json_and_pretty_for_people(ws_server: DemoWebSocketServer, tmp_path: Path) -> None:
    doc = write(tmp_path, ECHO)
    machine = voiden("run", str(doc), "--json", "--var", f"ws={ws_server.url}")
    assert machine.returncode == 0, machine.stderr
    received = [e for e in events(machine.stdout) if e["kind"] == "received"]
    assert [(e["encoding"], e["data"], e["size"]) for e in received] == [
        ("json", {"hello": "world", "n": [1, 2]}, 31),
        ("text", "plain words", 11),
        ("base64", "AAECAw==", 4),
    ]
    assert '"data":{"hello":"world","n":[1,2]},"encoding":"json"' in machine.stdout, "compact, in the server's order"

    person = voiden("run", str(doc), "--var", f"ws={ws_server.url}")
    assert person.returncode == 0, person.stderr
    lines = person.stdout.splitlines()
    pretty = ["    {", '      "hello": "world",', '      "n": [', "        1,", "        2", "      ]", "    }"]
    starts = [i for i, line in enumerate(lines) if lines[i : i + len(pretty)] == pretty]
    assert len(starts) == 2, person.stdout  # what was sent and its echo, indented at display time
    assert lines.count("    plain words") == 2
    binary = lines.index("    binary, 4 B, as base64:")
    assert lines[binary + 1] == "    AAECAw=="


def test_the_auth_example_from_a_fresh_clone_says_what_to_do(http_server: DemoHttpServer, tmp_path: Path) -> None:
    """The README's `voiden run examples/02-auth-flow.voiden login me` on a clone without `.env`: each line
    names its request, the missing secret points at `.env.example`, and `me` says that `login` failed, not
    that it was never sent."""
    import shutil

    folder = tmp_path / "examples"
    folder.mkdir()
    for name in ("02-auth-flow.voiden", ".env.example", "voiden.toml"):
        shutil.copy(ROOT / "examples" / name, folder / name)
    doc = str(folder / "02-auth-flow.voiden")
    result = voiden("run", doc, "login", "me", "--var", f"base_url={http_server.url}")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].strip().startswith("✗ login: undefined variable `DEMO_PASSWORD`: "), result.stdout
    assert ".env.example defines it, copy it to .env" in lines[0]
    assert lines[1].strip().startswith("✗ me: `login` failed (undefined variable `DEMO_PASSWORD`"), result.stdout
    assert "so there is no response of it to use here" in lines[1]
    shutil.copy(folder / ".env.example", folder / ".env")
    result = voiden("run", doc, "login", "me", "--var", f"base_url={http_server.url}")
    assert result.returncode == 0, result.stdout
    result = voiden("run", doc, "me", "--var", f"base_url={http_server.url}")
    assert result.returncode == 1
    assert "✗ me: `login` has no response yet: send it before this request" in result.stdout
