"""The history (FORMAT.md section 13): what `voiden run` keeps, where, masked, bounded, opted out of, safe
against concurrent writers; `voiden history` and `voiden diff`."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from tests.helpers import voiden
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.sessions.history import KEEP, History
from voiden_lsp.templating import Response

TOKEN = "tok-very-secret-4242"


def collection(tmp_path: Path, base: str, text: str) -> Path:
    tmp_path.mkdir(exist_ok=True)
    (tmp_path / "voiden.toml").write_text(f'default_env = "local"\n\n[env.local]\nbase = "{base}"\n', encoding="utf-8")
    (tmp_path / ".env").write_text(f"API_TOKEN={TOKEN}\n", encoding="utf-8")
    doc = tmp_path / "api.voiden"
    doc.write_text(text, encoding="utf-8")
    return doc


def test_runs_are_kept_masked_listed_and_shown(http_server: DemoHttpServer, tmp_path: Path) -> None:
    store = tmp_path / "state"
    doc = collection(
        tmp_path / "c",
        http_server.url,
        "```http name=echo\nPOST {{base}}/echo\nAuthorization: Bearer {{API_TOKEN}}\n\n"
        '{"token": "{{API_TOKEN}}", "n": {{$randomInt 1 1000000}}}\n```\n\n'
        "```http name=quiet\n@no-history\nGET {{base}}/health\n```\n",
    )
    env = {"VOIDEN_HISTORY_DIR": str(store)}
    for _ in range(2):
        assert voiden("run", str(doc), env=env).returncode == 0
    assert voiden("run", str(doc), "--no-history", env=env).returncode == 0
    files = [p for p in store.rglob("*") if p.is_file()]
    assert not any(TOKEN in p.read_text(errors="replace") for p in files), "a secret reached the history"
    assert not str(store).startswith(str(tmp_path / "c")), "the history lives outside the collection"

    listed = voiden("history", str(doc), env=env)
    rows = [line for line in listed.stdout.splitlines()[1:] if line.strip()]
    assert len(rows) == 2 and all(" echo " in row and " 200 " in row and row.endswith("cli") for row in rows)
    record_id = rows[0].split()[0]
    shown = voiden("history", "show", record_id, env=env)
    assert shown.returncode == 0 and "> POST " in shown.stdout and "< 200" in shown.stdout
    assert "Bearer tok…" in shown.stdout and TOKEN not in shown.stdout

    changed = voiden("diff", str(doc), "echo", env=env)  # a fresh random number each run
    assert changed.returncode == 1 and '-    "n": ' in changed.stdout and '+    "n": ' in changed.stdout
    ignoring = ["body", "sha256", "json.n", "headers.date"]  # the echo's text, its hash, the number, the clock
    same = voiden("diff", str(doc), "echo", *[a for p in ignoring for a in ("--ignore", p)], env=env)
    assert same.returncode == 0 and same.stdout.startswith("the same"), same.stdout
    lonely = voiden("diff", str(doc), "quiet", env=env)
    assert lonely.returncode == 2 and "has 0 kept exchange(s)" in lonely.stderr


def test_an_unwritable_history_is_a_warning_not_a_failure(http_server: DemoHttpServer, tmp_path: Path) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder", encoding="utf-8")
    doc = tmp_path / "api.voiden"
    doc.write_text(f"```http name=h\nGET {http_server.url}/health\n```\n", encoding="utf-8")
    ran = voiden("run", str(doc), env={"VOIDEN_HISTORY_DIR": str(blocked)})
    assert ran.returncode == 0 and "warning: history not kept: cannot write" in ran.stderr


def test_a_large_body_is_kept_cut_with_its_true_size(http_server: DemoHttpServer, tmp_path: Path) -> None:
    doc = tmp_path / "api.voiden"
    doc.write_text(f"```http name=big\nGET {http_server.url}/bytes?size=5000\n```\n", encoding="utf-8")
    env = {"VOIDEN_HISTORY_DIR": str(tmp_path / "state"), "VOIDEN_HISTORY_MAX_BODY": "100"}
    assert voiden("run", str(doc), env=env).returncode == 0
    (record,) = (tmp_path / "state").rglob("*.json")
    data = json.loads(record.read_text())
    assert data["cut"] is True and data["size"] > 5000  # the demo sends the bytes as text
    assert len(record.with_suffix(".body").read_bytes()) <= 100


def _write(folder: str, root: str, count: int) -> None:
    history = History(Path(root), folder=Path(folder))
    for n in range(count):
        history.record(
            Path(root) / "api.voiden",
            "r",
            request=None,
            response=Response(status=200, headers={}, body=json.dumps({"n": n})),
            events=[],
            secrets=frozenset(),
        )


def test_concurrent_writers_lose_nothing_and_corrupt_nothing(tmp_path: Path) -> None:
    """Two processes write 15 records each at once: every kept record reads whole, the newest KEEP stay, and no
    temporary file is left behind."""
    folder, root = tmp_path / "state", tmp_path / "c"
    root.mkdir()
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_write, args=(str(folder), str(root), 15)) for _ in range(2)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(60)
        assert writer.exitcode == 0
    records = History(root, folder=folder).records(root / "api.voiden", "r")
    assert len(records) == KEEP
    assert all(json.loads(r.body())["n"] in range(15) for r in records)
    assert not list(folder.rglob("*.tmp"))
